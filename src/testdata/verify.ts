/** `testdata verify` (is cleanup needed, is the marker set up right) and `testdata audit` (damage). */
import { quoteIdent } from '../db/introspect.js';
import type { Db } from '../db/types.js';
import type { CheckResult } from '../report/checks.js';
import { ONE_SNAPSHOT, type TestDataSettings } from './settings.js';
import { isoSql } from './summary.js';
import { createdAtSql, resolveTables, tableProblem } from './tables.js';

export interface VerifyResult {
  total: number;
  stale: number;
  /** Test rows whose created-at is NULL: never stale, never cleaned up (a WARN). */
  unknownAge: number;
  /** Rows whose marker is NULL (the column lacks NOT NULL DEFAULT false). */
  markerNull: number;
  tablesWithoutColumn: string[];
  tablesWithoutIndex: string[];
  /** True when stale test rows exist. */
  cleanupRecommended: boolean;
  checks: CheckResult[];
}

/**
 * Totals, stale rows, rows missing the marker's NOT NULL default, and tables without the marker
 * column or its index, as a PASS/WARN/FAIL checklist. Read-only.
 */
export async function verifyTestData(db: Db, settings: TestDataSettings): Promise<VerifyResult> {
  return db.transaction(
    async (tx) => {
      const { tables, missing } = await resolveTables(tx, settings);
      const checks: CheckResult[] = missing.map((name) => ({
        id: `testdata:${name}`,
        title: name,
        status: 'fail',
        message: 'table does not exist',
        hint: 'fix testData.tables in config',
      }));
      const result: VerifyResult = { total: 0, stale: 0, unknownAge: 0, markerNull: 0, tablesWithoutColumn: [], tablesWithoutIndex: [], cleanupRecommended: false, checks };
      const marker = quoteIdent(settings.column);
      for (const table of tables) {
        const base = { id: `testdata:${table.qualified}`, title: table.qualified };
        const problem = tableProblem(table, settings);
        if (!table.marker.present) result.tablesWithoutColumn.push(table.qualified);
        if (problem) {
          checks.push({ ...base, status: 'fail', message: problem, hint: 'prodguard testdata install prints the migration' });
          continue;
        }
        const { rows } = await tx.query<{ total: string; stale: string; unknown: string; nulls: string }>(
          `SELECT (SELECT count(*) FROM ${table.from} x WHERE x.${marker})::text AS total,
                  (SELECT count(*) FROM ${table.from} x WHERE x.${marker} AND x.${quoteIdent(settings.createdAt)} IS NULL)::text AS unknown,
                  (SELECT count(*) FROM ${table.from} x WHERE x.${marker} AND ${createdAtSql(table, 'x', settings)} < now() - $1::float8 * interval '1 hour')::text AS stale,
                  ${table.marker.notNull ? `'0'` : `(SELECT count(*) FROM ${table.from} x WHERE x.${marker} IS NULL)::text`} AS nulls`,
          [settings.retentionHours],
        );
        const total = Number(rows[0]?.total ?? 0);
        const stale = Number(rows[0]?.stale ?? 0);
        const nulls = Number(rows[0]?.nulls ?? 0);
        const unknown = Number(rows[0]?.unknown ?? 0);
        result.total += total;
        result.unknownAge += unknown;
        result.stale += stale;
        result.markerNull += nulls;
        if (!table.marker.index) result.tablesWithoutIndex.push(table.qualified);
        const data = { total, stale, unknownAge: unknown, markerNull: nulls, index: table.marker.index ?? null };
        const safeForm = table.marker.notNull && /^false\b/.test(table.marker.defaultExpr ?? '');
        if (stale > 0) {
          checks.push({ ...base, status: 'fail', message: `${total} test rows, ${stale} older than ${settings.retentionHours} h`, hint: 'prodguard testdata cleanup --no-dry-run', data });
        } else if (unknown > 0) {
          checks.push({
            ...base,
            status: 'warn',
            message: `${unknown} test rows with ${settings.createdAt} NULL: their age is unknown, cleanup never deletes them`,
            hint: `set ${settings.createdAt} on them (or delete them by hand); give the column NOT NULL DEFAULT now()`,
            data,
          });
        } else if (!safeForm || nulls > 0) {
          checks.push({
            ...base,
            status: 'warn',
            message: `${settings.column} is not NOT NULL DEFAULT false${nulls ? ` (${nulls} rows with NULL)` : ''}`,
            hint: 'set the default and NOT NULL so every row says whether it is test data',
            data,
          });
        } else if (!table.marker.index) {
          checks.push({ ...base, status: 'warn', message: `${total} test rows; no index on ${settings.column}: counting and cleanup scan the table`, hint: 'prodguard testdata install prints the index', data });
        } else {
          checks.push({ ...base, status: 'pass', message: `${total} test rows, none stale`, data });
        }
      }
      result.cleanupRecommended = result.stale > 0;
      return result;
    },
    ONE_SNAPSHOT,
  );
}

export interface AuditTable {
  table: string;
  /** Real rows created in the window (by the created-at column). */
  inserted: number;
  /** Real rows whose updated column is in the window; null when the table has no such column. */
  updated: number | null;
  problem: string | null;
}

export interface AuditResult {
  /** ISO 8601 UTC, database clock. */
  since: string;
  updatedColumn: string;
  tables: AuditTable[];
  inserted: number;
  updated: number;
}

/**
 * Real (non-test) rows inserted or changed since `sinceMs` ago, per table: the "assess damage"
 * step when a test may have touched customer data. Read-only.
 */
export async function auditRealChanges(db: Db, settings: TestDataSettings, options: { sinceMs: number; updatedColumn?: string | undefined }): Promise<AuditResult> {
  const updatedColumn = options.updatedColumn ?? 'updated_at';
  return db.transaction(
    async (tx) => {
      const sinceRow = await tx.query<{ since: string }>(`SELECT ${isoSql(`now() - $1::float8 * interval '1 millisecond'`)} AS since`, [options.sinceMs]);
      const since = sinceRow.rows[0]!.since;
      const { tables, missing } = await resolveTables(tx, settings);
      const out: AuditTable[] = missing.map((name) => ({ table: name, inserted: 0, updated: null, problem: `table ${name} does not exist` }));
      for (const table of tables) {
        const problem = tableProblem(table, settings);
        if (problem) {
          out.push({ table: table.qualified, inserted: 0, updated: null, problem });
          continue;
        }
        const real = `x.${quoteIdent(settings.column)} IS NOT TRUE`;
        const hasUpdated = table.columns.includes(updatedColumn);
        const { rows } = await tx.query<{ inserted: string; updated: string | null }>(
          `SELECT count(*) FILTER (WHERE ${createdAtSql(table, 'x', settings)} >= $1::timestamptz)::text AS inserted,
                  ${hasUpdated ? `count(*) FILTER (WHERE x.${quoteIdent(updatedColumn)} >= $1::timestamptz)::text` : 'NULL'} AS updated
             FROM ${table.from} x WHERE ${real}`,
          [since],
        );
        out.push({
          table: table.qualified,
          inserted: Number(rows[0]?.inserted ?? 0),
          updated: rows[0]?.updated == null ? null : Number(rows[0].updated),
          problem: hasUpdated ? null : `no ${updatedColumn} column: only inserts are counted`,
        });
      }
      return {
        since,
        updatedColumn,
        tables: out,
        inserted: out.reduce((a, t) => a + t.inserted, 0),
        updated: out.reduce((a, t) => a + (t.updated ?? 0), 0),
      };
    },
    ONE_SNAPSHOT,
  );
}
