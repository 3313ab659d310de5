/**
 * After a failure past the migrate: the advice (restore command, down scripts) and, with
 * --auto-rollback, the restore itself once the database shows no writes since the migrate.
 */
import type { Db } from '../db/types.js';
import { compareSnapshots } from '../integrity/compare.js';
import { takeSnapshot } from '../integrity/snapshot.js';
import type { CriticalEntity, SnapshotDocument } from '../integrity/types.js';
import type { MigrationFile } from '../migrations/types.js';
import type { DeployOptions } from './pipeline.js';
import { findRollbackScript } from '../migrations/rollback-scripts.js';
import type { DeployReport, PhaseResult, RollbackAdviceRecord } from './types.js';

/**
 * ROLLBACK RECOMMENDED: the restore command of this run's backup and the down scripts of the
 * applied files. Restores only with `autoRollback`, and then only when the database shows no
 * writes since the migrate finished (or `yes`).
 */
export async function adviseRollback(
  options: DeployOptions,
  report: DeployReport,
  failed: PhaseResult,
  snapshots: RunSnapshots,
  pending: readonly MigrationFile[],
  production: boolean,
): Promise<RollbackAdviceRecord> {
  const scripts = pending
    .map((f) => findRollbackScript(f, options.projectDir))
    .filter((s): s is NonNullable<typeof s> => s !== undefined)
    .map((s) => (s.kind === 'section' ? `${s.path} (down section)` : s.path))
    .reverse();
  const advice: RollbackAdviceRecord = {
    reason: `${failed.phase} failed${failed.phase === 'migrate' ? '' : ' after the migrate'}: ${failed.message}`,
    restoreCommand: report.backup && options.restoreCommand ? options.restoreCommand(report.backup.path, production) : null,
    scripts,
    autoRollback: { requested: options.autoRollback ?? false, attempted: false, restored: false, refusedReason: null },
  };
  if (!options.autoRollback) return advice;
  if (!report.backup || !options.backup) {
    advice.autoRollback.refusedReason = 'this run made no backup to restore';
    return advice;
  }
  if (!options.yes) {
    const newWrites = await writesTheBackupLacks(options.db, snapshots, options.integrity?.critical ?? []);
    if (newWrites !== undefined) {
      advice.autoRollback.refusedReason = newWrites;
      return advice;
    }
  }
  advice.autoRollback.attempted = true;
  try {
    await options.backup.restore(report.backup);
    advice.autoRollback.restored = true;
  } catch (error) {
    advice.autoRollback.refusedReason = `restore failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  return advice;
}

/** The snapshots of a run: in the backup, before the migrate, right after it. */
export interface RunSnapshots {
  backup: SnapshotDocument | undefined;
  before: SnapshotDocument | undefined;
  after: SnapshotDocument | undefined;
  /** The server's row-write counters right after the migrate (PostgreSQL only). */
  afterWrites?: WriteCounters | undefined;
}

/** A little over PostgreSQL's minimum interval between two flushes of a backend's statistics (1 s). */
const STATS_SETTLE_MS = 1_100;

/** Per table: inserted, updated and deleted rows since the statistics were reset (pg_stat_user_tables). */
export type WriteCounters = Map<string, string>;

/**
 * The cumulative write counters of every user table. They see an UPDATE of a non-key column,
 * which counts and key fingerprints do not. Not for PGlite: its single backend may not have
 * flushed the migrate's own counters yet.
 */
export async function readWriteCounters(db: Db): Promise<WriteCounters | undefined> {
  if (db.kind !== 'postgres') return undefined;
  // Backends publish their row counters when a transaction ends, at most once a second, and when
  // they exit — after the client has already gone. Give a writer that just finished (the migrate
  // command's psql, a verify command, a short-lived job) that long before reading them.
  await new Promise((resolve) => setTimeout(resolve, STATS_SETTLE_MS));
  return db.withConnection(async (conn) => {
    // A fresh view of the statistics, not the one cached in this session's transaction.
    await conn.query('SELECT pg_stat_clear_snapshot()');
    const { rows } = await conn.query<{ name: string; counters: string }>(
      `SELECT format('%I.%I', schemaname, relname) AS name, concat_ws('/', n_tup_ins, n_tup_upd, n_tup_del) AS counters
         FROM pg_stat_user_tables WHERE schemaname <> 'prodguard'`,
    );
    return new Map(rows.map((r) => [r.name, r.counters]));
  });
}

function changedTables(before: WriteCounters, now: WriteCounters): string[] {
  const changed: string[] = [];
  for (const [name, counters] of now) {
    const was = before.get(name);
    if (was === undefined) continue; // a table created since: the snapshots report it
    if (was !== counters) {
      const [i0, u0, d0] = was.split('/').map(Number);
      const [i1, u1, d1] = counters.split('/').map(Number);
      const what = [i1! - i0! > 0 ? `${i1! - i0!} inserted` : '', u1! - u0! > 0 ? `${u1! - u0!} updated` : '', d1! - d0! > 0 ? `${d1! - d0!} deleted` : ''].filter(Boolean);
      changed.push(`${name} ${what.join(', ') || 'written'}`);
    }
  }
  return changed;
}

const differing = (a: SnapshotDocument, b: SnapshotDocument) =>
  compareSnapshots(a, b)
    .items.filter((i) => i.verdict !== 'unchanged')
    .map((i) => `${i.id} ${i.verdict}`)
    .join(', ');

/**
 * Why restoring would lose writes, or undefined when nothing but the migrate changed the database
 * since the backup: the backup's own snapshot must match the one taken before the migrate, and the
 * database now must match the one taken right after it (counts and key fingerprints of every
 * table). Without those snapshots nothing can be confirmed.
 */
async function writesTheBackupLacks(db: Db, snapshots: RunSnapshots, critical: CriticalEntity[]): Promise<string | undefined> {
  const { backup, before, after } = snapshots;
  if (!after) return 'no snapshot after the migrate to confirm that nothing was written since; restore by hand, or pass --yes';
  if (backup && before) {
    const early = differing(backup, before);
    if (early) return `the database received writes between the backup and the migrate (${early}): restoring would lose them; restore by hand after checking, or pass --yes`;
  }
  const now = await takeSnapshot(db, { guide: after, critical });
  const late = differing(after, now);
  const counters = snapshots.afterWrites ? await readWriteCounters(db) : undefined;
  const written = snapshots.afterWrites && counters ? changedTables(snapshots.afterWrites, counters).join(', ') : '';
  const changes = [late, written].filter(Boolean).join('; ');
  if (!changes) return undefined;
  return `the database received writes since the migrate (${changes}): restoring would lose them; restore by hand after checking, or pass --yes`;
}
