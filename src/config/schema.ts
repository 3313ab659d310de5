import { z } from 'zod';
import { duration } from './duration.js';
import { ENVIRONMENT_KINDS } from './kinds.js';
import { verifySchema } from '../verify/schema.js';

export { duration, parseDuration } from './duration.js';

export { ENVIRONMENT_KINDS, type EnvironmentKind } from './kinds.js';

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*$/, 'expected a plain SQL identifier');

export const sessionSchema = z.strictObject({
  applicationName: z.string().min(1).optional(),
  lockTimeout: duration.optional(),
  statementTimeout: duration.optional(),
  idleInTransactionSessionTimeout: duration.optional(),
  connectTimeout: duration.optional(),
  maxConnections: z.number().int().min(1).max(64).optional(),
});

export const environmentSchema = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'expected a name of letters, digits, _ . -'),
  url: z.string().min(1).optional(),
  /** What the database is; defaults from the name (production, staging, test, dev...). */
  kind: z.enum(ENVIRONMENT_KINDS).optional(),
  /** Refuse destructive commands without their explicit override. Defaults to true for production. */
  protected: z.boolean().optional(),
  session: sessionSchema.optional(),
});

export const testDataSchema = z.strictObject({
  tables: z.array(z.string().min(1)).default([]),
  column: identifier.default('is_test_data'),
  createdAt: identifier.default('created_at'),
  retentionHours: z.number().positive().default(24),
  autoCleanup: z.boolean().default(true),
  testMode: z.boolean().default(true),
  /** Teams that test in production opt in here; otherwise cleanup and prodguard/testing refuse a production database. */
  allowOnProduction: z.boolean().default(false),
  /** A column whose value tells active from cancelled test rows (monitor snapshot), e.g. `status`. */
  statusColumn: identifier.optional(),
  activeValues: z.array(z.string()).default(['active']),
  cancelledValues: z.array(z.string()).default(['cancelled', 'canceled']),
  /** Rows per cleanup batch; each batch is its own short transaction. */
  batchSize: z.number().int().min(1).max(100_000).default(5_000),
  /** lock_timeout of each cleanup batch: a batch that would wait longer gives way and is retried. */
  lockTimeout: duration.default(1_000),
  /**
   * DELETE triggers and rules (by name) that cleanup may fire. Any other enabled user trigger or
   * rule on a managed table makes deleting refuse: what it does can reach real data.
   */
  allowDeleteTriggers: z.array(z.string().min(1)).default([]),
  /**
   * The time zone a `timestamp without time zone` created-at column is written in (read as
   * `created_at AT TIME ZONE <this>`, never in the session's TimeZone). timestamptz is exact anyway.
   */
  createdAtTimeZone: z
    .string()
    .regex(/^[A-Za-z0-9_+\-/:]+$/, 'expected a time zone name such as UTC or Europe/Berlin')
    .default('UTC'),
});

export const lintConfigSchema = z.strictObject({
  rules: z.record(z.string(), z.enum(['off', 'warning', 'error'])).default({}),
  templateValues: z.record(z.string(), z.string()).default({}),
  failOn: z.enum(['error', 'warning']).default('error'),
});

export const migrationsSchema = z.union([
  z.string().min(1),
  z.strictObject({
    path: z.string().min(1),
    layout: z
      .enum(['prisma', 'drizzle', 'supabase', 'flyway', 'golang-migrate', 'dbmate', 'node-pg-migrate', 'plain'])
      .optional(),
    transaction: z.enum(['per-file', 'implicit', 'none']).optional(),
  }),
]);

export const preflightSchema = z.strictObject({
  /** A transaction open longer than this is reported. */
  longTransaction: duration.default(60_000),
});

export const EXPECTATIONS = ['may-shrink', 'may-change', 'may-drop'] as const;
export type Expectation = (typeof EXPECTATIONS)[number];

export const integritySchema = z.strictObject({
  /** Entities counted and fingerprinted with their own filter, e.g. rows not soft-deleted. */
  critical: z
    .array(z.strictObject({ name: z.string().min(1), table: z.string().min(1), where: z.string().min(1).optional() }))
    .default([]),
  /** Declared changes: `table` or `schema.table` (or a critical entity's name) → what it may do. */
  expect: z.record(z.string(), z.enum(EXPECTATIONS)).default({}),
  /** Where snapshots and saved compare reports are kept; the dashboard's Integrity view reads it. */
  dir: z.string().min(1).default('.prodguard/snapshots'),
});

export const backupSchema = z.strictObject({
  dir: z.string().min(1).default('.prodguard/backups'),
  maxAge: duration.default(86_400_000),
});

export const deploySchema = z.strictObject({
  /** Environment names in promotion order; default: the order of `environments`. */
  promotion: z.array(z.string().min(1)).optional(),
  /** Fail the lint phase for a migration without a down script in its layout. */
  requireRollback: z.boolean().default(false),
  /** A server URL on which a throwaway database is created to restore-test each deploy's backup. */
  verifyRestoreTo: z.string().min(1).optional(),
  /** The migrate command used when none is given after `--`, as argv (e.g. [npx, prisma, migrate, deploy]). */
  migrate: z.array(z.string().min(1)).min(1).optional(),
});

export const configSchema = z
  .strictObject({
    environments: z.array(environmentSchema).default([]),
    migrations: migrationsSchema.optional(),
    pgVersion: z.number().int().min(9).max(30).optional(),
    session: sessionSchema.default({}),
    testData: testDataSchema.optional(),
    lint: lintConfigSchema.default({ rules: {}, templateValues: {}, failOn: 'error' }),
    preflight: preflightSchema.default({ longTransaction: 60_000 }),
    integrity: integritySchema.default({ critical: [], expect: {}, dir: '.prodguard/snapshots' }),
    backup: backupSchema.default({ dir: '.prodguard/backups', maxAge: 86_400_000 }),
    deploy: deploySchema.optional(),
    verify: verifySchema.optional(),
  })
  .superRefine((config, ctx) => {
    const seen = new Map<string, number>();
    config.environments.forEach((env, index) => {
      const first = seen.get(env.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['environments', index, 'name'],
          message: `duplicate environment name (also environments.${first}.name)`,
        });
      } else {
        seen.set(env.name, index);
      }
    });
    config.deploy?.promotion?.forEach((name, index) => {
      if (!seen.has(name)) {
        ctx.addIssue({ code: 'custom', path: ['deploy', 'promotion', index], message: `"${name}" is not an environment in environments` });
      }
    });
  });

/** What a config file may contain (defaults not yet applied). */
export type ProdguardConfigInput = z.input<typeof configSchema>;
/** A validated config with defaults applied. */
export type ProdguardConfig = z.output<typeof configSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type TestDataConfig = z.output<typeof testDataSchema>;
export type SessionConfig = z.output<typeof sessionSchema>;
export type IntegrityConfig = z.output<typeof integritySchema>;
export type BackupConfig = z.output<typeof backupSchema>;
export type DeployConfig = z.output<typeof deploySchema>;

/**
 * Typed config for `prodguard.config.ts`, as vitest's and vite's defineConfig.
 *
 * @example
 * import { defineConfig } from 'prodguard';
 * export default defineConfig({
 *   environments: [{ name: 'staging', url: '${STAGING_DATABASE_URL}' }],
 *   migrations: 'prisma/migrations',
 * });
 */
export function defineConfig(config: ProdguardConfigInput): ProdguardConfigInput {
  return config;
}
