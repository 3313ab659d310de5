/**
 * What the catalog says about the configured test-data tables: their primary key, whether they
 * carry the marker (and in the safe NOT NULL DEFAULT false form), the partial index, and the
 * foreign keys that point at them (pg_constraint), from which cleanup derives its order.
 */
import { quoteIdent } from '../db/introspect.js';
import type { Queryable } from '../db/types.js';
import type { TestDataSettings } from './settings.js';

export interface TableInfo {
  oid: string;
  schema: string;
  name: string;
  /** `schema.name` for reports. */
  qualified: string;
  /** Quoted `"schema"."name"` for SQL. */
  sql: string;
  /**
   * What reads and deletes name in FROM: `ONLY "schema"."name"` for a plain table, so a statement
   * never reaches rows of tables that inherit from it; the table itself when it is partitioned (its
   * partitions hold its rows).
   */
  from: string;
  /** pg_class.relkind: r plain table, p partitioned table. */
  relkind: string;
  columns: string[];
  /** Primary-key columns in key order; empty when the table has none. */
  keyColumns: string[];
  /** SQL type of the first key column (used to cast key arrays). */
  keyType: string | undefined;
  marker: {
    present: boolean;
    type: string | undefined;
    notNull: boolean;
    defaultExpr: string | undefined;
    /** A valid index whose predicate or first column is the marker. */
    index: string | undefined;
  };
  hasCreatedAt: boolean;
  /** format_type of the created-at column (`timestamp with time zone`, `timestamp without time zone`, ...). */
  createdAtType: string | undefined;
}

export interface ForeignKey {
  name: string;
  /** The referencing (child) table. */
  child: TableInfo;
  childColumns: string[];
  /** The configured table whose rows the constraint guards. */
  parentOid: string;
  /** The table the constraint references: `parentOid` or a partition / inheritance child of it. */
  targetOid: string;
  parentColumns: string[];
  /** pg_constraint.confdeltype: a no action, r restrict, c cascade, n set null, d set default. */
  onDelete: 'a' | 'r' | 'c' | 'n' | 'd';
}

export interface ResolvedTables {
  tables: TableInfo[];
  /** Configured names that are not tables in this database. */
  missing: string[];
}

interface DescribeRow {
  oid: string;
  relkind: string;
  schema: string;
  name: string;
  columns: string[] | null;
  key_columns: string[] | null;
  key_type: string | null;
  marker_type: string | null;
  marker_not_null: boolean | null;
  marker_default: string | null;
  marker_index: string | null;
  created_at_type: string | null;
}

/** Describes tables by oid; the marker is looked up by name. Read-only. */
export async function describeTables(db: Queryable, oids: readonly string[], marker: string, createdAt: string): Promise<TableInfo[]> {
  if (oids.length === 0) return [];
  const { rows } = await db.query<DescribeRow>(
    `SELECT c.oid::int8::text AS oid, c.relkind::text AS relkind, n.nspname::text AS schema, c.relname::text AS name,
            (SELECT array_agg(a.attname::text ORDER BY a.attnum) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            (SELECT array_agg(a.attname::text ORDER BY k.ord)
               FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
              WHERE i.indrelid = c.oid AND i.indisprimary) AS key_columns,
            (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_index i
               JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
              WHERE i.indrelid = c.oid AND i.indisprimary) AS key_type,
            m.type AS marker_type, m.attnotnull AS marker_not_null, m.default_expr AS marker_default,
            (SELECT ic.relname::text FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
              WHERE i.indrelid = c.oid AND i.indisvalid AND m.attnum IS NOT NULL
                AND (i.indkey[0] = m.attnum
                     OR (i.indpred IS NOT NULL AND pg_get_expr(i.indpred, i.indrelid) ~ ('(^|[^A-Za-z0-9_])"?' || $2 || '"?($|[^A-Za-z0-9_])')))
              ORDER BY (i.indpred IS NOT NULL) DESC LIMIT 1) AS marker_index,
            (SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attname = $3 AND NOT a.attisdropped) AS created_at_type
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN LATERAL (
         SELECT a.attnum, a.attnotnull, format_type(a.atttypid, a.atttypmod) AS type, pg_get_expr(d.adbin, d.adrelid) AS default_expr
           FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
          WHERE a.attrelid = c.oid AND a.attname = $2 AND NOT a.attisdropped) m ON true
      WHERE c.oid = ANY ($1::oid[])`,
    [oids, marker, createdAt],
  );
  const byOid = new Map(rows.map((row) => [row.oid, row]));
  return oids.flatMap((oid) => {
    const row = byOid.get(oid);
    if (!row) return [];
    const columns = row.columns ?? [];
    const sql = `${quoteIdent(row.schema)}.${quoteIdent(row.name)}`;
    return [
      {
        oid: row.oid,
        schema: row.schema,
        name: row.name,
        qualified: `${row.schema}.${row.name}`,
        sql,
        from: row.relkind === 'p' ? sql : `ONLY ${sql}`,
        relkind: row.relkind,
        columns,
        keyColumns: row.key_columns ?? [],
        keyType: row.key_type ?? undefined,
        marker: {
          present: row.marker_type !== null,
          type: row.marker_type ?? undefined,
          notNull: row.marker_not_null ?? false,
          defaultExpr: row.marker_default ?? undefined,
          index: row.marker_index ?? undefined,
        },
        hasCreatedAt: columns.includes(createdAt),
        createdAtType: row.created_at_type ?? undefined,
      },
    ];
  });
}

/**
 * Resolves the configured table names (search path, `schema.table`, quoted names) to tables.
 * Read-only.
 */
export async function resolveTables(db: Queryable, settings: TestDataSettings, only?: readonly string[]): Promise<ResolvedTables> {
  const names = only && only.length > 0 ? only : settings.tables;
  const missing: string[] = [];
  const oids: string[] = [];
  for (const name of names) {
    const { rows } = await db.query<{ oid: string | null }>(
      `SELECT c.oid::int8::text AS oid FROM pg_class c
        WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p')`,
      [name],
    );
    const oid = rows[0]?.oid;
    if (oid && !oids.includes(oid)) oids.push(oid);
    else if (!oid) missing.push(name);
  }
  return { tables: await describeTables(db, oids, settings.column, settings.createdAt), missing };
}

interface ForeignKeyRow {
  name: string;
  child_oid: string;
  parent_oid: string;
  target_oid: string;
  child_columns: string[];
  parent_columns: string[];
  on_delete: ForeignKey['onDelete'];
}

/**
 * The tables and every table below them (partitions, sub-partitions, inheritance children), as
 * `root` (one of `oids`) and `oid`. A statement on a partitioned table reaches all of them.
 */
const DESCENDANTS_CTE = `WITH RECURSIVE tree(root, oid) AS (
    SELECT t, t FROM unnest($1::oid[]) AS t
    UNION ALL SELECT tree.root, i.inhrelid FROM pg_inherits i JOIN tree ON i.inhparent = tree.oid)`;

/**
 * Every foreign key that references one of `parents` or a table below one (a partition, an
 * inheritance child: an FK can point at a single partition, and deleting through the parent
 * would cascade through it), with its referencing table described. `parentOid` is then the
 * configured table, `targetOid` the table the constraint names. Constraints cloned onto
 * partitions (conparentid <> 0) are left out: their parent constraint stands for them.
 */
export async function foreignKeysInto(db: Queryable, parents: readonly TableInfo[], settings: TestDataSettings): Promise<ForeignKey[]> {
  if (parents.length === 0) return [];
  const { rows } = await db.query<ForeignKeyRow>(
    `${DESCENDANTS_CTE}
     SELECT con.conname::text AS name, con.conrelid::int8::text AS child_oid, tree.root::int8::text AS parent_oid,
            con.confrelid::int8::text AS target_oid,
            (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS child_columns,
            (SELECT array_agg(a.attname::text ORDER BY k.ord) FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS parent_columns,
            con.confdeltype::text AS on_delete
       FROM pg_constraint con JOIN tree ON con.confrelid = tree.oid
      WHERE con.contype = 'f' AND con.conparentid = 0
      ORDER BY con.conname, con.conrelid`,
    [parents.map((t) => t.oid)],
  );
  const known = new Map(parents.map((t) => [t.oid, t]));
  const unknown = [...new Set(rows.map((r) => r.child_oid).filter((oid) => !known.has(oid)))];
  for (const t of await describeTables(db, unknown, settings.column, settings.createdAt)) known.set(t.oid, t);
  return rows.flatMap((row) => {
    const child = known.get(row.child_oid);
    return child
      ? [
          {
            name: row.name,
            child,
            childColumns: row.child_columns,
            parentOid: row.parent_oid,
            targetOid: row.target_oid,
            parentColumns: row.parent_columns,
            onDelete: row.on_delete,
          },
        ]
      : [];
  });
}

export interface DeleteTrigger {
  /** The configured table whose deletes fire it. */
  table: string;
  /** The table it is defined on (the configured table or a partition / child of it). */
  on: string;
  name: string;
  kind: 'trigger' | 'rule';
}

/**
 * User triggers that fire on DELETE (enabled, not internal: foreign-key triggers are internal)
 * and DELETE rules on the tables or anything below them. Deleting test rows would run them, and
 * what they do (write a ledger, delete elsewhere) can reach real data; cleanup reports them and
 * deletes only when each is named in `testData.allowDeleteTriggers`.
 */
export async function deleteTriggers(db: Queryable, tables: readonly TableInfo[]): Promise<DeleteTrigger[]> {
  if (tables.length === 0) return [];
  const { rows } = await db.query<{ root: string; on: string; name: string; kind: 'trigger' | 'rule' }>(
    `${DESCENDANTS_CTE}
     SELECT tree.root::int8::text AS root, tree.oid::regclass::text AS on, t.tgname::text AS name, 'trigger' AS kind
       FROM pg_trigger t JOIN tree ON t.tgrelid = tree.oid
      WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND t.tgenabled <> 'D' AND (t.tgtype::int & 8) <> 0
     UNION ALL
     SELECT tree.root::int8::text, tree.oid::regclass::text, r.rulename::text, 'rule'
       FROM pg_rewrite r JOIN tree ON r.ev_class = tree.oid
      WHERE r.ev_type = '4' AND r.ev_enabled <> 'D'
      ORDER BY 1, 3`,
    [tables.map((t) => t.oid)],
  );
  const byOid = new Map(tables.map((t) => [t.oid, t.qualified]));
  return rows.map((r) => ({ table: byOid.get(r.root) ?? r.on, on: r.on, name: r.name, kind: r.kind }));
}

/**
 * Orders tables children before parents (a referencing table before the table it references).
 * Self-references are ignored for the order; tables in a cycle keep their configured order.
 */
export function childrenFirst(tables: readonly TableInfo[], keys: readonly ForeignKey[]): TableInfo[] {
  const inSet = new Set(tables.map((t) => t.oid));
  const ordered: TableInfo[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (table: TableInfo) => {
    if (state.has(table.oid)) return;
    state.set(table.oid, 'visiting');
    // Children of `table` must come first.
    for (const fk of keys) {
      if (fk.parentOid === table.oid && fk.child.oid !== table.oid && inSet.has(fk.child.oid)) {
        const child = tables.find((t) => t.oid === fk.child.oid);
        if (child) visit(child);
      }
    }
    state.set(table.oid, 'done');
    ordered.push(table);
  };
  for (const table of tables) visit(table);
  return ordered;
}

/** `c.a = p.x AND c.b = p.y` for a foreign key, with the given aliases. */
export function joinCondition(fk: ForeignKey, childAlias: string, parentAlias: string): string {
  return fk.childColumns
    .map((column, i) => `${childAlias}.${quoteIdent(column)} = ${parentAlias}.${quoteIdent(fk.parentColumns[i] ?? '')}`)
    .join(' AND ');
}

/**
 * The created-at column of `table` (aliased `alias`) as a timestamptz. A `timestamp without time
 * zone` is read in `createdAtTimeZone` (default UTC: `DEFAULT (now() AT TIME ZONE 'UTC')`), never
 * in the session's TimeZone, which would shift every age by the zone's offset.
 */
export function createdAtSql(table: TableInfo, alias: string, settings: Pick<TestDataSettings, 'createdAt' | 'createdAtTimeZone'>): string {
  const column = `${alias}.${quoteIdent(settings.createdAt)}`;
  if (table.createdAtType?.startsWith('timestamp without time zone')) {
    return `(${column} AT TIME ZONE '${settings.createdAtTimeZone.replaceAll("'", "''")}')`;
  }
  return table.createdAtType?.startsWith('timestamp with time zone') ? column : `${column}::timestamptz`;
}

/** Why a table cannot take part in counting or cleanup, or undefined when it can. */
export function tableProblem(table: TableInfo, settings: TestDataSettings): string | undefined {
  if (!table.marker.present) return `${table.qualified} has no ${settings.column} column (run: prodguard testdata install)`;
  if (table.marker.type !== 'boolean') return `${table.qualified}.${settings.column} is ${table.marker.type}, not boolean`;
  if (!table.hasCreatedAt) return `${table.qualified} has no ${settings.createdAt} column (config testData.createdAt)`;
  return undefined;
}
