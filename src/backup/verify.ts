import { existsSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_SESSION_SETTINGS, type Db } from '../db/types.js';
import { RefusedError, UsageError } from '../errors.js';
import { readIdentity } from '../identity/environment.js';
import { type CompareReport, compareSnapshots } from '../integrity/compare.js';
import { takeSnapshot } from '../integrity/snapshot.js';
import { type CheckResult, summarize, type Summary } from '../report/checks.js';
import { postgresTargetOf, sha256File } from './create.js';
import { type BackupManifest, backupKind, manifestPathFor, PGLITE_SUFFIX, readManifest, type Verification } from './manifest.js';
import { listPgliteTarball, openPgliteBackup } from './pglite.js';
import { libpqEnv, runTool, ToolFailedError, toolErrorText } from './tools.js';

export interface LocatedBackup {
  dumpPath: string;
  manifestPath: string;
  manifest: BackupManifest | undefined;
}

/** Accepts the dump or its manifest. @throws UsageError when neither exists. */
export function locateBackup(file: string): LocatedBackup {
  const manifestPath = manifestPathFor(file);
  const manifest = readManifest(manifestPath);
  const dumpPath = file.endsWith('.manifest.json') ? path.join(path.dirname(file), manifest?.file ?? '') : file;
  if (!existsSync(dumpPath) || statSync(dumpPath).isDirectory()) {
    throw new UsageError(`backup file ${file} not found`, { code: 'PRODGUARD_NO_BACKUP', hint: 'list backups with: prodguard backup status' });
  }
  return { dumpPath, manifestPath, manifest };
}

export interface RestoreTarget {
  db: Db;
  url: string;
}

export interface VerifyOptions {
  restoreTo?: RestoreTarget;
  /** PGlite backups: restore into an in-memory PGlite (the only restore check they take). */
  restoreInMemory?: boolean;
  env?: NodeJS.ProcessEnv;
}

export interface VerifyResult {
  file: string;
  checks: CheckResult[];
  summary: Summary;
  /** True only when every check passed. "verified" needs a restore too: see `restored`. */
  ok: boolean;
  restored: boolean;
  compare?: CompareReport;
}

/** User tables in a database (outside system schemas and prodguard's own). */
async function userTableCount(db: Db): Promise<number> {
  const { rows } = await db.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'prodguard')
        AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`,
  );
  return Number(rows[0]?.n ?? 0);
}

/** @throws RefusedError when the database is marked production and `allowProduction` is not set. */
export async function refuseProduction(db: Db, allowProduction: boolean, what: string): Promise<void> {
  const identity = await readIdentity(db);
  if (identity?.kind === 'production' && !allowProduction) {
    throw new RefusedError(`${db.displayUrl} is marked production ("${identity.name}"); refusing to ${what} it`, {
      code: 'PRODGUARD_PROTECTED',
      hint: 'restore into a scratch database; to overwrite production on purpose pass --allow-production',
    });
  }
}

/** Runs pg_restore into `target`. @throws ToolFailedError with pg_restore's own message. */
export async function runRestore(dumpPath: string, target: RestoreTarget, options: { clean?: boolean; env?: NodeJS.ProcessEnv }): Promise<void> {
  const pgTarget = postgresTargetOf(target.db, target.url, 'restore');
  const env = libpqEnv(pgTarget, target.db.settings, options.env ?? process.env);
  const args = ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', '--no-password', `--dbname=${pgTarget.database}`];
  if (options.clean) args.push('--clean', '--if-exists');
  const run = await runTool('pg_restore', [...args, dumpPath], env);
  if (run.code !== 0) {
    throw new ToolFailedError(`pg_restore into ${target.db.displayUrl} failed: ${toolErrorText(run, pgTarget.password ? [pgTarget.password] : [])}`);
  }
}

/**
 * Verifies a backup: the file's size and sha256 match its manifest, `pg_restore --list` reads
 * the whole table of contents, and with `restoreTo` a full restore into that empty scratch
 * database matches the manifest's snapshot table by table. The result is recorded in the manifest.
 *
 * @throws UsageError when the file is missing; RefusedError when the restore target holds
 *   tables or is marked production; MissingBinaryError when pg_restore is missing.
 */
export async function verifyBackup(file: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const located = locateBackup(file);
  const { dumpPath, manifest } = located;
  const pglite = backupKind(manifest) === 'pglite' || dumpPath.endsWith(PGLITE_SUFFIX);
  const checks: CheckResult[] = [];
  let compare: CompareReport | undefined;
  let restored = false;
  if (pglite && options.restoreTo) {
    throw new UsageError('a PGlite backup is verified by restoring it into PGlite in memory', {
      hint: 'use --restore-to pglite://memory',
    });
  }
  if (!pglite && options.restoreInMemory) {
    throw new UsageError('a pg_dump backup restores into a PostgreSQL server, not pglite://memory', {
      hint: 'give --restore-to postgresql://…/an_empty_scratch_database',
    });
  }
  if (options.restoreTo) {
    // Refuse before doing anything, so a wrong --restore-to costs nothing.
    postgresTargetOf(options.restoreTo.db, options.restoreTo.url, 'restore');
    await refuseProduction(options.restoreTo.db, false, 'restore into');
    const tables = await userTableCount(options.restoreTo.db);
    if (tables > 0) {
      throw new RefusedError(`${options.restoreTo.db.displayUrl} holds ${tables} table${tables === 1 ? '' : 's'}; a verify restore needs an empty scratch database`, {
        code: 'PRODGUARD_TARGET_NOT_EMPTY',
        hint: 'create one with: createdb scratch_restore (then pass --restore-to postgresql://…/scratch_restore)',
      });
    }
  }

  if (!manifest) {
    checks.push({ id: 'manifest', title: 'manifest', status: 'fail', message: `no manifest beside the dump (${path.basename(located.manifestPath)})`, hint: 'a backup made by prodguard backup create has one' });
  } else {
    const size = statSync(dumpPath).size;
    const sha256 = await sha256File(dumpPath);
    const sizeOk = size === manifest.size;
    const sumOk = sha256 === manifest.sha256;
    checks.push({
      id: 'checksum',
      title: 'checksum',
      status: sizeOk && sumOk ? 'pass' : 'fail',
      message: sizeOk && sumOk ? `sha256 ${sha256.slice(0, 16)}…, ${size} bytes, as in the manifest` : `file differs from the manifest: ${sizeOk ? '' : `size ${size} (manifest ${manifest.size}), `}sha256 ${sha256.slice(0, 16)}… (manifest ${manifest.sha256.slice(0, 16)}…)`,
      ...(sizeOk && sumOk ? {} : { hint: 'the file was changed or damaged after it was written; do not rely on it' }),
    });
  }

  let tocOk: boolean;
  if (pglite) {
    const listing = listPgliteTarball(dumpPath);
    tocOk = listing.ok;
    checks.push({
      id: 'toc',
      title: 'table of contents',
      status: listing.ok ? 'pass' : 'fail',
      message: listing.ok ? `the data directory tarball lists ${listing.entries} entries` : `not a PGlite data directory backup: ${listing.reason}`,
    });
  } else {
    const toc = await runTool('pg_restore', ['--list', dumpPath], options.env ?? process.env);
    const entries = toc.stdout.split('\n').filter((l) => l.trim() !== '' && !l.startsWith(';')).length;
    tocOk = toc.code === 0;
    checks.push({
      id: 'toc',
      title: 'table of contents',
      status: toc.code === 0 ? 'pass' : 'fail',
      message: toc.code === 0 ? `pg_restore --list read ${entries} entries` : `pg_restore --list failed: ${toolErrorText(toc)}`,
    });
  }

  const intact = checks.every((c) => c.status === 'pass');
  const restoring = options.restoreTo !== undefined || (pglite && options.restoreInMemory === true);
  if (restoring) {
    if (!intact || !manifest) {
      checks.push({ id: 'restore', title: 'restore', status: 'skip', message: 'not attempted: the file failed the checks above' });
    } else {
      const started = performance.now();
      let restoredDb: Db;
      if (options.restoreTo) {
        await runRestore(dumpPath, options.restoreTo, { env: options.env });
        restoredDb = options.restoreTo.db;
      } else {
        restoredDb = await openPgliteBackup(dumpPath, DEFAULT_SESSION_SETTINGS);
      }
      restored = true;
      let after;
      try {
        after = await takeSnapshot(restoredDb, { guide: manifest.snapshot });
      } finally {
        if (!options.restoreTo) await restoredDb.close();
      }
      compare = compareSnapshots(manifest.snapshot, after);
      const differing = compare.items.filter((i) => i.verdict !== 'unchanged');
      checks.push({
        id: 'restore',
        title: 'restore',
        status: 'pass',
        message: `restored into ${options.restoreTo?.db.displayUrl ?? 'pglite://memory'} in ${Math.round(performance.now() - started)} ms`,
      });
      checks.push({
        id: 'compare',
        title: 'restored data',
        status: differing.length === 0 ? 'pass' : 'fail',
        message:
          differing.length === 0
            ? `${compare.items.length} tables and entities match the manifest snapshot (counts and key fingerprints)`
            : `differs from the manifest snapshot: ${differing.map((i) => `${i.id} ${i.verdict}`).join(', ')}`,
      });
    }
  }
  const summary = summarize(checks);
  const ok = summary.fail === 0;
  if (manifest) {
    const verification: Verification = {
      at: new Date().toISOString(),
      ok,
      checksum: checks.find((c) => c.id === 'checksum')?.status === 'pass',
      toc: tocOk,
      restored,
      message: checks.map((c) => `${c.title}: ${c.status}`).join(', '),
    };
    if (options.restoreTo) verification.restoredTo = options.restoreTo.db.displayUrl;
    else if (restored) verification.restoredTo = 'pglite://memory';
    manifest.verifications = [...(manifest.verifications ?? []), verification];
    writeFileSync(located.manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
  }
  const result: VerifyResult = { file: dumpPath, checks, summary, ok, restored };
  if (compare) result.compare = compare;
  return result;
}
