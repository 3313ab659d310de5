/**
 * Read-only figures about test data: counts, listing, and the summary that `testdata summary`,
 * `monitor` and the `serve` dashboard (GET /api/testdata) all use — one implementation.
 */
import { quoteIdent } from '../db/introspect.js';
import type { Db, Queryable } from '../db/types.js';
import { AGE_BUCKETS, ONE_SNAPSHOT, type TestDataSettings } from './settings.js';
import { createdAtSql, resolveTables, type TableInfo, tableProblem } from './tables.js';

/** The row's key as text: the primary key (composite keys as a row literal), else its ctid. */
export function keyText(table: TableInfo, alias: string): string {
  if (table.keyColumns.length === 1) return `${alias}.${quoteIdent(table.keyColumns[0]!)}::text`;
  if (table.keyColumns.length > 1) return `ROW(${table.keyColumns.map((c) => `${alias}.${quoteIdent(c)}`).join(', ')})::text`;
  return `${alias}.ctid::text`;
}

/**
 * An ISO 8601 UTC rendering of a timestamp or timestamptz expression, to the second for display;
 * `exact` keeps the microseconds (a cutoff that is compared again must not be rounded).
 */
export function isoSql(expression: string, exact = false): string {
  return `to_char((${expression})::timestamptz AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS${exact ? '.US' : ''}"Z"')`;
}

/**
 * Age in hours of a created-at expression, measured by the database clock. For the age buckets
 * and for display only: "stale" / "older than" is everywhere `created < now() − hours` (strictly
 * older), the condition cleanup deletes by.
 */
export function ageHoursSql(expression: string): string {
  return `(extract(epoch FROM (now() - (${expression})::timestamptz)) / 3600.0)`;
}

export interface AgeBucket {
  label: string;
  fromHours: number;
  /** null for the open last bucket. */
  toHours: number | null;
  count: number;
}

export interface HourCount {
  /** Start of the hour, ISO 8601 UTC. */
  hour: string;
  count: number;
}

export interface StatusCounts {
  column: string;
  active: number;
  cancelled: number;
  other: number;
}

export interface TableSummary {
  table: string;
  total: number;
  stale: number;
  /** Test rows whose created-at is NULL: in no age bucket, never stale, never cleaned up. */
  unknownAge: number;
  buckets: AgeBucket[];
  oldest: string | null;
  newest: string | null;
  /** Estimated bytes used by this table's test rows (row sizes plus tuple overhead; indexes not counted). */
  storageBytes: number;
  status: StatusCounts | null;
  /** Why this table was not counted (missing column, ...); its figures are then zero. */
  problem: string | null;
}

/**
 * The JSON document of `prodguard monitor export`, `testdata summary --format json` and
 * `GET /api/testdata`. Times are ISO 8601 UTC, by the database clock.
 */
export interface TestDataSummary {
  generatedAt: string;
  column: string;
  createdAt: string;
  retentionHours: number;
  total: number;
  /** Test rows older than the retention. */
  stale: number;
  /** Test rows whose created-at is NULL: counted in `total`, in no bucket, never cleaned up. */
  unknownAge: number;
  buckets: AgeBucket[];
  oldest: string | null;
  newest: string | null;
  /** Test rows created per hour over the last 24 hours, oldest hour first (24 entries). */
  trend: HourCount[];
  storageBytes: number;
  status: StatusCounts | null;
  tables: TableSummary[];
  /** Configured tables that do not exist or lack the marker; figures exclude them. */
  problems: string[];
}

interface SummaryRow {
  total: string;
  stale: string;
  unknown: string;
  b0: string;
  b1: string;
  b2: string;
  b3: string;
  b4: string;
  oldest: string | null;
  newest: string | null;
  bytes: string;
  active: string | null;
  cancelled: string | null;
}

function emptyBuckets(): AgeBucket[] {
  return AGE_BUCKETS.map((b) => ({
    label: b.label,
    fromHours: b.fromHours,
    toHours: Number.isFinite(b.toHours) ? b.toHours : null,
    count: 0,
  }));
}

async function databaseNow(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ now: string }>(`SELECT ${isoSql('now()')} AS now`);
  return rows[0]?.now ?? new Date().toISOString();
}

async function summarizeTable(db: Queryable, table: TableInfo, settings: TestDataSettings): Promise<{ summary: TableSummary; hours: Map<number, number> }> {
  const marker = `x.${quoteIdent(settings.column)}`;
  const created = createdAtSql(table, 'x', settings);
  const statusColumn = settings.statusColumn && table.columns.includes(settings.statusColumn) ? settings.statusColumn : undefined;
  const status = statusColumn ? `x.${quoteIdent(statusColumn)}::text` : 'NULL::text';
  const { rows } = await db.query<SummaryRow>(
    `WITH t AS (
       SELECT ${created} AS ca, ${ageHoursSql(created)} AS age, pg_column_size(x.*) AS bytes, ${status} AS status
         FROM ${table.from} x WHERE ${marker})
     SELECT count(*)::text AS total,
            count(*) FILTER (WHERE ca < now() - $1::float8 * interval '1 hour')::text AS stale,
            count(*) FILTER (WHERE ca IS NULL)::text AS unknown,
            count(*) FILTER (WHERE age < 1)::text AS b0,
            count(*) FILTER (WHERE age >= 1 AND age < 6)::text AS b1,
            count(*) FILTER (WHERE age >= 6 AND age < 24)::text AS b2,
            count(*) FILTER (WHERE age >= 24 AND age < 168)::text AS b3,
            count(*) FILTER (WHERE age >= 168)::text AS b4,
            ${isoSql('min(ca)')} AS oldest, ${isoSql('max(ca)')} AS newest,
            (coalesce(sum(bytes), 0) + 28 * count(*))::text AS bytes,
            count(*) FILTER (WHERE status = ANY ($2::text[]))::text AS active,
            count(*) FILTER (WHERE status = ANY ($3::text[]))::text AS cancelled
       FROM t`,
    [settings.retentionHours, settings.activeValues, settings.cancelledValues],
  );
  const row = rows[0]!;
  const total = Number(row.total);
  const buckets = emptyBuckets();
  [row.b0, row.b1, row.b2, row.b3, row.b4].forEach((n, i) => (buckets[i]!.count = Number(n)));
  const trend = await db.query<{ h: number; n: string }>(
    `SELECT floor(extract(epoch FROM (date_trunc('hour', now()) - date_trunc('hour', ${created}))) / 3600)::int AS h,
            count(*)::text AS n
       FROM ${table.from} x
      WHERE ${marker} AND ${created} >= date_trunc('hour', now()) - interval '23 hours'
      GROUP BY 1`,
  );
  const hours = new Map(trend.rows.map((r) => [Number(r.h), Number(r.n)]));
  const active = Number(row.active ?? 0);
  const cancelled = Number(row.cancelled ?? 0);
  return {
    summary: {
      table: table.qualified,
      total,
      stale: Number(row.stale),
      unknownAge: Number(row.unknown),
      buckets,
      oldest: row.oldest,
      newest: row.newest,
      storageBytes: Number(row.bytes),
      status: statusColumn ? { column: statusColumn, active, cancelled, other: total - active - cancelled } : null,
      problem: null,
    },
    hours,
  };
}

function emptyTable(table: string, problem: string): TableSummary {
  return { table, total: 0, stale: 0, unknownAge: 0, buckets: emptyBuckets(), oldest: null, newest: null, storageBytes: 0, status: null, problem };
}

/**
 * Summarises the test data of the configured tables: counts per table and in total, age buckets
 * (< 1 h, 1–6 h, 6–24 h, 1–7 d, > 7 d), stale rows (older than `retentionHours`), oldest and
 * newest, the hourly creation trend over the last 24 hours, active vs cancelled when
 * `statusColumn` is configured, and an estimate of the storage test rows use.
 *
 * Read-only (one READ ONLY transaction, so all figures come from one snapshot); never throws for
 * a missing table or column — those are listed in `problems`. The result is plain JSON.
 *
 * @example
 * const summary = await testDataSummary(db, testDataSettings(config));
 * res.json(summary); // GET /api/testdata
 */
export async function testDataSummary(db: Db, settings: TestDataSettings): Promise<TestDataSummary> {
  return db.transaction(
    async (tx) => {
      const generatedAt = await databaseNow(tx);
      const { tables, missing } = await resolveTables(tx, settings);
      const problems = missing.map((name) => `table ${name} does not exist`);
      const summaries: TableSummary[] = missing.map((name) => emptyTable(name, `table ${name} does not exist`));
      const hourly = new Array<number>(24).fill(0);
      for (const table of tables) {
        const problem = tableProblem(table, settings);
        if (problem) {
          problems.push(problem);
          summaries.push(emptyTable(table.qualified, problem));
          continue;
        }
        const { summary, hours } = await summarizeTable(tx, table, settings);
        summaries.push(summary);
        for (const [ago, n] of hours) if (ago >= 0 && ago < 24) hourly[23 - ago]! += n;
      }
      const buckets = emptyBuckets();
      for (const s of summaries) s.buckets.forEach((b, i) => (buckets[i]!.count += b.count));
      const withStatus = summaries.filter((s) => s.status);
      const dated = summaries.filter((s) => s.oldest !== null);
      const hourStart = Date.parse(generatedAt) - (Date.parse(generatedAt) % 3_600_000);
      return {
        generatedAt,
        column: settings.column,
        createdAt: settings.createdAt,
        retentionHours: settings.retentionHours,
        total: sum(summaries.map((s) => s.total)),
        stale: sum(summaries.map((s) => s.stale)),
        unknownAge: sum(summaries.map((s) => s.unknownAge)),
        buckets,
        oldest: dated.map((s) => s.oldest!).sort()[0] ?? null,
        newest: dated.map((s) => s.newest!).sort().at(-1) ?? null,
        trend: hourly.map((count, i) => ({ hour: new Date(hourStart - (23 - i) * 3_600_000).toISOString().replace('.000Z', 'Z'), count })),
        storageBytes: sum(summaries.map((s) => s.storageBytes)),
        status: withStatus.length
          ? {
              column: settings.statusColumn ?? '',
              active: sum(withStatus.map((s) => s.status!.active)),
              cancelled: sum(withStatus.map((s) => s.status!.cancelled)),
              other: sum(withStatus.map((s) => s.status!.other)),
            }
          : null,
        tables: summaries,
        problems,
      };
    },
    ONE_SNAPSHOT,
  );
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

export interface TableCount {
  table: string;
  count: number;
  problem: string | null;
}

export interface CountResult {
  total: number;
  tables: TableCount[];
  problems: string[];
}

/** Test rows per table and in total (the marker is set). Read-only. */
export async function countTestRows(db: Db, settings: TestDataSettings): Promise<CountResult> {
  return db.transaction(
    async (tx) => {
      const { tables, missing } = await resolveTables(tx, settings);
      const counts: TableCount[] = missing.map((name) => ({ table: name, count: 0, problem: `table ${name} does not exist` }));
      for (const table of tables) {
        const problem = table.marker.present ? undefined : tableProblem(table, settings);
        if (problem) {
          counts.push({ table: table.qualified, count: 0, problem });
          continue;
        }
        const { rows } = await tx.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table.from} x WHERE x.${quoteIdent(settings.column)}`);
        counts.push({ table: table.qualified, count: Number(rows[0]?.n ?? 0), problem: null });
      }
      return {
        total: sum(counts.map((c) => c.count)),
        tables: counts,
        problems: counts.flatMap((c) => (c.problem ? [c.problem] : [])),
      };
    },
    ONE_SNAPSHOT,
  );
}

export interface ListedRow {
  table: string;
  key: string;
  createdAt: string | null;
  ageHours: number | null;
}

export interface ListOptions {
  olderThanHours?: number | undefined;
  /** At most this many rows in all (oldest first); default 100. */
  limit?: number | undefined;
}

/** Test rows with table, key, created-at and age, oldest first. Read-only. */
export async function listTestRows(db: Db, settings: TestDataSettings, options: ListOptions = {}): Promise<{ rows: ListedRow[]; problems: string[] }> {
  const limit = options.limit ?? 100;
  return db.transaction(
    async (tx) => {
      const { tables, missing } = await resolveTables(tx, settings);
      const problems = missing.map((name) => `table ${name} does not exist`);
      const listed: ListedRow[] = [];
      for (const table of tables) {
        const problem = tableProblem(table, settings);
        if (problem) {
          problems.push(problem);
          continue;
        }
        const created = createdAtSql(table, 'x', settings);
        const { rows } = await tx.query<{ key: string; created_at: string | null; age: string | null }>(
          `SELECT ${keyText(table, 'x')} AS key, ${isoSql(created)} AS created_at, round(${ageHoursSql(created)}::numeric, 2)::text AS age
             FROM ${table.from} x
            WHERE x.${quoteIdent(settings.column)} AND ($1::float8 IS NULL OR ${created} < now() - $1::float8 * interval '1 hour')
            ORDER BY ${created} NULLS FIRST LIMIT $2`,
          [options.olderThanHours ?? null, limit],
        );
        for (const row of rows) {
          listed.push({ table: table.qualified, key: row.key, createdAt: row.created_at, ageHours: row.age === null ? null : Number(row.age) });
        }
      }
      listed.sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? ''));
      return { rows: listed.slice(0, limit), problems };
    },
    ONE_SNAPSHOT,
  );
}
