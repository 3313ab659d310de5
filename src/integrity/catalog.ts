/** Which tables a snapshot reads, with their columns and primary keys, from the catalog. */
import type { Queryable } from '../db/types.js';
import type { ColumnInfo } from './types.js';

export interface CatalogTable {
  oid: number;
  schema: string;
  name: string;
  /** `r` plain table (read with ONLY), `p` partitioned (its partitions are read through it). */
  kind: 'r' | 'p';
  columns: ColumnInfo[];
  primaryKey: string[];
  /** Size estimate used to start the biggest tables first. */
  pages: number;
}

export interface TableFilter {
  /** Schemas to read; undefined = every schema but the system ones and `prodguard`. */
  schemas?: string[] | undefined;
  include?: string[];
  exclude?: string[];
}

/** `*` any run of characters, `?` one character; matched against `table` and `schema.table`. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

export function matchesAny(globs: readonly string[], schema: string, name: string): boolean {
  return globs.some((glob) => {
    const re = globToRegExp(glob);
    return re.test(name) || re.test(`${schema}.${name}`);
  });
}

export function selectTables(tables: readonly CatalogTable[], filter: TableFilter): CatalogTable[] {
  const include = filter.include ?? [];
  const exclude = filter.exclude ?? [];
  return tables.filter(
    (t) => (include.length === 0 || matchesAny(include, t.schema, t.name)) && !matchesAny(exclude, t.schema, t.name),
  );
}

/** Reads tables (not partitions: their parent covers them), columns and primary keys. Read-only. */
export async function readCatalog(tx: Queryable, filter: TableFilter): Promise<CatalogTable[]> {
  const schemas = filter.schemas && filter.schemas.length > 0 ? filter.schemas : null;
  const { rows } = await tx.query<{
    oid: number;
    schema: string;
    name: string;
    kind: 'r' | 'p';
    pages: number;
    columns: [string, string][] | null;
    pk: string[] | null;
  }>(
    `SELECT c.oid::int AS oid, n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, c.relpages::int AS pages,
            (SELECT json_agg(json_build_array(a.attname, format_type(a.atttypid, a.atttypmod)) ORDER BY a.attnum)
               FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped) AS columns,
            (SELECT json_agg(a.attname ORDER BY k.ord)
               FROM pg_index i
               CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
              WHERE i.indrelid = c.oid AND i.indisprimary) AS pk
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p')
        AND NOT c.relispartition
        AND CASE WHEN $1::text[] IS NULL
                 THEN n.nspname NOT IN ('pg_catalog', 'information_schema', 'prodguard')
                      AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'
                 ELSE n.nspname = ANY($1::text[]) END
      ORDER BY n.nspname, c.relname`,
    [schemas],
  );
  const tables = rows.map((r) => ({
    oid: r.oid,
    schema: r.schema,
    name: r.name,
    kind: r.kind,
    pages: Number(r.pages),
    columns: (r.columns ?? []).map(([name, type]) => ({ name, type })),
    primaryKey: r.pk ?? [],
  }));
  return selectTables(tables, filter);
}

/** Resolves a table given as SQL text (`"CustomerTask"`, `app.orders`) within the snapshot; undefined if absent. */
export async function resolveTable(tx: Queryable, sqlName: string): Promise<CatalogTable | undefined> {
  const { rows } = await tx.query<{ oid: number | null }>(`SELECT to_regclass($1)::oid::int AS oid`, [sqlName]);
  const oid = rows[0]?.oid;
  if (oid === null || oid === undefined) return undefined;
  const { rows: found } = await tx.query<{ schema: string; name: string; kind: string }>(
    `SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = $1`,
    [oid],
  );
  const t = found[0];
  if (!t) return undefined;
  const all = await readCatalog(tx, { schemas: [t.schema] });
  return all.find((c) => c.oid === oid);
}
