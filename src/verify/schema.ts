/**
 * The `verify` section of the config: declarative post-deploy checks (see docs/verify.md).
 * Conditions are parsed here, so a bad condition is a config error (exit 2) with its key path.
 */
import { z } from 'zod';
import { duration } from '../config/duration.js';
import { ConditionSyntaxError, parseCondition, placeholdersOf } from './conditions.js';

const timeout = duration.optional();

export const httpCheckSchema = z.strictObject({
  url: z.string().min(1),
  method: z.string().regex(/^[A-Za-z]+$/).default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  /** A string is sent as is; an object is sent as JSON. */
  body: z.union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())]).optional(),
  timeout,
});

export const tcpCheckSchema = z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535), timeout });

export const sqlCheckSchema = z.strictObject({
  query: z.string().min(1),
  /** Default: the selected environment's database. */
  url: z.string().min(1).optional(),
  timeout,
});

export const redisCheckSchema = z
  .strictObject({
    url: z.string().min(1),
    /** GET one key (`{minute}`, `{hour}`, `{date}` ... are replaced by the current time). */
    get: z.string().min(1).optional(),
    /** HGET one field of one hash. */
    hget: z.strictObject({ key: z.string().min(1), field: z.string().min(1) }).optional(),
    /** SCAN a key pattern; each key's value is checked. `field` reads a hash field instead of GET. */
    keys: z.string().min(1).optional(),
    field: z.string().min(1).optional(),
    /** The VALUE of a missing key; without it a missing key cannot be measured (ERROR). */
    default: z.union([z.string(), z.number()]).optional(),
    timeout,
  })
  .superRefine((value, ctx) => {
    const given = (['get', 'hget', 'keys'] as const).filter((k) => value[k] !== undefined);
    if (given.length !== 1) ctx.addIssue({ code: 'custom', message: 'give exactly one of get, hget, keys' });
    if (value.field !== undefined && value.keys === undefined) ctx.addIssue({ code: 'custom', path: ['field'], message: 'field goes with keys' });
  });

export const logsCheckSchema = z.strictObject({
  paths: z.array(z.string().min(1)).min(1),
  /** Count PII and secrets ([FINDINGS]). Default: true unless `match` is given. */
  pii: z.boolean().optional(),
  /** Count lines matching this regex ([MATCHES]). */
  match: z
    .string()
    .min(1)
    .refine((source) => {
      try {
        new RegExp(source);
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression')
    .optional(),
  /** Only lines with a timestamp within this window (lines without one take the previous line's). */
  since: duration.optional(),
  allow: z.string().min(1).optional(),
  timeout,
});

export const commandCheckSchema = z.union([
  z.string().min(1),
  z.strictObject({ run: z.string().min(1), cwd: z.string().min(1).optional(), timeout }),
]);

export const CHECK_KINDS = ['http', 'tcp', 'sql', 'redis', 'logs', 'command'] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

/** Placeholders each kind measures. */
export const PLACEHOLDERS: Record<CheckKind, readonly string[]> = {
  http: ['STATUS', 'BODY', 'HEADERS', 'RESPONSE_TIME'],
  tcp: ['CONNECTED', 'RESPONSE_TIME'],
  sql: ['ROWS', 'ROW_COUNT', 'RESPONSE_TIME'],
  redis: ['VALUE', 'KEY', 'COUNT', 'RESPONSE_TIME'],
  logs: ['FINDINGS', 'MATCHES', 'LINES', 'RESPONSE_TIME'],
  command: ['EXIT_CODE', 'STDOUT', 'STDERR', 'RESPONSE_TIME'],
};

export const checkSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, 'expected a name of letters, digits, _ . : -'),
    http: httpCheckSchema.optional(),
    tcp: tcpCheckSchema.optional(),
    sql: sqlCheckSchema.optional(),
    redis: redisCheckSchema.optional(),
    logs: logsCheckSchema.optional(),
    command: commandCheckSchema.optional(),
    /** Conditions that must hold, else FAIL. */
    fail: z.array(z.string().min(1)).default([]),
    /** Conditions that should hold, else WARN. */
    warn: z.array(z.string().min(1)).default([]),
    /** Samples taken, `interval` apart; the check FAILs when `failureLimit` of them fail. */
    count: z.number().int().min(1).max(1000).default(1),
    interval: duration.default(1_000),
    failureLimit: z.number().int().min(1).optional(),
    /** Time allowed for one sample (default 10s; a kind's own timeout wins). */
    timeout: duration.default(10_000),
  })
  .superRefine((check, ctx) => {
    const kinds = CHECK_KINDS.filter((k) => check[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({ code: 'custom', message: `give exactly one of ${CHECK_KINDS.join(', ')} (got ${kinds.length === 0 ? 'none' : kinds.join(', ')})` });
      return;
    }
    const placeholders = PLACEHOLDERS[kinds[0]!];
    for (const severity of ['fail', 'warn'] as const) {
      check[severity].forEach((condition, index) => {
        try {
          const used = placeholdersOf(parseCondition(condition, placeholders));
          // A logs check only measures what it is asked to: a condition on the other count would pass on a 0 never measured.
          if (check.logs && used.includes('FINDINGS') && !logsPii(check.logs)) {
            ctx.addIssue({ code: 'custom', path: [severity, index], message: `[FINDINGS] needs logs.pii: true (this check only counts logs.match)` });
          }
          if (check.logs && used.includes('MATCHES') && check.logs.match === undefined) {
            ctx.addIssue({ code: 'custom', path: [severity, index], message: `[MATCHES] needs logs.match (a regex of the lines to count)` });
          }
        } catch (error) {
          if (!(error instanceof ConditionSyntaxError)) throw error;
          ctx.addIssue({ code: 'custom', path: [severity, index], message: error.message });
        }
      });
    }
    if (check.failureLimit !== undefined && check.failureLimit > check.count) {
      ctx.addIssue({ code: 'custom', path: ['failureLimit'], message: `failureLimit ${check.failureLimit} exceeds count ${check.count}` });
    }
  });

export const verifySchema = z
  .strictObject({
    checks: z.array(checkSchema).default([]),
    /** `--watch` exits 1 when a check FAILs this many samples in a row. */
    rollbackAfter: z.number().int().min(1).default(2),
    /** Record each run in prodguard.verify_runs of the environment database (`--record`). */
    record: z.boolean().default(false),
  })
  .superRefine((verify, ctx) => {
    const seen = new Map<string, number>();
    verify.checks.forEach((check, index) => {
      const first = seen.get(check.name);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['checks', index, 'name'], message: `duplicate check name (also verify.checks.${first}.name)` });
      else seen.set(check.name, index);
    });
  });

export type VerifyCheckInput = z.input<typeof checkSchema>;
export type VerifyCheck = z.output<typeof checkSchema>;
export type VerifyConfig = z.output<typeof verifySchema>;

export function kindOf(check: VerifyCheck): CheckKind {
  const kind = CHECK_KINDS.find((k) => check[k] !== undefined);
  if (!kind) throw new Error(`check ${check.name} has no kind`);
  return kind;
}

/** Whether a logs check counts PII and secrets: `pii`, else true unless it only counts `match`. */
export function logsPii(logs: { pii?: boolean | undefined; match?: string | undefined }): boolean {
  return logs.pii ?? logs.match === undefined;
}
