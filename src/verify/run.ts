/**
 * The verify runner: every check concurrently, each sample under its own timeout, conditions
 * evaluated into PASS / WARN / FAIL. A sample that cannot be measured is an ERROR, and an ERROR
 * counts as a failure: it is never reported as PASS.
 */
import type { Db } from '../db/types.js';
import { UsageError } from '../errors.js';
import { isSecretKey } from '../redact/detectors.js';
import { createRedactor, DEFAULT_CENSOR } from '../redact/redactor.js';
import { type Condition, evaluateCondition, type Operand, parseCondition, placeholderOf, placeholdersOf } from './conditions.js';
import { describeTarget, measure, type Measurement, Unmeasurable } from './kinds/index.js';
import { shorten } from './kinds/redis.js';
import { type CheckKind, kindOf, logsPii, PLACEHOLDERS, type VerifyCheck } from './schema.js';

export type VerifyStatus = 'pass' | 'warn' | 'fail';

export interface ConditionResult {
  condition: string;
  severity: 'fail' | 'warn';
  ok: boolean;
  /** The measured value, masked (for redis key scans: the failing keys). */
  actual: string;
}

export interface VerifyCheckResult {
  name: string;
  kind: CheckKind;
  status: VerifyStatus;
  /** Why the check could not be measured (reported as FAIL). */
  error?: string;
  /** What was checked, with secrets masked. */
  target: string;
  message: string;
  durationMs: number;
  samples: number;
  failedSamples: number;
  conditions: ConditionResult[];
}

export interface VerifyReport {
  environment: string | null;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  verdict: VerifyStatus;
  summary: { pass: number; warn: number; fail: number; error: number };
  checks: VerifyCheckResult[];
}

export interface RunVerifyOptions {
  checks: readonly VerifyCheck[];
  /** Only these checks (by name). @throws UsageError for an unknown name. */
  only?: readonly string[];
  /** Opens (once) the selected environment's database, for sql checks without their own url. */
  db?: () => Promise<Db>;
  environment?: string | null;
  /** Directory log paths and commands are relative to (the config file's). */
  cwd?: string;
  /** Clock, for `{minute}` keys and log windows. */
  now?: () => number;
}

/** The condition of a check that declares none: every check must be able to fail. */
function defaultFail(check: VerifyCheck, kind: CheckKind): string | undefined {
  switch (kind) {
    case 'http':
      return '[STATUS] < 400';
    case 'tcp':
      return '[CONNECTED] == true';
    case 'command':
      return '[EXIT_CODE] == 0';
    case 'sql':
      return '[ROW_COUNT] > 0';
    case 'logs':
      return logsPii(check.logs!) ? '[FINDINGS] == 0' : '[MATCHES] == 0';
    default:
      return undefined;
  }
}

const redactor = createRedactor();

/**
 * Runs the checks and returns a JSON-serialisable report. Never throws for a failing or
 * unreachable target (that is a FAIL with its reason); throws UsageError for an unknown `only` name.
 *
 * @example
 * const { config, dir } = await loadConfig();
 * const report = await runVerify({ checks: config.verify?.checks ?? [], cwd: dir });
 * if (report.verdict === 'fail') rollback();
 */
export async function runVerify(options: RunVerifyOptions): Promise<VerifyReport> {
  const now = options.now ?? Date.now;
  let checks = options.checks;
  if (options.only && options.only.length > 0) {
    const known = new Set(checks.map((c) => c.name));
    const unknown = options.only.filter((name) => !known.has(name));
    if (unknown.length > 0) {
      throw new UsageError(`unknown check${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')}`, {
        hint: `checks in config: ${[...known].join(', ') || '(none)'}`,
      });
    }
    checks = checks.filter((c) => options.only!.includes(c.name));
  }
  let dbPromise: Promise<Db> | undefined;
  const db = options.db ? () => (dbPromise ??= options.db!()) : undefined;
  const started = now();
  const t0 = performance.now();
  const results = await Promise.all(checks.map((check) => runCheck(check, { db, cwd: options.cwd ?? process.cwd(), now })));
  const summary = { pass: 0, warn: 0, fail: 0, error: 0 };
  for (const r of results) {
    summary[r.status]++;
    if (r.error !== undefined) summary.error++;
  }
  return {
    environment: options.environment ?? null,
    startedAt: new Date(started).toISOString(),
    finishedAt: new Date(now()).toISOString(),
    durationMs: Math.round(performance.now() - t0),
    verdict: summary.fail > 0 ? 'fail' : summary.warn > 0 ? 'warn' : 'pass',
    summary,
    checks: results,
  };
}

interface Sample {
  status: VerifyStatus;
  error?: string;
  message: string;
  conditions: ConditionResult[];
}

async function runCheck(
  check: VerifyCheck,
  ctx: { db: (() => Promise<Db>) | undefined; cwd: string; now: () => number },
): Promise<VerifyCheckResult> {
  const kind = kindOf(check);
  const conditions = parsedConditions(check, kind);
  const t0 = performance.now();
  const samples: Sample[] = [];
  for (let i = 0; i < check.count; i++) {
    if (i > 0) await sleep(check.interval);
    samples.push(await takeSample(check, conditions, ctx));
  }
  const failed = samples.filter((s) => s.status === 'fail');
  const limit = check.failureLimit ?? 1;
  const deciding = failed.length >= limit ? failed[failed.length - 1]! : samples.find((s) => s.status === 'warn') ?? samples[samples.length - 1]!;
  // Failures below the limit still make the check a WARN: something flickered.
  const status: VerifyStatus = failed.length >= limit ? 'fail' : samples.some((s) => s.status !== 'pass') ? 'warn' : 'pass';
  let message = deciding.message;
  // Errors below the failure limit still say what went wrong, not just that a sample failed.
  const errored = samples.filter((s) => s.error !== undefined);
  const lastError = errored[errored.length - 1];
  if (lastError && deciding !== lastError) message += ` (ERROR in ${errored.length} sample${errored.length === 1 ? '' : 's'}: ${lastError.error})`;
  if (check.count > 1) message = `${failed.length}/${check.count} samples failed; ${message}`;
  return {
    name: check.name,
    kind,
    status,
    ...(deciding.error !== undefined && status === 'fail' ? { error: deciding.error } : {}),
    target: redactor.string(describeTarget(check)),
    message,
    durationMs: Math.round(performance.now() - t0),
    samples: samples.length,
    failedSamples: failed.length,
    conditions: deciding.conditions,
  };
}

function parsedConditions(check: VerifyCheck, kind: CheckKind): { severity: 'fail' | 'warn'; condition: Condition }[] {
  const fail = check.fail.length > 0 || check.warn.length > 0 ? check.fail : [defaultFail(check, kind)].filter((c) => c !== undefined);
  return [
    ...fail.map((c) => ({ severity: 'fail' as const, condition: parseCondition(c, PLACEHOLDERS[kind]) })),
    ...check.warn.map((c) => ({ severity: 'warn' as const, condition: parseCondition(c, PLACEHOLDERS[kind]) })),
  ];
}

async function takeSample(
  check: VerifyCheck,
  conditions: { severity: 'fail' | 'warn'; condition: Condition }[],
  ctx: { db: (() => Promise<Db>) | undefined; cwd: string; now: () => number },
): Promise<Sample> {
  const own = check[kindOf(check)];
  const kindTimeout = typeof own === 'object' ? own.timeout : undefined;
  const timeoutMs = kindTimeout ?? check.timeout;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let measurement: Measurement;
  try {
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Unmeasurable(`timed out after ${timeoutMs} ms`));
      }, timeoutMs);
    });
    measurement = await Promise.race([measure(check, { signal: controller.signal, cwd: ctx.cwd, db: ctx.db, now: ctx.now() }), timedOut]);
  } catch (error) {
    const reason = error instanceof Unmeasurable ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    const safe = redactor.string(reason);
    return { status: 'fail', error: safe, message: `ERROR: ${safe}`, conditions: [] };
  } finally {
    clearTimeout(timer);
  }
  const results: ConditionResult[] = [];
  for (const { severity, condition } of conditions) {
    const perItem = measurement.items !== undefined && placeholdersOf(condition).some((p) => p === 'VALUE' || p === 'KEY');
    if (perItem) {
      if (measurement.items!.length === 0) {
        const reason = 'no keys match';
        return { status: 'fail', error: reason, message: `ERROR: ${reason}`, conditions: [] };
      }
      const failing = measurement.items!.filter((item) => !evaluateCondition(condition, { ...measurement.values, ...item }).ok);
      const actual = failing.length === 0 ? `all ${measurement.items!.length} keys` : failing.slice(0, 3).map((i) => `${redactor.string(String(i.KEY))}=${shorten(redactor.string(String(i.VALUE)))}`).join(', ') + (failing.length > 3 ? ` (+${failing.length - 3})` : '');
      results.push({ condition: condition.source, severity, ok: failing.length === 0, actual: redactor.string(actual) });
    } else {
      const outcome = evaluateCondition(condition, measurement.values, presentValue);
      if (outcome.unmeasurable) return { status: 'fail', error: outcome.unmeasurable, message: `ERROR: ${outcome.unmeasurable}`, conditions: [] };
      results.push({ condition: condition.source, severity, ok: outcome.ok, actual: redactor.string(outcome.actual) });
    }
  }
  const failedFail = results.filter((r) => !r.ok && r.severity === 'fail');
  const failedWarn = results.filter((r) => !r.ok && r.severity === 'warn');
  const status: VerifyStatus = failedFail.length > 0 ? 'fail' : failedWarn.length > 0 ? 'warn' : 'pass';
  const broken = [...failedFail, ...failedWarn].map((r) => `${r.condition} (got ${r.actual})`);
  const detail = measurement.detail ? redactor.string(measurement.detail) : '';
  const message = broken.length > 0 ? `${broken.join('; ')}${detail ? ` — ${detail}` : ''}` : detail || 'all conditions hold';
  return { status, message, conditions: results };
}

/**
 * A measured value as a report shows it: censored whole under a secret-named key
 * (`[BODY].token`), otherwise with every detected secret replaced, before it is cut short.
 */
function presentValue(value: unknown, operand: Operand): unknown {
  const last = placeholderOf(operand)?.path.at(-1);
  if (operand.type === 'placeholder' && typeof last === 'string' && isSecretKey(last)) return DEFAULT_CENSOR;
  return redactor.value(value);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
