import { createHash } from 'node:crypto';
import { createReadStream, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readServerInfo } from '../db/introspect.js';
import type { PgliteDb } from '../db/pglite-adapter.js';
import type { Db } from '../db/types.js';
import { parseDatabaseUrl, type PostgresTarget } from '../db/url.js';
import { UsageError } from '../errors.js';
import { takeSnapshot } from '../integrity/snapshot.js';
import type { CriticalEntity, SnapshotDocument } from '../integrity/types.js';
import { type BackupManifest, MANIFEST_FORMAT, manifestPathFor } from './manifest.js';
import { libpqEnv, runTool, ToolFailedError, toolErrorText, toolVersion, ToolVersionError } from './tools.js';

export interface CreateBackupOptions {
  /** The URL `db` was opened with (for pg_dump's connection; it never reaches argv or output). */
  url: string;
  dir: string;
  critical?: CriticalEntity[];
  /** Environment for the child processes (PATH decides which pg_dump runs). */
  env?: NodeJS.ProcessEnv;
  /** Called with each table pg_dump starts dumping. */
  onProgress?: (message: string) => void;
}

export interface CreatedBackup {
  dumpPath: string;
  manifestPath: string;
  manifest: BackupManifest;
}

/** Refuses a PGlite target: pg_dump needs a server to connect to. */
export function postgresTargetOf(db: Db, url: string, what: string): PostgresTarget {
  const target = parseDatabaseUrl(url);
  if (db.kind === 'pglite' || target.kind !== 'postgres') {
    throw new UsageError(`${what} of PGlite databases is not supported: it runs pg_dump/pg_restore, which need a PostgreSQL server`, {
      code: 'PRODGUARD_UNSUPPORTED',
      hint: 'copy the PGlite data directory while nothing has it open, or point --db at a PostgreSQL server',
    });
  }
  return target;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function stamp(iso: string): string {
  return iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * Backs up a PostgreSQL database: `pg_dump -Fc` reading an exported snapshot that prodguard
 * holds open while it takes its own integrity snapshot in the very same snapshot, so the
 * manifest's counts and fingerprints describe exactly what is in the file. Writes
 * `<db>-<time>.dump` and `<db>-<time>.manifest.json` in `dir`. The `prodguard` schema (the
 * database's identity) is not dumped: identity belongs to a database, not to its data.
 * A PGlite database is backed up with PGlite's own `dumpDataDir` instead (see pglite.ts).
 *
 * @throws MissingBinaryError when pg_dump is not on PATH; ToolVersionError
 *   when pg_dump is older than the server; ToolFailedError when pg_dump fails.
 */
export async function createBackup(db: Db, options: CreateBackupOptions): Promise<CreatedBackup> {
  if (db.kind === 'pglite') {
    mkdirSync(options.dir, { recursive: true });
    const { createPgliteBackup } = await import('./pglite.js');
    return createPgliteBackup(db as PgliteDb, { dir: options.dir, critical: options.critical, onProgress: options.onProgress });
  }
  const target = postgresTargetOf(db, options.url, 'backup');
  const baseEnv = options.env ?? process.env;
  const pgDump = await toolVersion('pg_dump', baseEnv);
  const server = await readServerInfo(db);
  if (pgDump.major < server.major) {
    throw new ToolVersionError(
      `pg_dump ${pgDump.version} is older than the server (PostgreSQL ${server.version}); pg_dump cannot dump a newer server`,
      { hint: `install pg_dump ${server.major} or newer (e.g. apt install postgresql-client-${server.major}) and put it first on PATH` },
    );
  }
  mkdirSync(options.dir, { recursive: true });
  const started = performance.now();
  const env = libpqEnv(target, db.settings, baseEnv);
  const secrets = target.password ? [target.password] : [];

  let partial = '';
  let dumpPath = '';
  const { snapshot, snapshotId } = await db.transaction(
    async (tx) => {
      // This transaction only holds the snapshot while pg_dump and the workers read it.
      await tx.exec('SET LOCAL idle_in_transaction_session_timeout = 0');
      const { rows } = await tx.query<{ id: string; now: string }>(
        `SELECT pg_export_snapshot() AS id, to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now`,
      );
      const id = rows[0]?.id ?? '';
      const base = `${server.database.replace(/[^A-Za-z0-9_.-]/g, '_')}-${stamp(rows[0]?.now ?? new Date().toISOString())}`;
      dumpPath = path.join(options.dir, `${base}.dump`);
      partial = `${dumpPath}.partial`;
      const args = [
        '--format=custom',
        `--snapshot=${id}`,
        `--file=${partial}`,
        '--no-password',
        '--exclude-schema=prodguard',
        ...(db.settings.lockTimeoutMs > 0 ? [`--lock-wait-timeout=${db.settings.lockTimeoutMs}`] : []),
        ...(options.onProgress ? ['--verbose'] : []),
      ];
      const onLine = options.onProgress
        ? (line: string) => {
            const m = /dumping contents of table "?([^"]+)"?/.exec(line);
            if (m?.[1]) options.onProgress?.(`dumping ${m[1]}`);
          }
        : undefined;
      const [doc, run] = await Promise.all([
        takeSnapshot(db, { snapshotId: id, critical: options.critical ?? [] }),
        runTool('pg_dump', args, env, onLine),
      ]);
      if (run.code !== 0) {
        rmSync(partial, { force: true });
        throw new ToolFailedError(`pg_dump failed: ${toolErrorText(run, secrets)}`);
      }
      return { snapshot: doc as SnapshotDocument, snapshotId: id };
    },
    { isolation: 'repeatable read', readOnly: true },
  ).catch((error: unknown) => {
    if (partial) rmSync(partial, { force: true });
    throw error;
  });

  renameSync(partial, dumpPath);
  const manifest: BackupManifest = {
    format: MANIFEST_FORMAT,
    version: 1,
    file: path.basename(dumpPath),
    size: statSync(dumpPath).size,
    sha256: await sha256File(dumpPath),
    createdAt: snapshot.takenAt,
    database: server.database,
    identity: snapshot.identity,
    server: { version: server.version, major: server.major },
    pgDump,
    snapshotId,
    durationMs: Math.round(performance.now() - started),
    snapshot,
    verifications: [],
  };
  const manifestPath = manifestPathFor(dumpPath);
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { dumpPath, manifestPath, manifest };
}
