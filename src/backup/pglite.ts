/**
 * Backups of PGlite databases, through PGlite's own dump tooling: `dumpDataDir` writes the
 * whole data directory as a gzipped tarball, and opening PGlite with `loadDataDir` restores it.
 * pg_dump cannot be used: it needs a server to connect to. The manifest is the same as for
 * pg_dump backups (`kind: 'pglite'`), so status, verify and compare's restore advice work alike.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readServerInfo } from '../db/introspect.js';
import type { PgliteDb } from '../db/pglite-adapter.js';
import type { Db } from '../db/types.js';
import { parseDatabaseUrl } from '../db/url.js';
import { RefusedError, UsageError } from '../errors.js';
import { markIdentity, readIdentity } from '../identity/environment.js';
import { takeSnapshot } from '../integrity/snapshot.js';
import type { CriticalEntity } from '../integrity/types.js';
import { sha256File } from './create.js';
import { type BackupManifest, MANIFEST_FORMAT, manifestPathFor, PGLITE_SUFFIX } from './manifest.js';

export interface PgliteBackupResult {
  dumpPath: string;
  manifestPath: string;
  manifest: BackupManifest;
}

function stamp(iso: string): string {
  return iso.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * Backs up a PGlite database: the integrity snapshot first, then the data directory tarball.
 * Both read the same state: PGlite has a single connection and this process holds the
 * database, so nothing can change between the two.
 */
export async function createPgliteBackup(
  db: PgliteDb,
  options: { dir: string; critical?: CriticalEntity[] | undefined; onProgress?: ((message: string) => void) | undefined },
): Promise<PgliteBackupResult> {
  const started = performance.now();
  const server = await readServerInfo(db);
  options.onProgress?.('taking the integrity snapshot');
  const snapshot = await takeSnapshot(db, { critical: options.critical ?? [] });
  options.onProgress?.('dumping the data directory');
  const tarball = await db.dumpDataDir();
  const base = `${server.database.replace(/[^A-Za-z0-9_.-]/g, '_')}-${stamp(snapshot.takenAt)}`;
  const dumpPath = path.join(options.dir, `${base}${PGLITE_SUFFIX}`);
  const partial = `${dumpPath}.partial`;
  writeFileSync(partial, tarball);
  renameSync(partial, dumpPath);
  const manifest: BackupManifest = {
    format: MANIFEST_FORMAT,
    version: 1,
    kind: 'pglite',
    file: path.basename(dumpPath),
    size: statSync(dumpPath).size,
    sha256: await sha256File(dumpPath),
    createdAt: snapshot.takenAt,
    database: server.database,
    identity: snapshot.identity,
    server: { version: server.version, major: server.major },
    snapshotId: '',
    durationMs: Math.round(performance.now() - started),
    snapshot,
    verifications: [],
  };
  const manifestPath = manifestPathFor(dumpPath);
  writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  return { dumpPath, manifestPath, manifest };
}

/**
 * Lists a tarball's entries (the PGlite counterpart of `pg_restore --list`): it must be a whole
 * gzip stream of tar headers and hold a PostgreSQL data directory (PG_VERSION, global/pg_control).
 * Returns the entry count, or the reason it is not one.
 */
export function listPgliteTarball(file: string): { ok: true; entries: number } | { ok: false; reason: string } {
  let tar: Buffer;
  try {
    tar = gunzipSync(readFileSync(file));
  } catch (error) {
    return { ok: false, reason: `not a readable gzip file (${error instanceof Error ? error.message : String(error)})` };
  }
  const names: string[] = [];
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const prefix = header.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
    const size = Number.parseInt(header.subarray(124, 136).toString('utf8').replace(/\0.*$/s, '').trim() || '0', 8);
    if (!Number.isFinite(size) || size < 0) return { ok: false, reason: `bad tar header at byte ${offset}` };
    names.push(prefix ? `${prefix}/${name}` : name);
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  if (offset > tar.length) return { ok: false, reason: 'the tarball is truncated' };
  const has = (suffix: string) => names.some((n) => n === suffix || n.endsWith(`/${suffix}`));
  if (!has('PG_VERSION') || !has('global/pg_control')) return { ok: false, reason: 'no PostgreSQL data directory in the tarball' };
  return { ok: true, entries: names.length };
}

/** Opens the backup's database in memory (for verify): nothing is written anywhere. */
export async function openPgliteBackup(file: string, settings: Db['settings']): Promise<Db> {
  const { PgliteDb: Adapter } = await import('../db/pglite-adapter.js');
  return Adapter.fromTarball(readFileSync(file), undefined, 'pglite://memory (restored backup)', settings);
}

function isEmptyDir(dir: string): boolean {
  return !existsSync(dir) || (statSync(dir).isDirectory() && readdirSync(dir).length === 0);
}

/**
 * Restores a PGlite backup into the data directory of a `pglite://path` URL. An existing
 * database there is replaced only with `clean` (and, when it is marked production, only with
 * `allowProduction`); it keeps its own identity mark, as a pg_restore target does (the
 * restored `prodguard` schema of the source is dropped, as pg_dump leaves it out).
 *
 * @throws UsageError for `pglite://memory` (a restore there would vanish); RefusedError for a
 *   database that is not empty without `clean`, or marked production without `allowProduction`.
 */
export async function restorePgliteBackup(
  file: string,
  url: string,
  options: { clean: boolean; allowProduction: boolean; settings: Db['settings']; dryRun?: boolean },
): Promise<{ dataDir: string; replaced: boolean }> {
  const target = parseDatabaseUrl(url);
  if (target.kind !== 'pglite') {
    throw new UsageError('a PGlite backup restores into a pglite:// database', {
      code: 'PRODGUARD_UNSUPPORTED',
      hint: 'give --to pglite://./path/to/data-dir (a pg_dump of it is not available: PGlite has no server for pg_dump)',
    });
  }
  if (target.dataDir === undefined) {
    throw new UsageError('restoring into pglite://memory would vanish when prodguard exits', {
      hint: 'give --to pglite://./path/to/data-dir; to check the backup in memory use: prodguard backup verify FILE --restore-to pglite://memory',
    });
  }
  const dataDir = target.dataDir;
  const { PgliteDb: Adapter } = await import('../db/pglite-adapter.js');
  let identity;
  const replaced = !isEmptyDir(dataDir);
  if (replaced) {
    const existing = await Adapter.open(target, options.settings);
    try {
      identity = await readIdentity(existing);
    } finally {
      await existing.close();
    }
    if (identity?.kind === 'production' && !options.allowProduction) {
      throw new RefusedError(`${target.displayUrl} is marked production ("${identity.name}"); refusing to restore into it`, {
        code: 'PRODGUARD_PROTECTED',
        hint: 'restore into a scratch directory; to overwrite production on purpose pass --allow-production',
      });
    }
    if (!options.clean) {
      throw new RefusedError(`${target.displayUrl} already holds a database; pass --clean to replace it with the backup`, {
        code: 'PRODGUARD_TARGET_NOT_EMPTY',
      });
    }
  }
  if (options.dryRun) return { dataDir, replaced };

  // Build the restored directory beside the target, then swap it in: a failed load leaves the
  // target as it was.
  const staging = `${dataDir}.prodguard-restore`;
  rmSync(staging, { recursive: true, force: true });
  const restored = await Adapter.fromTarball(readFileSync(file), staging, target.displayUrl, options.settings);
  try {
    await restored.exec('DROP SCHEMA IF EXISTS prodguard CASCADE');
    if (identity) await markIdentity(restored, { kind: identity.kind, name: identity.name, markedBy: identity.markedBy, force: true });
  } finally {
    await restored.close();
  }
  const old = `${dataDir}.prodguard-old`;
  rmSync(old, { recursive: true, force: true });
  if (existsSync(dataDir)) renameSync(dataDir, old);
  renameSync(staging, dataDir);
  rmSync(old, { recursive: true, force: true });
  return { dataDir, replaced };
}
