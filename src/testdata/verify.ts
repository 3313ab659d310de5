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
  /**
   * Real rows created before the window and updated in it (an insert in the window is counted
   * once, as inserted); null when the table has no such column.
   */
  updated: number | null;
  /**
   * Test rows created before the window and updated in it: possibly real rows a test flipped to
   * test data (cleanup would then delete them). null without the updated column.
   */
  becameTest: number | null;
  problem: string | null;
}

export interface AuditResult {
  /** ISO 8601 UTC, database clock. */
  since: string;
  updatedColumn: string;
  tables: AuditTable[];
  inserted: number;
  updated: number;
  becameTest: number;
}

/**
 * Real (non-test) rows inserted or changed since `sinceMs` ago, per table (a row inserted in the
 * window counts as inserted only), and marked rows created before the window but updated in it
 * (possibly real rows flipped to test data): the "assess damage"
 * step when a test may have touched customer data. Read-only.
 */
export async function auditRealChanges(db: Db, settings: TestDataSettings, options: { sinceMs: number; updatedColumn?: string | undefined }): Promise<AuditResult> {
  const updatedColumn = options.updatedColumn ?? 'updated_at';
  return db.transaction(
    async (tx) => {
      const sinceRow = await tx.query<{ since: string }>(`SELECT ${isoSql(`now() - $1::float8 * interval '1 millisecond'`, true)} AS since`, [options.sinceMs]);
      const since = sinceRow.rows[0]!.since;
      const { tables, missing } = await resolveTables(tx, settings);
      const out: AuditTable[] = missing.map((name) => ({ table: name, inserted: 0, updated: null, becameTest: null, problem: `table ${name} does not exist` }));
      for (const table of tables) {
        const problem = tableProblem(table, settings);
        if (problem) {
          out.push({ table: table.qualified, inserted: 0, updated: null, becameTest: null, problem });
          continue;
        }
        const real = `x.${quoteIdent(settings.column)} IS NOT TRUE`;
        const created = createdAtSql(table, 'x', settings);
        const hasUpdated = table.columns.includes(updatedColumn);
        const changed = `x.${quoteIdent(updatedColumn)}::timestamptz >= $1::timestamptz AND ${created} < $1::timestamptz`;
        const { rows } = await tx.query<{ inserted: string; updated: string | null; became_test: string | null }>(
          `SELECT count(*) FILTER (WHERE ${real} AND ${created} >= $1::timestamptz)::text AS inserted,
                  ${hasUpdated ? `count(*) FILTER (WHERE ${real} AND ${changed})::text` : 'NULL'} AS updated,
                  ${hasUpdated ? `count(*) FILTER (WHERE NOT (${real}) AND ${changed})::text` : 'NULL'} AS became_test
             FROM ${table.from} x`,
          [since],
        );
        const row = rows[0];
        out.push({
          table: table.qualified,
          inserted: Number(row?.inserted ?? 0),
          updated: row?.updated == null ? null : Number(row.updated),
          becameTest: row?.became_test == null ? null : Number(row.became_test),
          problem: hasUpdated ? null : `no ${updatedColumn} column: only inserts are counted`,
        });
      }
      return {
        since,
        updatedColumn,
        tables: out,
        inserted: out.reduce((a, t) => a + t.inserted, 0),
        updated: out.reduce((a, t) => a + (t.updated ?? 0), 0),
        becameTest: out.reduce((a, t) => a + (t.becameTest ?? 0), 0),
      };
    },
    ONE_SNAPSHOT,
  );
}
