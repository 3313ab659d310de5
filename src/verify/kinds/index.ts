/**
 * Measuring one sample of each check kind (one file per kind), and how a check is shown.
 */
import { redactText, redactUrl } from '../../redact/secrets.js';
import { type CheckKind, kindOf, type VerifyCheck } from '../schema.js';
import type { MeasureContext, Measurement } from './common.js';
import { measureCommand } from './command.js';
import { measureHttp } from './http.js';
import { measureLogs } from './logs.js';
import { measureRedis } from './redis.js';
import { measureSql } from './sql.js';
import { measureTcp } from './tcp.js';

export { Unmeasurable, type MeasureContext, type Measurement } from './common.js';
export { timeKey } from './redis.js';

const MEASURE: Record<CheckKind, (check: VerifyCheck, ctx: MeasureContext) => Promise<Measurement>> = {
  http: measureHttp,
  tcp: measureTcp,
  sql: measureSql,
  redis: measureRedis,
  logs: measureLogs,
  command: measureCommand,
};

/** What the check points at, with secrets masked: shown in every report. */
export function describeTarget(check: VerifyCheck): string {
  const kind = kindOf(check);
  switch (kind) {
    case 'http':
      return `${check.http!.method.toUpperCase()} ${redactUrl(check.http!.url)}`;
    case 'tcp':
      return `${check.tcp!.host}:${check.tcp!.port}`;
    case 'sql':
      return `${check.sql!.url ? `${redactUrl(check.sql!.url)} ` : ''}${redactText(oneLine(check.sql!.query))}`;
    case 'redis': {
      const r = check.redis!;
      const what = r.get ? `GET ${r.get}` : r.hget ? `HGET ${r.hget.key} ${r.hget.field}` : `SCAN ${r.keys}${r.field ? ` HGET ${r.field}` : ''}`;
      return `${redactUrl(r.url)} ${what}`;
    }
    case 'logs':
      return check.logs!.paths.join(', ');
    case 'command':
      return redactText(typeof check.command === 'string' ? check.command : check.command!.run);
  }
}

/** Every secret a check's URLs carry, for the CLI's output redaction. */
export function urlsOf(check: VerifyCheck): string[] {
  return [check.http?.url, check.sql?.url, check.redis?.url].filter((u): u is string => u !== undefined);
}

export async function measure(check: VerifyCheck, ctx: MeasureContext): Promise<Measurement> {
  const kind: CheckKind = kindOf(check);
  const started = performance.now();
  const measurement = await MEASURE[kind](check, ctx);
  measurement.values.RESPONSE_TIME ??= Math.round(performance.now() - started);
  return measurement;
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 100 ? `${flat.slice(0, 99)}…` : flat;
}
