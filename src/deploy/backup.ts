/**
 * The backup phase's strategy: `backup create` then `backup verify` (checksum and table of
 * contents; a full restore test into a throwaway database when `deploy.verifyRestoreTo` names
 * a server, or in memory for PGlite), and the restore that `--auto-rollback` and the printed command perform.
 */
import { randomBytes } from 'node:crypto';
import { createBackup } from '../backup/create.js';
import { runRestore, verifyBackup, type VerifyResult } from '../backup/verify.js';
import { quoteIdent } from '../db/introspect.js';
import { openDb } from '../db/open.js';
import type { Db } from '../db/types.js';
import { UsageError } from '../errors.js';
import type { CriticalEntity, SnapshotDocument } from '../integrity/types.js';
import type { BackupRecord } from './types.js';

export interface BackupOutcome {
  record: BackupRecord;
  /** What the backup holds: counts and fingerprints read in the same snapshot as the dump. */
  snapshot?: SnapshotDocument;
  /** One line per verification step. */
  details: string[];
  ok: boolean;
}

export interface BackupRunner {
  create(): Promise<BackupOutcome>;
  /** Restores the backup over the target (drops and recreates the objects it holds). */
  restore(record: BackupRecord): Promise<void>;
}

export interface BackupRunnerOptions {
  db: Db;
  url: string;
  dir: string;
  critical: CriticalEntity[];
  /**
   * A server URL (any database on it) where a throwaway database is created for a full restore
   * test; for a PGlite target, `pglite://memory` restores the tarball in memory.
   */
  verifyRestoreTo?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** Swaps the database name of a postgresql:// URL. */
function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

/**
 * CREATE and DROP DATABASE wait for a checkpoint, which a busy server can make take minutes: the
 * admin session gets generous limits instead of the everyday 5 s lock / 60 s statement timeouts.
 */
const ADMIN_SETTINGS = { lockTimeoutMs: 120_000, statementTimeoutMs: 600_000 };

/**
 * Restore-tests a dump in a database created for the purpose on the `verifyRestoreTo` server
 * and dropped afterwards, so repeated deploys never find a scratch database already full. A drop
 * that fails is reported (name and reason), never left behind silently.
 */
async function verifyWithScratch(dumpPath: string, serverUrl: string, env: NodeJS.ProcessEnv | undefined): Promise<VerifyResult & { leftOver?: string }> {
  const admin = await openDb(serverUrl, { settings: ADMIN_SETTINGS });
  const name = `prodguard_verify_${randomBytes(4).toString('hex')}`;
  try {
    await admin.exec(`CREATE DATABASE ${quoteIdent(name)}`);
    const scratchUrl = withDatabase(serverUrl, name);
    const outcome = await (async () => {
      const scratch = await openDb(scratchUrl);
      try {
        return await verifyBackup(dumpPath, { restoreTo: { db: scratch, url: scratchUrl }, env });
      } finally {
        await scratch.close();
      }
    })().then(
      (result) => ({ result }),
      (error: unknown) => ({ error }),
    );
    const leftOver = await admin.exec(`DROP DATABASE IF EXISTS ${quoteIdent(name)} WITH (FORCE)`).then(
      () => undefined,
      (error: unknown) => `the throwaway database ${name} could not be dropped (${error instanceof Error ? error.message : String(error)}): drop it by hand`,
    );
    if ('error' in outcome) throw outcome.error;
    const { result } = outcome;
    return leftOver ? { ...result, leftOver } : result;
  } finally {
    await admin.close();
  }
}

/**
 * Backups of the target (the `backup` capability: pg_dump for a server, PGlite's data-directory
 * tarball for an embedded database), verified before the migrate.
 */
export function backupRunner(options: BackupRunnerOptions): BackupRunner {
  const pglite = options.db.kind === 'pglite';
  return {
    async create() {
      const created = await createBackup(options.db, { url: options.url, dir: options.dir, critical: options.critical, env: options.env });
      const verified = pglite
        ? await verifyBackup(created.dumpPath, { restoreInMemory: options.verifyRestoreTo === 'pglite://memory', env: options.env })
        : options.verifyRestoreTo
          ? await verifyWithScratch(created.dumpPath, options.verifyRestoreTo, options.env)
          : await verifyBackup(created.dumpPath, { env: options.env });
      const rows = created.manifest.snapshot.tables.reduce((n, t) => n + t.rows, 0);
      return {
        ok: verified.ok,
        snapshot: created.manifest.snapshot,
        record: {
          path: created.dumpPath,
          manifestPath: created.manifestPath,
          sha256: created.manifest.sha256,
          verified: verified.ok,
          restoredCheck: verified.restored,
        },
        details: [
          `${created.manifest.size} bytes, ${created.manifest.snapshot.tables.length} tables, ${rows} rows, sha256 ${created.manifest.sha256.slice(0, 16)}…`,
          ...verified.checks.map((c) => `${c.status.toUpperCase()} ${c.title}: ${c.message}`),
          ...('leftOver' in verified && verified.leftOver ? [`WARN ${verified.leftOver}`] : []),
        ],
      };
    },
    async restore(record) {
      if (pglite) {
        // The embedded database is open in this process; its data directory cannot be swapped under it.
        throw new UsageError('an open embedded database cannot be restored in place', {
          hint: `restore the backup into a new directory: prodguard backup restore ${record.path} --to pglite://./restored --yes`,
        });
      }
      await runRestore(record.path, { db: options.db, url: options.url }, { clean: true, env: options.env });
    },
  };
}
