/**
 * The environment ledger: `prodguard.runs` (every recorded deploy with its phases) and
 * `prodguard.applied_migrations` (which plain-SQL files, by path and content hash, successful
 * deploys applied). Both live in the environment's own database, beside its identity, so the
 * record travels with the database and the gate reads the previous environment's own account.
 */
import type { EnvironmentKind } from '../config/schema.js';
import type { Db, Queryable } from '../db/types.js';
import type { DeployReport, DeployRun, MigrationRecord, PhaseName, PhaseResult } from './types.js';

const CREATE_LEDGER_SQL = `
CREATE SCHEMA IF NOT EXISTS prodguard;
CREATE TABLE IF NOT EXISTS prodguard.runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  environment text NOT NULL,
  environment_kind text,
  migration_set text NOT NULL,
  git_commit text,
  actor text NOT NULL,
  outcome text NOT NULL CHECK (outcome IN ('passed', 'failed')),
  failed_phase text,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  phases jsonb NOT NULL,
  skips jsonb NOT NULL DEFAULT '[]',
  backup_path text,
  migrations jsonb NOT NULL DEFAULT '[]',
  report jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_environment_set ON prodguard.runs (environment, migration_set, outcome);
CREATE TABLE IF NOT EXISTS prodguard.applied_migrations (
  path text PRIMARY KEY,
  sha256 text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now(),
  run_id bigint NOT NULL REFERENCES prodguard.runs (id)
);
-- Added after the first release: a run whose migrate ran but which failed blocks the environment
-- until a restore or an acknowledgement resolves it; its applied files are flagged.
ALTER TABLE prodguard.runs ADD COLUMN IF NOT EXISTS needs_resolution boolean NOT NULL DEFAULT false;
ALTER TABLE prodguard.runs ADD COLUMN IF NOT EXISTS resolved_at timestamptz;
ALTER TABLE prodguard.runs ADD COLUMN IF NOT EXISTS resolution text;
ALTER TABLE prodguard.applied_migrations ADD COLUMN IF NOT EXISTS failed_run boolean NOT NULL DEFAULT false;
COMMENT ON TABLE prodguard.runs IS 'Written by prodguard deploy: one row per guarded deploy, read by the promotion gate and prodguard history.';
`;

async function ledgerExists(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>(`SELECT to_regclass('prodguard.runs') IS NOT NULL AS present`);
  return rows[0]?.present ?? false;
}

/** True when the run's migrate command ran (exited or was killed): the database may hold its changes. */
export function migrateRan(report: DeployReport): boolean {
  return report.migrate !== null && (report.migrate.exitCode !== null || report.migrate.signal !== null);
}

/** A failed run whose migrate ran and that --auto-rollback did not restore: it blocks the environment. */
export function runNeedsResolution(report: DeployReport): boolean {
  return report.outcome === 'failed' && migrateRan(report) && report.rollback?.autoRollback.restored !== true;
}

/**
 * Records a finished run (never a dry run) in one transaction. Its files are marked applied in
 * `prodguard.applied_migrations` whenever the migrate command exited 0, flagged `failed_run` when
 * a later phase failed, so a re-run never applies them again and snapshots after the loss. A
 * failed run whose migrate ran (and that --auto-rollback did not restore) `needs_resolution`: the
 * environment takes no further deploy until a restore or `deploy --resolve` resolves it.
 * Creates the tables on first use. Returns the new run id.
 */
export async function recordRun(db: Db, report: DeployReport): Promise<number> {
  const restored = report.rollback?.autoRollback.restored === true;
  const needsResolution = runNeedsResolution(report);
  return db.transaction(async (tx) => {
    await tx.exec(CREATE_LEDGER_SQL);
    const { rows } = await tx.query<{ id: string }>(
      `INSERT INTO prodguard.runs (environment, environment_kind, migration_set, git_commit, actor, outcome, failed_phase,
                                   started_at, finished_at, phases, skips, backup_path, migrations, report, needs_resolution)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11::jsonb, $12, $13::jsonb, $14::jsonb, $15)
       RETURNING id`,
      [
        report.environment,
        report.environmentKind,
        report.migrationSet.hash,
        report.gitCommit,
        report.actor,
        report.outcome === 'passed' ? 'passed' : 'failed',
        report.failedPhase,
        report.startedAt,
        report.finishedAt,
        JSON.stringify(report.phases),
        JSON.stringify(report.skips),
        report.backup?.path ?? null,
        JSON.stringify(report.migrationSet.files),
        JSON.stringify({ ...report, runId: null }),
        needsResolution,
      ],
    );
    const id = Number(rows[0]?.id);
    const passed = report.outcome === 'passed';
    if (passed || (report.migrate?.exitCode === 0 && !restored)) {
      for (const file of report.migrationSet.files) {
        await tx.query(
          `INSERT INTO prodguard.applied_migrations (path, sha256, run_id, failed_run) VALUES ($1, $2, $3, $4)
           ON CONFLICT (path) DO UPDATE SET sha256 = EXCLUDED.sha256, applied_at = now(), run_id = EXCLUDED.run_id, failed_run = EXCLUDED.failed_run`,
          [file.path, file.sha256, id, !passed],
        );
      }
    }
    return id;
  });
}

/** A failed run whose migrate ran and that nobody resolved yet. */
export interface UnresolvedRun {
  id: number;
  environment: string;
  failedPhase: string | null;
  finishedAt: string;
  backupPath: string | null;
}

/** The failed runs that block further deploys to this database, oldest first. Read-only. */
export async function readUnresolvedRuns(db: Queryable): Promise<UnresolvedRun[]> {
  if (!(await ledgerExists(db))) return [];
  if (!(await hasResolutionColumns(db))) return [];
  const { rows } = await db.query<{ id: string; environment: string; failed_phase: string | null; finished_at: string; backup_path: string | null }>(
    `SELECT id, environment, failed_phase, ${iso('finished_at')} AS finished_at, backup_path
       FROM prodguard.runs WHERE needs_resolution AND resolved_at IS NULL ORDER BY id`,
  );
  return rows.map((r) => ({ id: Number(r.id), environment: r.environment, failedPhase: r.failed_phase, finishedAt: r.finished_at, backupPath: r.backup_path }));
}

async function hasResolutionColumns(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'prodguard' AND table_name = 'runs' AND column_name = 'needs_resolution') AS present`,
  );
  return rows[0]?.present ?? false;
}

/**
 * Resolves every unresolved failed run of the database: after a restore (`restored`), the files
 * those runs applied are no longer applied and their `applied_migrations` rows go; after an
 * acknowledgement they stay applied (the team keeps the database as the migrate left it).
 * Returns the resolved run ids; none when the ledger does not exist.
 */
export async function resolveFailedRuns(db: Db, resolution: { restored: boolean; text: string }): Promise<number[]> {
  if (!(await ledgerExists(db)) || !(await hasResolutionColumns(db))) return [];
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: string }>(
      `UPDATE prodguard.runs SET resolved_at = now(), resolution = $1 WHERE needs_resolution AND resolved_at IS NULL RETURNING id`,
      [resolution.text],
    );
    const ids = rows.map((r) => Number(r.id));
    if (resolution.restored && ids.length > 0) {
      await tx.query(`DELETE FROM prodguard.applied_migrations WHERE failed_run AND run_id = ANY($1::bigint[])`, [ids]);
    }
    return ids;
  });
}

export interface RecordedMigration {
  path: string;
  sha256: string;
  appliedAt: string;
  runId: number;
}

/** Files prodguard recorded as applied, by path. Read-only; empty when the ledger does not exist. */
export async function readRecordedMigrations(db: Queryable): Promise<Map<string, RecordedMigration>> {
  if (!(await ledgerExists(db))) return new Map();
  const { rows } = await db.query<{ path: string; sha256: string; applied_at: string; run_id: string }>(
    `SELECT path, sha256, ${iso('applied_at')} AS applied_at, run_id FROM prodguard.applied_migrations ORDER BY path`,
  );
  return new Map(rows.map((r) => [r.path, { path: r.path, sha256: r.sha256, appliedAt: r.applied_at, runId: Number(r.run_id) }]));
}

function iso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

export interface ReadRunsOptions {
  environment?: string | undefined;
  /** Only runs of this migration set. */
  migrationSet?: string | undefined;
  outcome?: 'passed' | 'failed' | undefined;
  /** Newest first; default 100. */
  limit?: number | undefined;
}

interface RunRow {
  id: string;
  environment: string;
  environment_kind: string | null;
  migration_set: string;
  git_commit: string | null;
  actor: string;
  outcome: 'passed' | 'failed';
  failed_phase: string | null;
  started_at: string;
  finished_at: string;
  duration_ms: string;
  phases: PhaseResult[] | string;
  skips: { phase: PhaseName; reason: string }[] | string;
  backup_path: string | null;
  migrations: MigrationRecord[] | string;
  blocking: boolean;
  resolution: string | null;
}

function json<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

/**
 * The recorded runs of a database, newest first. Read-only: never creates the ledger (a database
 * nobody deployed to has no runs). This is the reader behind `prodguard history` and the
 * dashboard's `GET /api/deploys`.
 *
 * @example
 * const runs = await readRuns(db, { environment: 'staging', limit: 20 });
 */
export async function readRuns(db: Queryable, options: ReadRunsOptions = {}): Promise<DeployRun[]> {
  if (!(await ledgerExists(db))) return [];
  // A ledger written before resolutions existed has no such columns (read-only: not added here).
  const resolution = (await hasResolutionColumns(db))
    ? '(needs_resolution AND resolved_at IS NULL) AS blocking, resolution'
    : 'false AS blocking, NULL::text AS resolution';
  const { rows } = await db.query<RunRow>(
    `SELECT id, environment, environment_kind, migration_set, git_commit, actor, outcome, failed_phase,
            ${iso('started_at')} AS started_at, ${iso('finished_at')} AS finished_at,
            round(extract(epoch FROM finished_at - started_at) * 1000) AS duration_ms,
            phases, skips, backup_path, migrations, ${resolution}
       FROM prodguard.runs
      WHERE ($1::text IS NULL OR environment = $1)
        AND ($2::text IS NULL OR migration_set = $2)
        AND ($3::text IS NULL OR outcome = $3)
      ORDER BY id DESC
      LIMIT $4`,
    [options.environment ?? null, options.migrationSet ?? null, options.outcome ?? null, options.limit ?? 100],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    environment: r.environment,
    environmentKind: (r.environment_kind as EnvironmentKind | null) ?? null,
    migrationSet: r.migration_set,
    gitCommit: r.git_commit,
    actor: r.actor,
    outcome: r.outcome,
    failedPhase: (r.failed_phase as PhaseName | null) ?? null,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    durationMs: Number(r.duration_ms),
    phases: json(r.phases),
    skips: json(r.skips),
    backupPath: r.backup_path,
    migrations: json(r.migrations),
    blocking: r.blocking,
    resolution: r.resolution,
  }));
}

/** The full JSON report stored with a run, or undefined when there is no such run. */
export async function readRunReport(db: Queryable, id: number): Promise<DeployReport | undefined> {
  if (!(await ledgerExists(db))) return undefined;
  const { rows } = await db.query<{ report: DeployReport | string }>(`SELECT report FROM prodguard.runs WHERE id = $1`, [id]);
  const row = rows[0];
  if (!row) return undefined;
  return { ...json(row.report), runId: id };
}
