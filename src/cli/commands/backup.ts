import path from 'node:path';
import type { Command } from 'commander';
import { createBackup } from '../../backup/create.js';
import { backupStatus, formatAge } from '../../backup/status.js';
import { backupKind, manifestPathFor, readManifest } from '../../backup/manifest.js';
import { type LocatedBackup, locateBackup, refuseProduction, runRestore, verifyBackup } from '../../backup/verify.js';
import { parseDuration } from '../../config/schema.js';
import { isProtected } from '../../config/target.js';
import { DEFAULT_SESSION_SETTINGS } from '../../db/types.js';
import { parseDatabaseUrl } from '../../db/url.js';
import { ExitCode, RefusedError, UsageError } from '../../errors.js';
import { renderChecklist, renderSummaryLine } from '../../report/checks.js';
import { resolveFailedRuns } from '../../deploy/ledger.js';
import type { CliContext } from '../context.js';
import { addFormatOption, addTargetOptions, type TargetOptions } from '../options.js';

interface CreateFlags extends TargetOptions {
  dir?: string;
  format?: string;
}
interface VerifyFlags {
  restoreTo?: string;
  format?: string;
}
interface StatusFlags {
  dir?: string;
  maxAge?: string;
  format?: string;
}
interface RestoreFlags {
  to?: string;
  env?: string;
  yes?: boolean;
  clean?: boolean;
  allowProduction?: boolean;
  format?: string;
}

export function register(program: Command, cli: CliContext): void {
  const backup = program
    .command('backup')
    .description('make, verify, check and restore pg_dump backups with a manifest of counts and fingerprints')
    .addHelpText(
      'after',
      `
Examples:
  $ prodguard backup create --env production
  $ prodguard backup verify .prodguard/backups/app-20261121T180000Z.dump --restore-to postgresql://localhost/scratch
  $ prodguard backup status --max-age 24h`,
    );

  const create = backup
    .command('create')
    .description('pg_dump -Fc plus a manifest (size, sha256, versions, identity, snapshot read in the same snapshot as the dump)')
    .option('--dir <dir>', 'where to write the backup (default: config backup.dir, .prodguard/backups)');
  addTargetOptions(create);
  addFormatOption(create, ['text', 'json']);
  create
    .addHelpText(
      'after',
      `
Needs pg_dump of the server's major version or newer on PATH (exit 3 otherwise, naming both versions).
The password reaches pg_dump through PGPASSWORD, never argv. A PGlite database (pglite://path) is backed up
with PGlite's own dumpDataDir as <db>-<time>.pglite.tar.gz, with the same manifest; verify it with
--restore-to pglite://memory and restore it with --to pglite://path.

Examples:
  $ prodguard backup create --env production
  $ prodguard backup create --db "$DATABASE_URL" --dir /var/backups/app --format json`,
    )
    .action(async (flags: CreateFlags) => {
      cli.exitCode = await createCommand(cli, flags);
    });

  const verify = backup
    .command('verify')
    .description('check a backup: checksum, pg_restore --list, and with --restore-to a full restore compared with the manifest')
    .argument('<file>', 'the .dump file (or its .manifest.json)')
    .option('--restore-to <url>', 'an empty scratch database to restore into and compare (refused if it holds tables or is marked production)');
  addFormatOption(verify, ['text', 'json']);
  verify
    .addHelpText(
      'after',
      `
Exit codes: 0 verified, 1 a check failed (or the target was refused), 2 usage error, 3 pg_restore missing or the database unreachable.

Examples:
  $ prodguard backup verify .prodguard/backups/app-20261121T180000Z.dump
  $ prodguard backup verify app.dump --restore-to postgresql://postgres@localhost/restore_check`,
    )
    .action(async (file: string, flags: VerifyFlags) => {
      cli.exitCode = await verifyCommand(cli, file, flags);
    });

  const status = backup
    .command('status')
    .description('the newest backup, its age and whether a restore verified it; exit 1 when none is younger than --max-age')
    .option('--dir <dir>', 'backup directory (default: config backup.dir, .prodguard/backups)')
    .option('--max-age <duration>', 'e.g. 24h, 90m (default: config backup.maxAge, 24h)');
  addFormatOption(status, ['text', 'json']);
  status
    .addHelpText(
      'after',
      `
Examples:
  $ prodguard backup status
  $ prodguard backup status --dir /var/backups/app --max-age 6h --format json`,
    )
    .action(async (flags: StatusFlags) => {
      cli.exitCode = await statusCommand(cli, flags);
    });

  const restore = backup
    .command('restore')
    .description('restore a backup into a database (a dry run unless --yes; refuses production without --allow-production)')
    .argument('<file>', 'the .dump file (or its .manifest.json)')
    .option('--to <url>', 'database to restore into')
    .option('--env <name>', 'environment from config to restore into')
    .option('--yes', 'really restore (otherwise only says what it would do)')
    .option('--clean', 'drop the objects in the backup before recreating them (restoring over existing data)')
    .option('--allow-production', 'allow a target marked production (or a protected environment)');
  addFormatOption(restore, ['text', 'json']);
  restore
    .addHelpText(
      'after',
      `
Examples:
  $ prodguard backup restore app-20261121T180000Z.dump --to postgresql://localhost/app_copy --yes
  $ prodguard backup restore app.dump --env production --clean --yes --allow-production`,
    )
    .action(async (file: string, flags: RestoreFlags) => {
      cli.exitCode = await restoreCommand(cli, file, flags);
    });
}

async function backupDir(cli: CliContext, given: string | undefined): Promise<string> {
  if (given) return path.resolve(cli.cwd, given);
  const loaded = await cli.config();
  return path.resolve(loaded.file ? loaded.dir : cli.cwd, loaded.config.backup.dir);
}

function toolEnv(cli: CliContext): NodeJS.ProcessEnv {
  return { ...process.env, ...cli.env };
}

function progress(cli: CliContext): ((message: string) => void) | undefined {
  if (!cli.io.stderrIsTTY) return undefined;
  return (message) => cli.io.err(`\r\x1b[Kbackup: ${message}`);
}

async function createCommand(cli: CliContext, flags: CreateFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  const dir = await backupDir(cli, flags.dir);
  const target = await cli.target(flags);
  const { config } = await cli.config();
  const { db } = await cli.open(target);
  const onProgress = progress(cli);
  const created = await createBackup(db, { url: target.url, dir, critical: config.integrity.critical, env: toolEnv(cli), onProgress });
  if (onProgress) cli.io.err('\r\x1b[K');
  const { manifest } = created;
  if (format === 'json') {
    cli.io.out(`${JSON.stringify({ dump: created.dumpPath, manifest: created.manifestPath, ...manifest, snapshot: undefined }, null, 2)}\n`);
  } else {
    const rows = manifest.snapshot.tables.reduce((n, t) => n + t.rows, 0);
    cli.io.out(
      `backup of ${manifest.database} (PostgreSQL ${manifest.server.version}, ${manifest.pgDump ? `pg_dump ${manifest.pgDump.version}` : 'PGlite data directory'}): ${path.relative(cli.cwd, created.dumpPath)}\n` +
        `  ${manifest.size} bytes, sha256 ${manifest.sha256}, ${manifest.snapshot.tables.length} tables, ${rows} rows, ${manifest.durationMs} ms\n` +
        `  manifest: ${path.relative(cli.cwd, created.manifestPath)}\n` +
        `  verify it: prodguard backup verify ${path.relative(cli.cwd, created.dumpPath)} --restore-to <empty scratch database URL>\n`,
    );
  }
  return ExitCode.ok;
}

async function verifyCommand(cli: CliContext, file: string, flags: VerifyFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  let restoreTo;
  let restoreInMemory = false;
  if (flags.restoreTo) {
    const target = await cli.target({ db: flags.restoreTo });
    if (backupKind(readManifest(manifestPathFor(path.resolve(cli.cwd, file)))) === 'pglite') {
      // A PGlite backup is opened in memory by the verify itself; nothing to connect to.
      if (!isPgliteMemory(target.url)) {
        throw new UsageError('a PGlite backup is verified by restoring it into PGlite in memory', { hint: 'use --restore-to pglite://memory' });
      }
      restoreInMemory = true;
    } else {
      const { db } = await cli.open(target);
      restoreTo = { db, url: target.url };
    }
  }
  const result = await verifyBackup(path.resolve(cli.cwd, file), { restoreTo, restoreInMemory, env: toolEnv(cli) });
  if (format === 'json') {
    cli.io.out(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    const c = cli.io.colors();
    cli.io.out(`${c.bold('prodguard backup verify')} ${path.relative(cli.cwd, result.file)}\n`);
    cli.io.out(renderChecklist(result.checks, c));
    cli.io.out(renderSummaryLine(result.summary, c));
    if (result.ok && !result.restored) cli.io.out(c.dim('not restored: pass --restore-to <empty scratch database> to prove the backup restores\n'));
  }
  return result.ok ? ExitCode.ok : ExitCode.failed;
}

async function statusCommand(cli: CliContext, flags: StatusFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  const dir = await backupDir(cli, flags.dir);
  let maxAge: number;
  if (flags.maxAge !== undefined) {
    const parsed = parseDuration(flags.maxAge);
    if (parsed === undefined) throw new UsageError(`--max-age expects a duration such as 24h or 90m (got "${flags.maxAge}")`);
    maxAge = parsed;
  } else {
    maxAge = (await cli.config()).config.backup.maxAge;
  }
  const status = backupStatus(dir, maxAge);
  if (format === 'json') {
    cli.io.out(`${JSON.stringify(status, null, 2)}\n`);
  } else {
    const c = cli.io.colors();
    const where = path.relative(cli.cwd, dir) || '.';
    if (!status.newest) {
      cli.io.out(`${c.red(c.bold('FAIL'))}: no backup in ${where}\n  → make one: prodguard backup create\n`);
    } else {
      const n = status.newest;
      const verified = n.verified
        ? c.green('verified by restore')
        : n.lastVerification?.ok
          ? c.yellow('checksum verified, not restored')
          : n.lastVerification
            ? c.red('last verification FAILED')
            : c.yellow('never verified');
      const label = status.ok ? c.green('PASS') : c.red(c.bold('FAIL'));
      cli.io.out(
        `${label}: newest backup ${path.relative(cli.cwd, n.file)} of ${n.database}, ${formatAge(n.ageMs)} old (max ${formatAge(maxAge)}), ${verified}; ${status.count} backup${status.count === 1 ? '' : 's'} in ${where}\n`,
      );
    }
  }
  return status.ok ? ExitCode.ok : ExitCode.failed;
}

async function restoreCommand(cli: CliContext, file: string, flags: RestoreFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  if (!flags.to && !flags.env) throw new UsageError('say where to restore: --to URL or --env NAME', { hint: 'prodguard backup restore FILE --to postgresql://…/app_copy --yes' });
  const target = await cli.target({ db: flags.to, env: flags.env });
  if (isProtected(target.environment) && !flags.allowProduction) {
    throw new RefusedError(`environment "${target.environment?.name}" is protected; refusing to restore into it`, {
      code: 'PRODGUARD_PROTECTED',
      hint: 'pass --allow-production to restore into production on purpose',
    });
  }
  const verifyFirst = async (located: LocatedBackup) => {
    if (!located.manifest) return;
    const check = await verifyBackup(located.dumpPath, { env: toolEnv(cli) });
    if (!check.ok) {
      throw new RefusedError(`backup ${file} failed verification (${check.checks.filter((c) => c.status === 'fail').map((c) => c.message).join('; ')}); refusing to restore it`);
    }
  };
  if (backupKind(readManifest(manifestPathFor(path.resolve(cli.cwd, file)))) === 'pglite') {
    const located = locateBackup(path.resolve(cli.cwd, file));
    return restorePglite(cli, located.dumpPath, target.url, flags, format, () => verifyFirst(located));
  }
  // A server target: connect first (an unreachable database is the first thing to fix, exit 3).
  const { db } = await cli.open(target);
  await refuseProduction(db, flags.allowProduction ?? false, 'restore into');
  const located = locateBackup(path.resolve(cli.cwd, file));
  await verifyFirst(located);
  const plan = { file: located.dumpPath, to: db.displayUrl, clean: flags.clean ?? false, dryRun: !flags.yes };
  if (!flags.yes) {
    if (format === 'json') cli.io.out(`${JSON.stringify({ ...plan, restored: false }, null, 2)}\n`);
    else cli.io.out(`dry run: would restore ${path.relative(cli.cwd, plan.file)} into ${plan.to}${plan.clean ? ' (dropping its objects first)' : ''}; pass --yes to do it\n`);
    return ExitCode.ok;
  }
  const started = performance.now();
  await runRestore(located.dumpPath, { db, url: target.url }, { clean: flags.clean ?? false, env: toolEnv(cli) });
  const ms = Math.round(performance.now() - started);
  // The restore undid the failed deploys recorded in this database: they no longer block it.
  const resolvedRuns = await resolveFailedRuns(db, { restored: true, text: `restored ${path.basename(located.dumpPath)}` });
  if (format === 'json') cli.io.out(`${JSON.stringify({ ...plan, restored: true, durationMs: ms, resolvedRuns }, null, 2)}\n`);
  else {
    cli.io.out(`restored ${path.relative(cli.cwd, plan.file)} into ${plan.to} in ${ms} ms\n`);
    if (resolvedRuns.length > 0) cli.io.out(`resolved failed deploy ${resolvedRuns.map((id) => `run #${id}`).join(', ')}: the files it applied count as pending again\n`);
  }
  return ExitCode.ok;
}

function isPgliteMemory(url: string): boolean {
  const target = parseDatabaseUrl(url);
  return target.kind === 'pglite' && target.dataDir === undefined;
}

/** PGlite backups replace the data directory of a pglite:// target (see backup/pglite.ts). */
async function restorePglite(
  cli: CliContext,
  dumpPath: string,
  url: string,
  flags: RestoreFlags,
  format: 'text' | 'json',
  verifyFirst: () => Promise<void>,
): Promise<number> {
  const { restorePgliteBackup } = await import('../../backup/pglite.js');
  const options = { clean: flags.clean ?? false, allowProduction: flags.allowProduction ?? false, settings: DEFAULT_SESSION_SETTINGS };
  // Refusals (memory target, production, a database there without --clean) come before any work.
  const planned = await restorePgliteBackup(dumpPath, url, { ...options, dryRun: true });
  await verifyFirst();
  const to = parseDatabaseUrl(url).displayUrl;
  const plan = { file: dumpPath, to, clean: options.clean, dryRun: !flags.yes };
  if (!flags.yes) {
    if (format === 'json') cli.io.out(`${JSON.stringify({ ...plan, restored: false }, null, 2)}\n`);
    else cli.io.out(`dry run: would restore ${path.relative(cli.cwd, dumpPath)} into ${to}${planned.replaced ? ' (replacing the database there)' : ''}; pass --yes to do it\n`);
    return ExitCode.ok;
  }
  const started = performance.now();
  await restorePgliteBackup(dumpPath, url, options);
  const ms = Math.round(performance.now() - started);
  if (format === 'json') cli.io.out(`${JSON.stringify({ ...plan, restored: true, durationMs: ms }, null, 2)}\n`);
  else cli.io.out(`restored ${path.relative(cli.cwd, dumpPath)} into ${to} in ${ms} ms\n`);
  return ExitCode.ok;
}
