/**
 * Measuring one sample of each check kind. A measurement is the placeholder values conditions
 * read; anything that makes a sample unmeasurable (timeout, refused connection, missing key, no
 * rows, no log files) throws `Unmeasurable` with the reason, which the runner reports as ERROR.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { hasPlaceholder, placeholderNames } from '../config/interpolate.js';
import { openDb } from '../db/open.js';
import type { Db } from '../db/types.js';
import { expandGlob } from '../migrations/discover.js';
import { redactText, redactUrl } from '../redact/secrets.js';
import { readAllowlist } from '../scan/allowlist.js';
import { type ScanInput, scanLogs } from '../scan/scan.js';
import { type CheckKind, kindOf, type VerifyCheck } from './schema.js';

export class Unmeasurable extends Error {}

export interface Measurement {
  /** Placeholder values for the whole check (`STATUS`, `ROWS`, `COUNT` ...). */
  values: Record<string, unknown>;
  /** Redis key scans: one set of values (`KEY`, `VALUE`) per key; conditions on them hold for every key. */
  items?: Record<string, unknown>[];
  /** One line about what was measured (already redacted). */
  detail?: string;
}

export interface MeasureContext {
  signal: AbortSignal;
  /** Directory relative log paths and command cwd resolve against. */
  cwd: string;
  /** The selected environment's database, for sql checks without their own url. */
  db: (() => Promise<Db>) | undefined;
  /** Time used for `{minute}`-style key placeholders and log windows. */
  now: number;
}

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

/** A config value still holding `${VAR}` (deferred interpolation): the variable was not set. */
function resolved(value: string, what: string): string {
  if (hasPlaceholder(value)) throw new Unmeasurable(`environment variable ${placeholderNames(value).join(', ')} is not set (${what})`);
  return value;
}

const MEASURE: Record<CheckKind, (check: VerifyCheck, ctx: MeasureContext) => Promise<Measurement>> = {
  async http(check, ctx) {
    const http = check.http!;
    const url = resolved(http.url, 'http.url');
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(http.headers)) headers[k] = resolved(v, `http.headers.${k}`);
    let body: string | undefined;
    if (typeof http.body === 'string') body = http.body;
    else if (http.body !== undefined) {
      body = JSON.stringify(http.body);
      headers['content-type'] ??= 'application/json';
    }
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(url, { method: http.method.toUpperCase(), headers, body, signal: ctx.signal, redirect: 'manual' });
    } catch (error) {
      throw new Unmeasurable(`request failed: ${causeOf(error)}`);
    }
    const text = await response.text();
    const elapsed = Math.round(performance.now() - started);
    let parsed: unknown = text;
    try {
      parsed = text === '' ? text : JSON.parse(text);
    } catch {
      // Not JSON: conditions compare the text.
    }
    const responseHeaders: Record<string, string> = {};
    response.headers.forEach((value, key) => (responseHeaders[key] = value));
    return { values: { STATUS: response.status, BODY: parsed, HEADERS: responseHeaders, RESPONSE_TIME: elapsed }, detail: `HTTP ${response.status} in ${elapsed} ms` };
  },

  async tcp(check, ctx) {
    const { host, port } = check.tcp!;
    const started = performance.now();
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect({ host, port });
      const fail = (error: Error) => {
        socket.destroy();
        reject(new Unmeasurable(`cannot connect to ${host}:${port}: ${causeOf(error)}`));
      };
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', fail);
      ctx.signal.addEventListener('abort', () => fail(new Error('timed out')), { once: true });
    });
    const elapsed = Math.round(performance.now() - started);
    return { values: { CONNECTED: true, RESPONSE_TIME: elapsed }, detail: `connected in ${elapsed} ms` };
  },

  async sql(check, ctx) {
    const sql = check.sql!;
    const timeoutMs = sql.timeout ?? check.timeout;
    let own: Db | undefined;
    let db: Db;
    try {
      if (sql.url) {
        own = await openDb(resolved(sql.url, 'sql.url'), { settings: { statementTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs } });
        db = own;
      } else if (ctx.db) db = await ctx.db();
      else throw new Unmeasurable('no database: give sql.url or select an environment (--env)');
    } catch (error) {
      if (error instanceof Unmeasurable) throw error;
      throw new Unmeasurable(causeOf(error));
    }
    try {
      const started = performance.now();
      const result = await db.transaction(
        async (tx) => {
          await tx.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
          return tx.query(sql.query);
        },
        { readOnly: true },
      );
      const elapsed = Math.round(performance.now() - started);
      if (result.rows.length === 0 && usesRowIndex(check)) throw new Unmeasurable('query returned no rows');
      return {
        values: { ROWS: result.rows, ROW_COUNT: result.rows.length, RESPONSE_TIME: elapsed },
        detail: `${result.rows.length} row${result.rows.length === 1 ? '' : 's'} in ${elapsed} ms`,
      };
    } catch (error) {
      if (error instanceof Unmeasurable) throw error;
      throw new Unmeasurable(causeOf(error));
    } finally {
      await own?.close();
    }
  },

  async redis(check, ctx) {
    const r = check.redis!;
    const { Redis } = await import('ioredis');
    const timeoutMs = r.timeout ?? check.timeout;
    const client = new Redis(resolved(r.url, 'redis.url'), {
      lazyConnect: true,
      connectTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    client.on('error', () => {
      // Reported through the failing command; without a listener ioredis logs to stderr.
    });
    const abort = () => client.disconnect();
    ctx.signal.addEventListener('abort', abort, { once: true });
    try {
      try {
        await client.connect();
      } catch (error) {
        throw new Unmeasurable(`cannot connect to ${redactUrl(r.url)}: ${causeOf(error)}`);
      }
      const missing = (key: string) => {
        if (r.default !== undefined) return r.default;
        throw new Unmeasurable(`key ${key} not found`);
      };
      if (r.get || r.hget) {
        const key = timeKey(r.get ?? r.hget!.key, ctx.now);
        const value = r.get ? await client.get(key) : await client.hget(key, r.hget!.field);
        const shown = value ?? missing(key);
        return { values: { VALUE: shown, KEY: key, COUNT: value === null ? 0 : 1 }, detail: `${key} = ${String(shown).slice(0, 40)}` };
      }
      const pattern = timeKey(r.keys!, ctx.now);
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        keys.push(...batch);
        if (keys.length > 100_000) throw new Unmeasurable(`more than 100000 keys match ${pattern}`);
      } while (cursor !== '0');
      keys.sort();
      const values = keys.length === 0 ? [] : r.field ? await Promise.all(keys.map((k) => client.hget(k, r.field!))) : await client.mget(keys);
      const items = keys.map((key, i) => ({ KEY: key, VALUE: values[i] ?? missing(key) }));
      return { values: { COUNT: keys.length }, items, detail: `${keys.length} key${keys.length === 1 ? '' : 's'} match ${pattern}` };
    } catch (error) {
      if (error instanceof Unmeasurable) throw error;
      throw new Unmeasurable(causeOf(error));
    } finally {
      ctx.signal.removeEventListener('abort', abort);
      client.disconnect();
    }
  },

  async logs(check, ctx) {
    const logs = check.logs!;
    const inputs: ScanInput[] = [];
    for (const given of logs.paths) {
      const files = /[*?[{]/.test(given) ? await expandGlob(given, ctx.cwd) : [path.resolve(ctx.cwd, given)];
      for (const file of files) inputs.push({ name: path.relative(ctx.cwd, file) || file, source: file });
    }
    if (inputs.length === 0) throw new Unmeasurable(`no log files match ${logs.paths.join(', ')}`);
    let report;
    try {
      report = await scanLogs(inputs, {
        pii: logs.pii,
        match: logs.match ? new RegExp(logs.match) : undefined,
        since: logs.since === undefined ? undefined : ctx.now - logs.since,
        ...(logs.allow ? { allow: readAllowlist(path.resolve(ctx.cwd, logs.allow)) } : {}),
        maxFindings: 5,
      });
    } catch (error) {
      throw new Unmeasurable(`cannot read logs: ${causeOf(error)}`);
    }
    const { findings, matches, lines, files } = report.summary;
    const first = report.findings[0];
    const example = first ? `; first: ${first.file}:${first.line} ${first.detector} ${first.match}` : '';
    return {
      values: { FINDINGS: findings, MATCHES: matches, LINES: lines },
      detail: `${files} file${files === 1 ? '' : 's'}, ${lines} lines, ${logs.pii ? `${findings} findings, ` : ''}${logs.match ? `${matches} matches` : ''}${example}`.replace(/, $/, ''),
    };
  },

  async command(check, ctx) {
    const spec = typeof check.command === 'string' ? { run: check.command } : check.command!;
    const cwd = 'cwd' in spec && spec.cwd ? path.resolve(ctx.cwd, spec.cwd) : ctx.cwd;
    return new Promise<Measurement>((resolve, reject) => {
      const child = spawn(spec.run, { shell: true, cwd, signal: ctx.signal, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-65536)));
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-65536)));
      child.once('error', (error) => reject(new Unmeasurable(`cannot run command: ${causeOf(error)}`)));
      child.once('close', (code, signal) => {
        if (code === null) {
          reject(new Unmeasurable(`command ended by ${signal ?? 'a signal'}`));
          return;
        }
        resolve({ values: { EXIT_CODE: code, STDOUT: stdout.trim(), STDERR: stderr.trim() }, detail: `exit ${code}` });
      });
    });
  },
};

function usesRowIndex(check: VerifyCheck): boolean {
  return [...check.fail, ...check.warn].some((c) => /\[ROWS\]\s*\[/.test(c));
}

/**
 * Replaces time placeholders in a Redis key: `{minute}` (epoch minutes, as fixed-window rate
 * limiters key their counters), `{hour}`, `{day}`, `{second}`, `{epoch}` (seconds), `{date}` (YYYY-MM-DD, UTC).
 */
export function timeKey(key: string, now: number): string {
  const seconds = Math.floor(now / 1000);
  const values: Record<string, string> = {
    second: String(seconds),
    epoch: String(seconds),
    minute: String(Math.floor(seconds / 60)),
    hour: String(Math.floor(seconds / 3600)),
    day: String(Math.floor(seconds / 86400)),
    date: new Date(now).toISOString().slice(0, 10),
  };
  return key.replace(/\{(second|epoch|minute|hour|day|date)\}/g, (_m, name: string) => values[name] ?? '');
}

function causeOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const inner = cause instanceof Error ? `: ${cause.message}` : '';
    return redactText(`${error.message}${inner}`);
  }
  return redactText(String(error));
}

function oneLine(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 100 ? `${flat.slice(0, 99)}…` : flat;
}
