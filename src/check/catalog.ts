/**
 * Catalog reads for the pre-checks: whether a table exists, its size, primary key and CHECK
 * constraints, enum labels, which database objects still use a literal value. Read-only.
 */
import { parseSync } from 'libpg-query';
import type { Queryable } from '../db/types.js';
import { allowedValues } from '../lint/check-values.js';
import type { TableRef } from './questions.js';
import type { ValueUse } from './types.js';
import { qualifiedSql } from './sql-text.js';

export interface TableInfo {
  oid: number;
  /** `schema.table` as the server names it (regclass text). */
  display: string;
  bytes: number;
  estimatedRows: number;
  primaryKey: string[];
}

export interface LiveCheck {
  name: string;
  definition: string;
  values: Record<string, string[]> | undefined;
}

export async function tableInfo(db: Queryable, table: TableRef): Promise<TableInfo | undefined> {
  const { rows } = await db.query<{ oid: number; display: string; bytes: string; estimated: number; pk: string[] | null }>(
    `SELECT c.oid::int AS oid, c.oid::regclass::text AS display, pg_total_relation_size(c.oid)::text AS bytes,
            c.reltuples::float8 AS estimated,
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM pg_index i
               CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE i.indrelid = c.oid AND i.indisprimary) AS pk
       FROM pg_class c WHERE c.oid = to_regclass($1)`,
    [qualifiedSql(table)],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    oid: row.oid,
    display: row.display,
    bytes: Number(row.bytes),
    estimatedRows: Number(row.estimated),
    primaryKey: row.pk ?? [],
  };
}

/** The CHECK constraints of a table as they are now, with their allowed value lists when plain. */
export async function liveChecks(db: Queryable, table: TableRef): Promise<LiveCheck[]> {
  const { rows } = await db.query<{ name: string; definition: string }>(
    `SELECT conname AS name, pg_get_constraintdef(oid) AS definition
       FROM pg_constraint WHERE conrelid = to_regclass($1) AND contype = 'c' ORDER BY conname`,
    [qualifiedSql(table)],
  );
  return rows.map((row) => ({ ...row, values: valuesOfDefinition(row.definition) }));
}

/** The allowed values of a `pg_get_constraintdef` text such as `CHECK ((kind = ANY (ARRAY['a'::text])))`. */
export function valuesOfDefinition(definition: string): Record<string, string[]> | undefined {
  try {
    const parsed = parseSync(`ALTER TABLE x ADD CONSTRAINT c ${definition}`) as {
      stmts: { stmt: { AlterTableStmt?: { cmds?: { AlterTableCmd?: { def?: { Constraint?: { raw_expr?: Record<string, unknown> } } } }[] } } }[];
    };
    const expr = parsed.stmts[0]?.stmt.AlterTableStmt?.cmds?.[0]?.AlterTableCmd?.def?.Constraint?.raw_expr;
    const values = allowedValues(expr);
    return values ? Object.fromEntries(values) : undefined;
  } catch {
    return undefined;
  }
}

/** The expression inside a `CHECK (...)` definition from pg_get_constraintdef. */
export function checkExpressionOfDefinition(definition: string): string | undefined {
  const match = /^CHECK \((.*)\)(?: NOT VALID)?$/s.exec(definition);
  return match?.[1];
}

/** A constraint of a table by name: its type and definition. */
export interface LiveConstraint {
  type: string;
  definition: string;
  validated: boolean;
  /** Constrained columns, in key order (conkey). */
  columns: string[];
  /** Foreign key: the referenced table and columns (confrelid, confkey), and MATCH FULL. */
  refTable: TableRef | undefined;
  refColumns: string[];
  matchFull: boolean;
}

export async function constraintByName(db: Queryable, table: TableRef, name: string): Promise<LiveConstraint | undefined> {
  const { rows } = await db.query<{
    type: string;
    definition: string;
    validated: boolean;
    columns: string[] | null;
    ref_columns: string[] | null;
    ref_schema: string | null;
    ref_name: string | null;
    match_full: boolean;
  }>(
    `SELECT k.contype::text AS type, pg_get_constraintdef(k.oid) AS definition, k.convalidated AS validated,
            (SELECT array_agg(a.attname::text ORDER BY u.i) FROM unnest(k.conkey) WITH ORDINALITY u(n, i)
               JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n) AS columns,
            (SELECT array_agg(a.attname::text ORDER BY u.i) FROM unnest(k.confkey) WITH ORDINALITY u(n, i)
               JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n) AS ref_columns,
            rn.nspname::text AS ref_schema, rc.relname::text AS ref_name, k.confmatchtype = 'f' AS match_full
       FROM pg_constraint k
       LEFT JOIN pg_class rc ON rc.oid = k.confrelid
       LEFT JOIN pg_namespace rn ON rn.oid = rc.relnamespace
      WHERE k.conrelid = to_regclass($1) AND k.conname = $2`,
    [qualifiedSql(table), name],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    type: row.type,
    definition: row.definition,
    validated: row.validated,
    columns: row.columns ?? [],
    refTable: row.ref_name ? { schema: row.ref_schema ?? undefined, name: row.ref_name } : undefined,
    refColumns: row.ref_columns ?? [],
    matchFull: row.match_full,
  };
}

/** Labels of an enum type, or undefined when `typeSql` is not an enum (or does not exist). */
export async function enumLabels(db: Queryable, typeSql: string): Promise<string[] | undefined> {
  try {
    const { rows } = await db.query<{ labels: string[] | null }>(
      `SELECT (SELECT array_agg(enumlabel::text ORDER BY enumsortorder) FROM pg_enum WHERE enumtypid = t.oid) AS labels
         FROM pg_type t WHERE t.oid = to_regtype($1) AND t.typtype = 'e'`,
      [typeSql],
    );
    return rows[0]?.labels ?? undefined;
  } catch {
    return undefined;
  }
}

/** Whether the leading columns of some index of `table` are exactly `columns` (in any order). */
export async function hasIndexOn(db: Queryable, table: TableRef, columns: string[]): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_index i
        WHERE i.indrelid = to_regclass($1) AND i.indpred IS NULL AND i.indisvalid
          AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
                 FROM unnest((i.indkey::int2[])[0:$3 - 1]) AS k(attnum)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) = (SELECT array_agg(c ORDER BY c) FROM unnest($2::text[]) c)
     ) AS ok`,
    [qualifiedSql(table), columns, columns.length],
  );
  return rows[0]?.ok === true;
}

/** The primary key columns of the referenced table (an FK without a column list references it). */
export async function primaryKeyOf(db: Queryable, table: TableRef): Promise<string[] | undefined> {
  return (await tableInfo(db, table))?.primaryKey;
}

/** Whether `columns` of `table` carry a unique index or constraint (an FK needs one). */
export async function hasUniqueOn(db: Queryable, table: TableRef, columns: string[]): Promise<boolean> {
  const { rows } = await db.query<{ ok: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_index i
        WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL
          AND (SELECT array_agg(a.attname::text ORDER BY a.attname)
                 FROM unnest(i.indkey::int2[]) AS k(attnum)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) = (SELECT array_agg(c ORDER BY c) FROM unnest($2::text[]) c)
     ) AS ok`,
    [qualifiedSql(table), columns],
  );
  return rows[0]?.ok === true;
}

/**
 * Database objects whose source holds `'value'` as a literal: functions (and the triggers that
 * run them), views, column defaults, and constraints other than `exclude` on `table`.
 * Returns one list per value.
 */
export async function valueUses(
  db: Queryable,
  values: string[],
  table: TableRef,
  exclude: string[],
): Promise<Map<string, ValueUse[]>> {
  // Function text from pg_get_functiondef: it also holds BEGIN ATOMIC bodies (empty prosrc).
  // A function that neither names the table nor runs as a trigger on it is a weak use.
  const { rows } = await db.query<{ value: string; kind: ValueUse['kind']; name: string; weak: boolean }>(
    `WITH v(value) AS (SELECT unnest($1::text[])),
     target AS (SELECT to_regclass($2) AS oid, (SELECT relname FROM pg_class WHERE oid = to_regclass($2)) AS relname),
     user_ns AS (SELECT oid FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_toast%'),
     fn AS (
       SELECT p.oid, def, NOT (strpos(lower(def), lower((SELECT relname FROM target))) > 0
              OR EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgfoid = p.oid AND t.tgrelid = (SELECT oid FROM target))) AS weak
         FROM pg_proc p, LATERAL (SELECT CASE WHEN p.prokind <> 'a' THEN pg_get_functiondef(p.oid) ELSE p.prosrc END AS def) d
        WHERE p.pronamespace IN (SELECT oid FROM user_ns))
     SELECT v.value, 'function' AS kind, f.oid::regprocedure::text AS name, f.weak
       FROM v JOIN fn f ON strpos(f.def, quote_literal(v.value)) > 0
     UNION ALL
     SELECT v.value, 'trigger', format('%s on %s (executes %s)', t.tgname, t.tgrelid::regclass, f.oid::regprocedure), f.weak AND t.tgrelid IS DISTINCT FROM (SELECT oid FROM target)
       FROM v JOIN fn f ON strpos(f.def, quote_literal(v.value)) > 0
       JOIN pg_trigger t ON t.tgfoid = f.oid AND NOT t.tgisinternal
     UNION ALL
     SELECT v.value, 'trigger', format('%s on %s (WHEN clause)', t.tgname, t.tgrelid::regclass), t.tgrelid IS DISTINCT FROM (SELECT oid FROM target)
       FROM v JOIN pg_trigger t ON NOT t.tgisinternal AND t.tgqual IS NOT NULL AND strpos(pg_get_triggerdef(t.oid), quote_literal(v.value)) > 0
       JOIN pg_class c ON c.oid = t.tgrelid AND c.relnamespace IN (SELECT oid FROM user_ns)
     UNION ALL
     SELECT v.value, 'view', c.oid::regclass::text, false
       FROM v JOIN pg_class c ON c.relkind IN ('v', 'm') AND c.relnamespace IN (SELECT oid FROM user_ns)
      WHERE strpos(pg_get_viewdef(c.oid), quote_literal(v.value)) > 0
     UNION ALL
     SELECT v.value, 'default', format('%s.%s', d.adrelid::regclass, a.attname), false
       FROM v JOIN pg_attrdef d ON strpos(pg_get_expr(d.adbin, d.adrelid), quote_literal(v.value)) > 0
       JOIN pg_attribute a ON a.attrelid = d.adrelid AND a.attnum = d.adnum
       JOIN pg_class c ON c.oid = d.adrelid AND c.relnamespace IN (SELECT oid FROM user_ns)
     UNION ALL
     SELECT v.value, 'constraint', format('%s on %s', k.conname, k.conrelid::regclass), false
       FROM v JOIN pg_constraint k ON strpos(pg_get_constraintdef(k.oid), quote_literal(v.value)) > 0
      WHERE k.connamespace IN (SELECT oid FROM user_ns)
        AND NOT (k.conrelid = to_regclass($2) AND k.conname = ANY ($3::text[]))
     ORDER BY 1, 2, 3`,
    [values, qualifiedSql(table), exclude],
  );
  const uses = new Map<string, ValueUse[]>(values.map((v) => [v, []]));
  for (const row of rows) uses.get(row.value)?.push(row.weak ? { kind: row.kind, name: row.name, weak: true } : { kind: row.kind, name: row.name });
  return uses;
}

/**
 * The planner's estimate of distinct non-NULL values in a column (pg_stats, readable without
 * superuser), or undefined when the table was never analysed.
 */
export async function distinctEstimate(db: Queryable, table: TableRef, column: string): Promise<number | undefined> {
  const { rows } = await db.query<{ n: number | null; reltuples: number }>(
    `SELECT s.n_distinct::float8 AS n, c.reltuples::float8 AS reltuples
       FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
       LEFT JOIN pg_stats s ON s.schemaname = ns.nspname AND s.tablename = c.relname AND s.attname = $2
      WHERE c.oid = to_regclass($1)`,
    [qualifiedSql(table), column],
  );
  const row = rows[0];
  if (!row || row.n === null || row.reltuples < 0) return undefined;
  return row.n >= 0 ? row.n : -row.n * row.reltuples;
}
