/**
 * Verify runs recorded in the environment's own database (`prodguard.verify_runs`), so the
 * dashboard can show the latest results and their history next to the data they describe.
 */
import type { Queryable } from '../db/types.js';
import type { VerifyReport, VerifyStatus } from './run.js';

export interface VerifyRun {
  id: number;
  environment: string | null;
  startedAt: string;
  finishedAt: string;
  verdict: VerifyStatus;
  report: VerifyReport;
}

const CREATE = `
CREATE SCHEMA IF NOT EXISTS prodguard;
CREATE TABLE IF NOT EXISTS prodguard.verify_runs (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  environment text,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL,
  verdict text NOT NULL CHECK (verdict IN ('pass', 'warn', 'fail')),
  results jsonb NOT NULL
);
CREATE INDEX IF NOT EXISTS verify_runs_started_at ON prodguard.verify_runs (environment, started_at DESC);`;

/** Records one run (creating the table on first use). Returns the run's id. @throws DatabaseError */
export async function recordVerifyRun(db: Queryable, report: VerifyReport): Promise<number> {
  await db.exec(CREATE);
  const { rows } = await db.query<{ id: string | number }>(
    'INSERT INTO prodguard.verify_runs (environment, started_at, finished_at, verdict, results) VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING id',
    [report.environment, report.startedAt, report.finishedAt, report.verdict, JSON.stringify(report)],
  );
  return Number(rows[0]?.id);
}

/**
 * The latest runs, newest first (empty when nothing was ever recorded).
 * @param options.environment only this environment's runs; `limit` default 20.
 */
export async function readVerifyHistory(db: Queryable, options: { environment?: string; limit?: number } = {}): Promise<VerifyRun[]> {
  const exists = await db.query<{ t: string | null }>("SELECT to_regclass('prodguard.verify_runs')::text AS t");
  if (!exists.rows[0]?.t) return [];
  const params: unknown[] = [options.limit ?? 20];
  const where = options.environment === undefined ? '' : 'WHERE environment = $2';
  if (options.environment !== undefined) params.push(options.environment);
  const { rows } = await db.query<{ id: string | number; environment: string | null; started_at: string | Date; finished_at: string | Date; verdict: VerifyStatus; results: unknown }>(
    `SELECT id, environment, started_at, finished_at, verdict, results FROM prodguard.verify_runs ${where} ORDER BY started_at DESC, id DESC LIMIT $1`,
    params,
  );
  return rows.map((row) => ({
    id: Number(row.id),
    environment: row.environment,
    startedAt: new Date(row.started_at).toISOString(),
    finishedAt: new Date(row.finished_at).toISOString(),
    verdict: row.verdict,
    report: (typeof row.results === 'string' ? JSON.parse(row.results) : row.results) as VerifyReport,
  }));
}
