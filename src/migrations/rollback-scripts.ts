/**
 * Down migrations: where each tool keeps the script that undoes a migration. Used by
 * `deploy.requireRollback` (the lint phase fails for a migration without one) and by the
 * ROLLBACK RECOMMENDED advice (which lists them).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { MigrationFile } from './types.js';

export interface RollbackScript {
  /** The file holding the down part (the migration itself for in-file sections). */
  path: string;
  /** How it is laid out: a sibling file or a section of the migration. */
  kind: 'file' | 'section';
  /** The SQL that undoes the migration. */
  sql: string;
}

// dbmate: `-- migrate:down`; node-pg-migrate: `-- Down Migration`.
const DBMATE_DOWN = /^--\s*migrate:down\b[^\n]*$/m;
const NODE_PG_DOWN = /^\s*--[\s-]*down\s+migration[^\n]*$/im;

/** Where a layout keeps its down script, said in words (for the lint finding's help). */
export function rollbackConvention(layout: string): string {
  switch (layout) {
    case 'golang-migrate':
      return 'a NNN_name.down.sql beside the .up.sql';
    case 'dbmate':
      return 'a non-empty "-- migrate:down" section';
    case 'flyway':
      return 'an undo script U<version>__<description>.sql beside the V script';
    case 'prisma':
      return 'a down.sql beside migration.sql in the migration folder';
    case 'node-pg-migrate':
      return 'a non-empty "-- Down Migration" section';
    default:
      return 'a NAME.down.sql beside the file, or a "-- migrate:down" section';
  }
}

function sibling(file: MigrationFile, projectDir: string, name: string): RollbackScript | undefined {
  const dir = path.dirname(path.resolve(projectDir, file.path));
  const candidate = path.join(dir, name);
  if (!existsSync(candidate)) return undefined;
  const sql = readFileSync(candidate, 'utf8');
  if (sql.trim() === '') return undefined;
  return { path: path.relative(projectDir, candidate).split(path.sep).join('/'), kind: 'file', sql };
}

function section(file: MigrationFile, marker: RegExp): RollbackScript | undefined {
  const m = marker.exec(file.text);
  if (!m) return undefined;
  const sql = file.text.slice(m.index + m[0].length);
  // A section holding only comments undoes nothing.
  const meaningful = sql.split('\n').some((line) => line.trim() !== '' && !line.trim().startsWith('--'));
  return meaningful ? { path: file.path, kind: 'section', sql } : undefined;
}

/** False for migrations that have no down by design: Flyway repeatables (`R__`) are re-applied, never undone. */
export function needsRollback(file: MigrationFile): boolean {
  return !(file.layout === 'flyway' && /^R__/.test(path.basename(file.path)));
}

/** The down script of a migration in its tool's layout, or undefined when it has none. */
export function findRollbackScript(file: MigrationFile, projectDir: string): RollbackScript | undefined {
  const base = path.basename(file.path);
  switch (file.layout) {
    case 'golang-migrate':
      // Only NAME.up.sql has a NAME.down.sql: any other name would find itself.
      return /\.up\.sql$/.test(base) ? sibling(file, projectDir, base.replace(/\.up\.sql$/, '.down.sql')) : undefined;
    case 'dbmate':
      return section(file, DBMATE_DOWN);
    case 'node-pg-migrate':
      return section(file, NODE_PG_DOWN);
    case 'flyway':
      return /^V/.test(base) ? sibling(file, projectDir, base.replace(/^V/, 'U')) : undefined;
    case 'prisma':
      return sibling(file, projectDir, 'down.sql');
    default:
      return section(file, DBMATE_DOWN) ?? sibling(file, projectDir, base.replace(/(\.up)?\.sql$/, '.down.sql'));
  }
}
