/**
 * The audit trail of cleanups: one row per run in `prodguard.cleanup_log`, written when the run
 * starts and updated when it ends, so a run killed half-way still leaves its `running` row.
 */
import type { Queryable } from '../db/types.js';

const CREATE_LOG_SQL = `
CREATE SCHEMA IF NOT EXISTS prodguard;
CREATE TABLE IF NOT EXISTS prodguard.cleanup_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_id text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  who text NOT NULL,
  db_user text NOT NULL DEFAULT current_user,
  dry_run boolean NOT NULL,
  status text NOT NULL CHECK (status IN ('dry-run', 'running', 'completed', 'failed')),
  older_than_hours double precision NOT NULL,
  tables text[] NOT NULL,
  counted jsonb NOT NULL,
  deleted jsonb NOT NULL DEFAULT '{}',
  blocked jsonb NOT NULL DEFAULT '{}',
  deleted_total bigint NOT NULL DEFAULT 0,
  error text
);
COMMENT ON TABLE prodguard.cleanup_log IS 'Written by prodguard testdata cleanup: one row per run.';
`;

export interface CleanupLogStart {
  runId: string;
  who: string;
  dryRun: boolean;
  olderThanHours: number;
  tables: string[];
  /** Candidate (stale test) rows per table when the run started. */
  counted: Record<string, number>;
  blocked: Record<string, number>;
}

export interface CleanupLogEnd {
  status: 'completed' | 'failed' | 'dry-run';
  deleted: Record<string, number>;
  error?: string | undefined;
}

/**
 * Whether this role can write the log as it is: the table exists and the role may INSERT into
 * it (and UPDATE it, for the end of a run). Read-only: a dry run never creates anything.
 */
export async function cleanupLogWritable(db: Queryable): Promise<boolean> {
  const { rows } = await db.query<{ writable: boolean | null }>(
    `SELECT has_schema_privilege('prodguard', 'USAGE')
            AND has_table_privilege(to_regclass('prodguard.cleanup_log'), 'INSERT')
            AND has_table_privilege(to_regclass('prodguard.cleanup_log'), 'UPDATE') AS writable
      WHERE to_regnamespace('prodguard') IS NOT NULL AND to_regclass('prodguard.cleanup_log') IS NOT NULL`,
  );
  return rows[0]?.writable === true;
}

/** Creates `prodguard.cleanup_log` when it is missing (and only then: no DDL on a run that finds it). */
export async function ensureCleanupLog(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ present: boolean }>(`SELECT to_regclass('prodguard.cleanup_log') IS NOT NULL AS present`);
  if (!rows[0]?.present) await db.exec(CREATE_LOG_SQL);
}

/** Writes the run's start row. The table must exist (ensureCleanupLog). */
export async function logCleanupStart(db: Queryable, entry: CleanupLogStart): Promise<void> {
  await db.query(
    `INSERT INTO prodguard.cleanup_log (run_id, who, dry_run, status, older_than_hours, tables, counted, blocked)
     VALUES ($1, $2, $3, $4, $5, $6::text[], $7::jsonb, $8::jsonb)`,
    [
      entry.runId,
      entry.who,
      entry.dryRun,
      entry.dryRun ? 'dry-run' : 'running',
      entry.olderThanHours,
      entry.tables,
      JSON.stringify(entry.counted),
      JSON.stringify(entry.blocked),
    ],
  );
}

export async function logCleanupEnd(db: Queryable, runId: string, end: CleanupLogEnd): Promise<void> {
  const total = Object.values(end.deleted).reduce((a, b) => a + b, 0);
  await db.query(
    `UPDATE prodguard.cleanup_log SET finished_at = now(), status = $2, deleted = $3::jsonb, deleted_total = $4, error = $5
      WHERE run_id = $1`,
    [runId, end.status, JSON.stringify(end.deleted), total, end.error ?? null],
  );
}

export interface CleanupLogEntry {
  runId: string;
  startedAt: string;
  finishedAt: string | null;
  who: string;
  dbUser: string;
  dryRun: boolean;
  status: string;
  tables: string[];
  counted: Record<string, number>;
  deleted: Record<string, number>;
  deletedTotal: number;
  error: string | null;
}

/** The newest log entries first; empty when no cleanup ever ran. Read-only. */
export async function readCleanupLog(db: Queryable, limit = 20): Promise<CleanupLogEntry[]> {
  const exists = await db.query<{ present: boolean }>(`SELECT to_regclass('prodguard.cleanup_log') IS NOT NULL AS present`);
  if (!exists.rows[0]?.present) return [];
  const { rows } = await db.query<{
    run_id: string;
    started_at: string;
    finished_at: string | null;
    who: string;
    db_user: string;
    dry_run: boolean;
    status: string;
    tables: string[];
    counted: string;
    deleted: string;
    deleted_total: string;
    error: string | null;
  }>(
    `SELECT run_id, to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS started_at,
            to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS finished_at,
            who, db_user, dry_run, status, tables, counted::text AS counted, deleted::text AS deleted,
            deleted_total::text AS deleted_total, error
       FROM prodguard.cleanup_log ORDER BY id DESC LIMIT $1`,
    [limit],
  );
  return rows.map((r) => ({
    runId: r.run_id,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    who: r.who,
    dbUser: r.db_user,
    dryRun: r.dry_run,
    status: r.status,
    tables: r.tables,
    counted: JSON.parse(r.counted) as Record<string, number>,
    deleted: JSON.parse(r.deleted) as Record<string, number>,
    deletedTotal: Number(r.deleted_total),
    error: r.error,
  }));
}
