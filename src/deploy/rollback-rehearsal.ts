/**
 * Rehearses rollbacks: each migration's up, then its down, inside one transaction that is always
 * rolled back, comparing the schema before the up with the schema after the down. A down script
 * that does not put the schema back (a column left over, a constraint with another definition,
 * an index missing) is an error: when it is needed in production, it will not undo the deploy.
 */
import type { Db, Queryable } from '../db/types.js';
import { isProdguardError } from '../errors.js';
import type { MigrationFile } from '../migrations/types.js';
import { findRollbackScript } from './rollback-scripts.js';

/** The schema as sets of one-line descriptions, by kind. */
export interface SchemaShape {
  tables: string[];
  columns: string[];
  constraints: string[];
  indexes: string[];
  types: string[];
}

const USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema', 'prodguard')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;

/**
 * Reads the shape of every user schema: tables (and views, sequences), columns with type,
 * nullability and default, constraints by definition, indexes by definition, enum and domain types.
 * Column order is left out on purpose: a down that re-adds a dropped column puts it last.
 */
export async function readSchemaShape(tx: Queryable): Promise<SchemaShape> {
  const list = async (sql: string) => (await tx.query<{ d: string }>(sql)).rows.map((r) => r.d).sort();
  return {
    tables: await list(`SELECT format('%s %I.%I', CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                               WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' ELSE 'relation' END, n.nspname, c.relname) AS d
                          FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                         WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND ${USER_SCHEMAS}`),
    columns: await list(`SELECT format('column %I.%I.%I %s%s%s', n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                                CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END,
                                COALESCE(' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid), '')) AS d
                           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                           LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
                          WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped AND ${USER_SCHEMAS}`),
    constraints: await list(`SELECT format('constraint %I on %I.%I: %s', co.conname, n.nspname, c.relname, pg_get_constraintdef(co.oid)) AS d
                               FROM pg_constraint co JOIN pg_class c ON c.oid = co.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                              WHERE ${USER_SCHEMAS}`),
    indexes: await list(`SELECT format('index %s', pg_get_indexdef(i.indexrelid)) AS d
                           FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                          WHERE ${USER_SCHEMAS}`),
    types: await list(`SELECT format('type %I.%I %s', n.nspname, t.typname,
                              CASE t.typtype WHEN 'e' THEN (SELECT 'enum (' || string_agg(quote_literal(e.enumlabel), ', ' ORDER BY e.enumsortorder) || ')' FROM pg_enum e WHERE e.enumtypid = t.oid)
                                             WHEN 'd' THEN 'domain over ' || format_type(t.typbasetype, t.typtypmod)
                                             ELSE t.typtype::text END) AS d
                         FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                        WHERE t.typtype IN ('e', 'd') AND ${USER_SCHEMAS}`),
  };
}

/** What differs: `missing: …` (before, not after) and `extra: …` (after, not before). */
export function diffSchemaShapes(before: SchemaShape, after: SchemaShape): string[] {
  const out: string[] = [];
  for (const kind of ['tables', 'columns', 'constraints', 'indexes', 'types'] as const) {
    const a = new Set(before[kind]);
    const b = new Set(after[kind]);
    for (const item of before[kind]) if (!b.has(item)) out.push(`missing after rollback: ${item}`);
    for (const item of after[kind]) if (!a.has(item)) out.push(`left over after rollback: ${item}`);
  }
  return out;
}

export type RollbackRehearsalStatus = 'restored' | 'differs' | 'no-down' | 'up-failed' | 'down-failed' | 'not-run';

export interface RollbackRehearsal {
  path: string;
  /** Where the down script is (the file itself for a section), or null. */
  downPath: string | null;
  status: RollbackRehearsalStatus;
  /** Schema differences between before the up and after the down. */
  differences: string[];
  error?: string;
}

export interface RollbackRehearsalReport {
  migrations: RollbackRehearsal[];
  /** True when every rehearsed down restored the schema (and every migration had one). */
  ok: boolean;
}

function message(error: unknown): string {
  return isProdguardError(error) || error instanceof Error ? error.message : String(error);
}

/**
 * For each migration in order (those `rehearse` does not select are only applied): savepoint, read the schema, run the up, run the down, read the
 * schema again and compare; roll back to the savepoint and apply the up again so the next
 * migration finds what it builds on. Everything runs in one transaction that is always rolled
 * back (also when the process dies: the server rolls back a dropped connection).
 */
export interface RehearseOptions {
  /** Down scripts are looked up relative to this directory (where the files' paths start). */
  projectDir: string;
  lockTimeoutMs?: number | undefined;
  /** Only these are rehearsed; the others are applied on the way (a shadow replay). Default: all. */
  rehearse?: ((file: MigrationFile) => boolean) | undefined;
}

export async function rehearseRollbacks(db: Db, files: readonly MigrationFile[], options: RehearseOptions): Promise<RollbackRehearsalReport> {
  const migrations: RollbackRehearsal[] = [];
  await db.rollbackOnly(async (tx) => {
    await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [`${options.lockTimeoutMs ?? 2_000}ms`]);
    let stopped: string | undefined;
    for (const file of files) {
      if (options.rehearse && !options.rehearse(file)) {
        if (stopped) continue;
        try {
          await tx.exec(file.upText);
        } catch (error) {
          stopped = `not run: ${file.path} failed to apply before it (${message(error)})`;
        }
        continue;
      }
      const down = findRollbackScript(file, options.projectDir);
      const base = { path: file.path, downPath: down?.path ?? null, differences: [] as string[] };
      if (stopped) {
        migrations.push({ ...base, status: 'not-run', error: stopped });
        continue;
      }
      await tx.exec('SAVEPOINT prodguard_rollback');
      const before = await readSchemaShape(tx);
      try {
        await tx.exec(file.upText);
      } catch (error) {
        migrations.push({ ...base, status: 'up-failed', error: message(error) });
        stopped = `not run: ${file.path} failed before it`;
        continue;
      }
      if (!down) {
        migrations.push({ ...base, status: 'no-down' });
      } else {
        try {
          await tx.exec(down.sql);
          const differences = diffSchemaShapes(before, await readSchemaShape(tx));
          migrations.push({ ...base, status: differences.length === 0 ? 'restored' : 'differs', differences });
        } catch (error) {
          migrations.push({ ...base, status: 'down-failed', error: message(error) });
        }
      }
      // Back to before this migration, then forward with its up only: the next one builds on it.
      await tx.exec('ROLLBACK TO SAVEPOINT prodguard_rollback');
      await tx.exec(file.upText);
    }
  });
  return { migrations, ok: migrations.every((m) => m.status === 'restored') };
}
