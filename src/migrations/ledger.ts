/**
 * Reads the ledger table a migration tool keeps of what it applied, and tells which migration
 * files are still pending. Read-only: never creates or writes a ledger.
 *
 * | layout          | ledger                                         | a file is applied when            |
 * | --------------- | ---------------------------------------------- | --------------------------------- |
 * | prisma          | `_prisma_migrations`                           | its folder name has finished_at and no rolled_back_at |
 * | drizzle         | `drizzle.__drizzle_migrations`                 | the sha256 of its text is recorded, or its journal `when` ≤ the newest created_at |
 * | supabase        | `supabase_migrations.schema_migrations`        | its timestamp version is recorded |
 * | flyway          | `flyway_schema_history`                        | its version (numerically) has success = true, or is ≤ the BASELINE version; repeatables by script name and the same CRC32 checksum |
 * | golang-migrate  | `schema_migrations` (version, dirty)           | its version ≤ the one recorded version (and not dirty at that version) |
 * | dbmate          | `schema_migrations` (version)                  | its version is recorded |
 * | node-pg-migrate | `pgmigrations`                                 | its file name without extension is recorded |
 * | plain / stdin   | none                                           | never: every file is pending |
 *
 * Prisma, Flyway, golang-migrate, dbmate and node-pg-migrate can keep their table in any schema:
 * the table is looked up through search_path first, then in any schema (the first by name).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import path from 'node:path';
import type { Queryable } from '../db/types.js';
import type { MigrationFile, MigrationLayout } from './types.js';

/** One row of a ledger, normalised across tools. */
export interface AppliedMigration {
  /** The key the tool records: Prisma folder name, Flyway version, golang-migrate version, file name... */
  id: string;
  /** Drizzle, Prisma (`checksum`): the sha256 (hex) of the applied file. */
  hash?: string | undefined;
  /** Drizzle: created_at (ms since epoch) as recorded. */
  createdAt?: number | undefined;
  /** Flyway: the recorded checksum (CRC32 of the script's lines, as a signed 32-bit integer). */
  checksum?: number | undefined;
}

/** What a ledger says. `table` is undefined when the tool's ledger does not exist (nothing applied yet). */
export interface AppliedLedger {
  layout: MigrationLayout;
  /** The ledger table that was read, schema-qualified; undefined when none exists. */
  table: string | undefined;
  applied: AppliedMigration[];
  /** golang-migrate: the single recorded version, and whether the tool left it dirty. */
  currentVersion?: string | undefined;
  dirty?: boolean | undefined;
  /** Flyway / Prisma: migrations that the ledger records as failed (not applied). */
  failed: string[];
  /** Flyway: the BASELINE version; versions up to it count as applied. */
  baseline?: string | undefined;
}

/**
 * What the tool will say before it runs anything: a failed Prisma or Flyway migration, a dirty
 * golang-migrate version. Empty when the ledger is clean.
 */
export function ledgerProblems(ledger: AppliedLedger): string[] {
  const problems: string[] = [];
  if (ledger.dirty && ledger.currentVersion !== undefined) {
    problems.push(`${ledger.table}: version ${ledger.currentVersion} is dirty (a migration failed half way): migrate refuses to run until it is fixed by hand and forced (migrate force)`);
  }
  for (const name of ledger.failed) {
    if (ledger.layout === 'prisma') {
      problems.push(`${ledger.table}: migration ${name} failed: prisma migrate deploy refuses to run (P3009) until it is resolved (prisma migrate resolve)`);
    } else if (ledger.layout === 'flyway') {
      problems.push(`${ledger.table}: migration ${name} failed: flyway migrate refuses to run until it is repaired (flyway repair)`);
    }
  }
  return problems;
}

/**
 * The ledger table each layout uses: schema-qualified where the tool fixes the schema, a bare
 * name where the tool follows search_path (or a configured schema).
 */
export const LEDGER_TABLES: Readonly<Record<MigrationLayout, string | undefined>> = {
  prisma: '_prisma_migrations',
  drizzle: 'drizzle.__drizzle_migrations',
  supabase: 'supabase_migrations.schema_migrations',
  flyway: 'flyway_schema_history',
  'golang-migrate': 'schema_migrations',
  dbmate: 'schema_migrations',
  'node-pg-migrate': 'pgmigrations',
  plain: undefined,
  stdin: undefined,
};

/**
 * The table as `schema.name` (quoted where needed, ready for SQL): a qualified name as it is; a
 * bare name through search_path, else in any schema (the first schema by name). Undefined when
 * there is none.
 */
async function locateTable(db: Queryable, name: string): Promise<string | undefined> {
  const { rows } = await db.query<{ qualified: string | null }>(
    `SELECT coalesce(
       to_regclass($1)::text,
       (SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.relname = $1 AND c.relkind IN ('r', 'p') AND position('.' IN $1) = 0 ORDER BY n.nspname LIMIT 1)
     ) AS qualified`,
    [name],
  );
  const found = rows[0]?.qualified ?? undefined;
  if (found === undefined || found.includes('.')) return found;
  // to_regclass()::text leaves out a schema that is on search_path: name it, for messages and SQL.
  const { rows: named } = await db.query<{ qualified: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS qualified FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass($1)`,
    [name],
  );
  return named[0]?.qualified ?? found;
}

async function columnExists(db: Queryable, qualified: string, column: string): Promise<boolean> {
  const { rows } = await db.query<{ present: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = $2 AND NOT attisdropped) AS present`,
    [qualified, column],
  );
  return rows[0]?.present === true;
}

/**
 * Reads the applied migrations from the ledger of `layout`'s tool. golang-migrate and dbmate
 * share the table name `schema_migrations`: a `dirty` column means golang-migrate's one-row form.
 * Returns an empty ledger (table undefined) when the tool's table does not exist.
 *
 * @throws DatabaseError when the ledger exists but cannot be read (permissions).
 * @example
 * const ledger = await readAppliedMigrations(db, 'prisma');
 * const todo = pendingMigrations(files, ledger);
 */
export async function readAppliedMigrations(db: Queryable, layout: MigrationLayout): Promise<AppliedLedger> {
  const wanted = LEDGER_TABLES[layout];
  const empty: AppliedLedger = { layout, table: undefined, applied: [], failed: [] };
  const table = wanted === undefined ? undefined : await locateTable(db, wanted);
  if (table === undefined) return empty;
  const found: AppliedLedger = { ...empty, table };
  switch (layout) {
    case 'prisma': {
      const { rows } = await db.query<{ migration_name: string; ok: boolean; checksum: string | null }>(
        `SELECT migration_name, (finished_at IS NOT NULL AND rolled_back_at IS NULL) AS ok, checksum FROM ${table}`,
      );
      found.applied = rows.filter((r) => r.ok).map((r) => ({ id: r.migration_name, hash: r.checksum ?? undefined }));
      found.failed = rows.filter((r) => !r.ok).map((r) => r.migration_name);
      break;
    }
    case 'drizzle': {
      const { rows } = await db.query<{ hash: string; created_at: string | null }>(
        `SELECT hash, created_at::text AS created_at FROM ${table}`,
      );
      found.applied = rows.map((r) => ({
        id: r.hash,
        hash: r.hash,
        createdAt: r.created_at === null ? undefined : Number(r.created_at),
      }));
      break;
    }
    case 'supabase': {
      const { rows } = await db.query<{ version: string }>(`SELECT version::text AS version FROM ${table}`);
      found.applied = rows.map((r) => ({ id: r.version }));
      break;
    }
    case 'flyway': {
      const { rows } = await db.query<{ version: string | null; script: string; success: boolean; type: string; checksum: number | null }>(
        `SELECT version, script, success, type, checksum FROM ${table} ORDER BY installed_rank`,
      );
      for (const row of rows) {
        if (row.type === 'BASELINE') {
          if (row.success && row.version !== null) found.baseline = row.version;
          continue;
        }
        const id = row.version ?? `R:${row.script}`;
        if (!row.success) {
          found.failed.push(id);
          continue;
        }
        // A repeatable is applied again whenever its checksum changes: the newest row counts.
        found.applied = found.applied.filter((a) => a.id !== id || row.version !== null);
        found.applied.push({ id, checksum: row.checksum ?? undefined });
      }
      break;
    }
    case 'golang-migrate':
    case 'dbmate': {
      if (await columnExists(db, table, 'dirty')) {
        const { rows } = await db.query<{ version: string; dirty: boolean }>(
          `SELECT version::text AS version, dirty FROM ${table} LIMIT 1`,
        );
        found.currentVersion = rows[0]?.version;
        found.dirty = rows[0]?.dirty ?? false;
      } else {
        const { rows } = await db.query<{ version: string }>(`SELECT version::text AS version FROM ${table}`);
        found.applied = rows.map((r) => ({ id: r.version }));
      }
      break;
    }
    case 'node-pg-migrate': {
      const { rows } = await db.query<{ name: string }>(`SELECT name FROM ${table}`);
      found.applied = rows.map((r) => ({ id: r.name }));
      break;
    }
    default:
      return empty;
  }
  return found;
}

/** Numeric comparison of dotted versions (`1.10` > `1.9`, `01` = `1`). */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[._]/);
  const pb = b.split(/[._]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = (pa[i] ?? '0').replace(/^0+(?=\d)/, '');
    const y = (pb[i] ?? '0').replace(/^0+(?=\d)/, '');
    if (x.length !== y.length) return x.length - y.length;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

function baseName(file: MigrationFile): string {
  return path.basename(file.path).replace(/\.sql$/i, '');
}

/** Drizzle's journal `when` (folderMillis) for a file, read next to it; undefined when absent. */
function drizzleWhen(file: MigrationFile): number | undefined {
  try {
    const journal = JSON.parse(readFileSync(path.join(path.dirname(file.path), 'meta', '_journal.json'), 'utf8')) as {
      entries?: { tag?: string; when?: number }[];
    };
    return journal.entries?.find((e) => e.tag === baseName(file))?.when;
  } catch {
    return undefined;
  }
}

/**
 * Flyway's checksum of a script: CRC32 over the UTF-8 bytes of each line without its line break
 * (a leading BOM dropped), as a signed 32-bit integer, as flyway_schema_history stores it.
 */
export function flywayChecksum(text: string): number {
  let crc = 0;
  // An empty line adds no bytes, so a trailing line break changes nothing (as with readLine()).
  for (const line of text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/)) {
    crc = crc32(Buffer.from(line, 'utf8'), crc);
  }
  return crc | 0;
}

/**
 * Whether the ledger records `file` as applied (see the table at the top of this module for the
 * rule per tool). A file of another layout than the ledger's is never applied.
 */
export function isApplied(file: MigrationFile, ledger: AppliedLedger): boolean {
  if (ledger.table === undefined) return false;
  const ids = new Set(ledger.applied.map((a) => a.id));
  switch (ledger.layout) {
    case 'prisma':
    case 'supabase':
      return ids.has(file.version);
    case 'dbmate':
      if (ledger.currentVersion === undefined) return ids.has(file.version);
      return compareVersions(file.version, ledger.currentVersion) <= 0;
    case 'golang-migrate': {
      if (ledger.currentVersion === undefined) return ids.has(file.version);
      const cmp = compareVersions(file.version, ledger.currentVersion);
      // A dirty version was started but not finished: the tool itself will refuse until it is fixed.
      return cmp < 0 || (cmp === 0 && !ledger.dirty);
    }
    case 'flyway': {
      if (file.version === 'R') {
        const applied = ledger.applied.find((a) => a.id === `R:${path.basename(file.path)}`);
        return applied !== undefined && (applied.checksum === undefined || applied.checksum === flywayChecksum(file.text));
      }
      if (ledger.baseline !== undefined && compareVersions(file.version, ledger.baseline) <= 0) return true;
      return ledger.applied.some((a) => !a.id.startsWith('R:') && compareVersions(a.id, file.version) === 0);
    }
    case 'node-pg-migrate':
      return ids.has(baseName(file));
    case 'drizzle': {
      const hash = createHash('sha256').update(file.text).digest('hex');
      if (ids.has(hash)) return true;
      // drizzle-orm's migrator compares the journal's folderMillis with the newest created_at.
      const when = drizzleWhen(file);
      const newest = Math.max(...ledger.applied.map((a) => a.createdAt ?? Number.NEGATIVE_INFINITY));
      return when !== undefined && Number.isFinite(newest) && when <= newest;
    }
    default:
      return false;
  }
}

/**
 * The checksum the tool recorded for an applied file when the file's contents no longer match it
 * (edited after it was applied), else undefined. Where the checksum is cheap to recompute: Prisma
 * (`checksum` = sha256 hex of migration.sql) and Flyway versioned scripts (CRC32 of the lines).
 * A changed Flyway repeatable is not an error: the tool applies it again (it counts as pending).
 */
export function appliedChecksumMismatch(file: MigrationFile, ledger: AppliedLedger): string | undefined {
  if (ledger.table === undefined) return undefined;
  if (ledger.layout === 'prisma') {
    const applied = ledger.applied.find((a) => a.id === file.version);
    const current = createHash('sha256').update(file.text).digest('hex');
    return applied?.hash !== undefined && applied.hash !== current ? applied.hash : undefined;
  }
  if (ledger.layout === 'flyway' && file.version !== 'R') {
    const applied = ledger.applied.find((a) => !a.id.startsWith('R:') && compareVersions(a.id, file.version) === 0);
    return applied?.checksum !== undefined && applied.checksum !== flywayChecksum(file.text) ? String(applied.checksum) : undefined;
  }
  return undefined;
}

/**
 * The files the ledger does not record as applied, in the given (tool's) order.
 *
 * @example
 * const pending = pendingMigrations(await discoverMigrations(['prisma/migrations']), await readAppliedMigrations(db, 'prisma'));
 */
export function pendingMigrations(files: readonly MigrationFile[], ledger: AppliedLedger): MigrationFile[] {
  return files.filter((file) => !isApplied(file, ledger));
}
