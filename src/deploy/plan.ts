/**
 * Which migrations a deploy applies, and the migration-set hash the promotion gate compares.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Queryable } from '../db/types.js';
import { type AppliedLedger, appliedChecksumMismatch, isApplied, LEDGER_TABLES, readAppliedMigrations } from '../migrations/ledger.js';
import type { MigrationFile } from '../migrations/types.js';
import { readRecordedMigrations } from './ledger.js';
import type { MigrationRecord, MigrationSet } from './types.js';

function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The path a migration is recorded under: relative to the project directory, `/`-separated. */
function ledgerPath(file: MigrationFile, projectDir: string): string {
  const absolute = path.resolve(projectDir, file.path);
  const relative = path.relative(projectDir, absolute) || file.path;
  return relative.split(path.sep).join('/');
}

function migrationRecord(file: MigrationFile, projectDir: string): MigrationRecord {
  return { path: ledgerPath(file, projectDir), sha256: sha256Text(file.text), layout: file.layout, version: file.version };
}

/**
 * The hash of a migration set: sha256 over each file's ledger path and content hash, in the
 * order the tool applies them. The same files with the same contents give the same hash in
 * every environment; a changed byte or another file gives another.
 */
export function migrationSetHash(records: readonly MigrationRecord[]): string {
  const hash = createHash('sha256');
  for (const r of records) hash.update(`${r.path}\u0000${r.sha256}\n`);
  return hash.digest('hex');
}

/** A file whose contents differ from what was applied under its path. */
export interface ChangedMigration {
  path: string;
  appliedSha256: string;
  currentSha256: string;
  appliedAt: string;
  runId: number | null;
}

/** What the migrate command did according to the tool's ledger. */
export interface AppliedByTool {
  /** Ledger entries added by the migrate that match none of the checked (pending) files. */
  unchecked: string[];
  /** Checked files the tool's ledger still does not record as applied. */
  notApplied: string[];
}

/**
 * After the migrate: the tool's ledger read again and compared with the one read at preflight.
 * Undefined without a tool ledger (prodguard's own records exactly the checked files) and for
 * golang-migrate, whose ledger keeps one version only.
 */
export async function appliedByTool(db: Queryable, plan: MigrationPlan): Promise<AppliedByTool | undefined> {
  const before = plan.toolLedger?.ledger;
  if (!before || before.layout === 'golang-migrate') return undefined;
  const after = await readAppliedMigrations(db, before.layout);
  const known = new Set(before.applied.map((a) => a.id));
  const added = after.applied.filter((a) => !known.has(a.id));
  // An entry is covered when a checked file counts as applied by that entry alone.
  const covers = (file: MigrationFile, entry: (typeof added)[number]) => isApplied(file, { ...after, applied: [entry], currentVersion: undefined, baseline: undefined });
  return {
    unchecked: added.filter((entry) => !plan.pending.some((file) => covers(file, entry))).map((entry) => entry.id),
    notApplied: plan.pending.filter((file) => !isApplied(file, after)).map((file) => file.path),
  };
}

export interface MigrationPlan {
  /** The migration tool's ledger that decided, when there is one. */
  toolLedger?: ToolLedger | undefined;
  /** Every discovered file, in the tool's order. */
  all: MigrationFile[];
  pending: MigrationFile[];
  set: MigrationSet;
  /** Applied files whose contents changed since: an error, never a silent re-run. */
  changed: ChangedMigration[];
}

/** What a migration tool's own ledger says: the versions (or file names) it applied. */
export interface ToolLedger {
  /** e.g. `prisma (_prisma_migrations)`. */
  source: string;
  /** The rows as read, to compare with the ledger after the migrate. */
  ledger: AppliedLedger;
  /** True when `file` is applied according to the tool. */
  isApplied(file: MigrationFile): boolean;
  /** The checksum the tool recorded, when it keeps one and it differs from the file (Prisma, Flyway). */
  changed(file: MigrationFile): string | undefined;
}

export interface PlanOptions {
  projectDir: string;
}

/**
 * The ledger table of the files' migration tool (Prisma, Drizzle, Supabase, Flyway,
 * golang-migrate, dbmate, node-pg-migrate), when it exists in the target. Undefined for plain SQL
 * and for a tool that has not applied anything there yet. Read-only.
 */
export async function detectToolLedger(db: Queryable, files: readonly MigrationFile[]): Promise<ToolLedger | undefined> {
  const layout = files[0]?.layout;
  if (!layout || LEDGER_TABLES[layout] === undefined) return undefined;
  const ledger = await readAppliedMigrations(db, layout);
  if (ledger.table === undefined) return undefined;
  return { source: `${layout} (${ledger.table})`, ledger, isApplied: (file) => isApplied(file, ledger), changed: (file) => appliedChecksumMismatch(file, ledger) };
}

/**
 * Splits the discovered files into applied and pending. Where the migration tool keeps a ledger
 * in the target, the tool decides; otherwise prodguard's own `prodguard.applied_migrations` (path + content hash per successful
 * deploy) does. Read-only.
 */
export async function planMigrations(db: Queryable, files: readonly MigrationFile[], options: PlanOptions): Promise<MigrationPlan> {
  const records = files.map((f) => migrationRecord(f, options.projectDir));
  const pending: MigrationFile[] = [];
  const pendingRecords: MigrationRecord[] = [];
  const changed: ChangedMigration[] = [];
  const ledger = await detectToolLedger(db, files);
  if (ledger) {
    files.forEach((file, i) => {
      const record = records[i]!;
      if (!ledger.isApplied(file)) {
        pending.push(file);
        pendingRecords.push(record);
        return;
      }
      const recorded = ledger.changed(file);
      if (recorded !== undefined) {
        changed.push({ path: record.path, appliedSha256: recorded, currentSha256: record.sha256, appliedAt: '', runId: null });
      }
    });
    return { all: [...files], pending, changed, toolLedger: ledger, set: { hash: migrationSetHash(pendingRecords), files: pendingRecords, ledger: ledger.source } };
  }
  const applied = await readRecordedMigrations(db);
  files.forEach((file, i) => {
    const record = records[i]!;
    const known = applied.get(record.path);
    if (!known) {
      pending.push(file);
      pendingRecords.push(record);
    } else if (known.sha256 !== record.sha256) {
      changed.push({ path: record.path, appliedSha256: known.sha256, currentSha256: record.sha256, appliedAt: known.appliedAt, runId: known.runId });
    }
  });
  return {
    all: [...files],
    pending,
    changed,
    set: { hash: migrationSetHash(pendingRecords), files: pendingRecords, ledger: 'prodguard (prodguard.applied_migrations)' },
  };
}
