/**
 * What each migration tool does with a file: which part runs on "up" and whether the tool wraps
 * it in a transaction. Sources are noted where the behaviour was checked.
 */
import { dbmateUpSection, hasDbmateSections, hasNodePgMigrateSections, nodePgMigrateUpSection } from './sections.js';
import type { MigrationFile, MigrationLayout, TransactionMode } from './types.js';

/**
 * Whether the tool wraps each file in a transaction by default.
 *
 * - prisma: `migrate deploy` sends a migration.sql as one multi-statement query, which PostgreSQL
 *   runs as one implicit transaction (so CREATE INDEX CONCURRENTLY fails there unless alone).
 * - drizzle: drizzle-orm's migrator runs all pending migrations inside one transaction; per-file
 *   is the closest mode (every statement runs in a transaction).
 * - supabase: `supabase db push` / `migration up` runs each file's statements in a transaction.
 * - flyway: each versioned migration runs in its own transaction on PostgreSQL (unless the
 *   script's `.conf` says `executeInTransaction=false`).
 * - golang-migrate: sends the file as-is with no BEGIN, as one query (unless the driver's
 *   x-multi-statement mode is on); PostgreSQL runs a multi-statement query in an implicit
 *   transaction, so CONCURRENTLY fails there unless alone.
 * - dbmate: wraps each migration in a transaction unless `-- migrate:up transaction:false`, and then
 *   sends the section as one query (implicit).
 * Prisma and golang-migrate are `implicit`: one statement runs on its own, several in one transaction.
 * - node-pg-migrate: runs each migration in a transaction by default.
 * - plain / stdin: as `psql -f` runs a file: autocommit, no wrapping unless the file says BEGIN.
 */
export const DEFAULT_TRANSACTION: Readonly<Record<MigrationLayout, TransactionMode>> = {
  prisma: 'implicit',
  drizzle: 'per-file',
  supabase: 'per-file',
  flyway: 'per-file',
  'golang-migrate': 'implicit',
  dbmate: 'per-file',
  'node-pg-migrate': 'per-file',
  plain: 'none',
  stdin: 'none',
};

export interface FileFromTextOptions {
  /** Overrides the layout's default (config `migrations.transaction`). */
  transaction?: TransactionMode | undefined;
  version?: string | undefined;
  name?: string | undefined;
}

/**
 * Builds a MigrationFile from its text: extracts the up section for dbmate and node-pg-migrate
 * (also when a plain-directory file or stdin turns out to have such sections) and picks the
 * transaction mode: that tool's, so stdin gets the same mode as the file read from disk.
 */
export function migrationFileFromText(
  path: string,
  text: string,
  layout: MigrationLayout,
  options: FileFromTextOptions = {},
): MigrationFile {
  let upText = text;
  let upOffset = 0;
  let wrapped = true;
  // The tool the text's sections name: it decides the transaction default, for stdin too.
  let tool = layout;
  const sniff = layout === 'plain' || layout === 'stdin';
  if ((layout === 'dbmate' || sniff) && hasDbmateSections(text)) {
    const section = dbmateUpSection(text);
    ({ upText, upOffset } = section);
    wrapped = section.transaction;
    tool = 'dbmate';
  } else if ((layout === 'node-pg-migrate' || sniff) && hasNodePgMigrateSections(text)) {
    ({ upText, upOffset } = nodePgMigrateUpSection(text));
    tool = 'node-pg-migrate';
  }
  const transaction = options.transaction ?? (wrapped ? DEFAULT_TRANSACTION[tool] : 'implicit');
  return {
    path,
    text,
    upText,
    upOffset,
    // A plain file takes its tool's layout; stdin stays `stdin`, which tells later steps (check's
    // ledgers, --since) that it has no path on disk and no tool's ledger to look in.
    layout: layout === 'plain' ? tool : layout,
    transaction,
    version: options.version ?? '',
    name: options.name ?? '',
  };
}
