import type { Command } from 'commander';
import { Option } from 'commander';
import type { CheckSelection } from '../../check/run.js';
import type { CheckReport } from '../../check/types.js';
import { environmentForUrl, isProtected } from '../../config/target.js';
import { openDb } from '../../db/open.js';
import type { Db } from '../../db/types.js';
import type { RollbackRehearsalReport } from '../../check/rollback-rehearsal.js';
import { ExitCode, RefusedError, UsageError } from '../../errors.js';
import { changedSince, discoverMigrations } from '../../migrations/discover.js';
import type { MigrationFile, MigrationLayout } from '../../migrations/types.js';
import type { CliContext } from '../context.js';
import { addFormatOption, addReportOption, addTargetOptions, layoutOption, type TargetOptions } from '../options.js';
import { writeHtmlReport } from '../report-file.js';
import { configuredMigrations, readStdin } from './lint.js';

interface CheckFlags extends TargetOptions {
  format?: string;
  pending?: boolean;
  since?: string;
  last?: string;
  layout?: Exclude<MigrationLayout, 'stdin'>;
  preChecksOnly?: boolean;
  executeOnProduction?: boolean;
  rehearseDoCall?: boolean;
  lockTimeout?: string;
  report?: string;
  rollback?: boolean;
}

const FORMATS = ['text', 'json'] as const;

export function register(program: Command, cli: CliContext): void {
  const command = program
    .command('check')
    .description('check migrations against real data: shadow replay, rolled-back rehearsal, read-only pre-checks')
    .argument('[paths...]', 'migration files, directories or globs (default: config "migrations")');
  addTargetOptions(command);
  addFormatOption(command, FORMATS);
  addReportOption(command);
  command
    .option('--pending', 'only the migrations the tool\'s ledger has not applied (default with --db/--env)')
    .option('--since <ref>', 'only migrations added or changed since this git ref')
    .option('--last <n>', 'only the last N migrations')
    .option('--pre-checks-only', 'run only the read-only pre-checks, never the migration')
    .option('--execute-on-production', 'rehearse even on a database recorded as production (lock_timeout at most 1s)')
    .option('--rehearse-do-call', 'with --execute-on-production: also run DO blocks and CALL (their bodies are not inspected)')
    .option('--lock-timeout <ms>', 'lock_timeout of the rehearsal in milliseconds (default 2000)')
    .option('--rollback', 'also rehearse each checked migration\'s down script (up, then down, rolled back) and compare the schema before and after')
    .addOption(layoutOption())
    .addHelpText(
      'after',
      `
Without --db/--env the migrations are replayed on an embedded PostgreSQL (PGlite) and the selected
ones (all, --since, --last) are checked there. With a database, the pending migrations (from the
tool's ledger) are pre-checked against the data and rehearsed in one transaction that is always
rolled back. A database recorded as production gets only the read-only pre-checks.

Exit codes: 0 no errors, 1 a migration fails to apply or an error finding, 2 usage or config
error, 3 the database cannot be reached or a pre-check could not run (verdict "incomplete").

Examples:
  $ prodguard check prisma/migrations                       # shadow replay, every migration
  $ prodguard check --since origin/main                     # shadow replay, check what this branch adds
  $ prodguard check --env staging                           # rehearse the pending migrations on staging
  $ prodguard check --db "$RESTORED_COPY_URL" --last 1 --format json
  $ prodguard check --env staging --report check.html
  $ prodguard check --env production                        # read-only pre-checks only
  $ prodguard check --env staging --rollback                # and prove each down migration undoes its up`,
    )
    .action(async (paths: string[], flags: CheckFlags) => {
      cli.exitCode = await check(cli, paths, flags);
    });
}

function selection(flags: CheckFlags): CheckSelection | undefined {
  const given = [flags.pending, flags.since !== undefined, flags.last !== undefined].filter(Boolean).length;
  if (given > 1) throw new UsageError('--pending, --since and --last exclude each other');
  if (flags.last !== undefined) {
    const count = Number(flags.last);
    if (!Number.isInteger(count) || count < 1) throw new UsageError(`--last must be a positive whole number, got "${flags.last}"`);
    return { kind: 'last', count };
  }
  if (flags.pending) return { kind: 'pending' };
  return undefined;
}

async function check(cli: CliContext, paths: string[], flags: CheckFlags): Promise<number> {
  const format = cli.format(flags.format, FORMATS);
  let select = selection(flags);
  let lockTimeoutMs: number | undefined;
  if (flags.lockTimeout !== undefined) {
    lockTimeoutMs = Number(flags.lockTimeout);
    if (!Number.isInteger(lockTimeoutMs) || lockTimeoutMs < 1) {
      throw new UsageError(`--lock-timeout must be a positive number of milliseconds, got "${flags.lockTimeout}"`);
    }
  }
  const loaded = await cli.config();

  // Only --db / --env name a real database: without them the check is the shadow replay. The
  // database is opened first, so an unreachable one is reported before anything else.
  let db;
  let declaredProduction = false;
  if (flags.db !== undefined || flags.env !== undefined) {
    const target = await cli.target(flags);
    // --db alone: a config environment with the same server and database still says what it is.
    const environment = target.environment ?? environmentForUrl(loaded.config, target.url);
    declaredProduction = isProtected(environment);
    db = (await cli.open(target)).db;
  }
  const configured = configuredMigrations(loaded);
  const inputs = paths.length > 0 ? paths : configured.path ? [configured.path] : [];
  if (inputs.length === 0) {
    throw new UsageError('no migrations to check', {
      hint: 'give paths (prodguard check prisma/migrations) or set "migrations" in prodguard.config',
    });
  }
  const discover = { cwd: paths.length > 0 ? cli.cwd : loaded.dir, layout: flags.layout ?? configured.layout, transaction: configured.transaction, readStdin };
  const files = await discoverMigrations(inputs, discover);
  // Plain SQL has no ledger: files the user named on the command line are the ones to check.
  if (select === undefined && db && paths.length > 0 && files.every((f) => f.layout === 'plain')) select = { kind: 'all' };
  if (flags.since !== undefined) {
    // Every migration is replayed; only those git reports as changed are checked (one discovery).
    select = { kind: 'since', paths: (await changedSince(files, flags.since, discover.cwd)).changed };
  }

  const { runCheck } = await import('../../check/run.js');
  const progress = cli.io.stderrIsTTY && format === 'text';
  const report = await runCheck({
    files,
    db,
    select,
    preChecksOnly: flags.preChecksOnly,
    executeOnProduction: flags.executeOnProduction,
    rehearseDoCall: flags.rehearseDoCall,
    declaredProduction,
    lockTimeoutMs,
    templateValues: loaded.config.lint.templateValues,
    onProgress: progress
      ? (event) => cli.io.err(`\r\x1b[K${event.phase === 'replay' ? 'replaying' : 'checking'} ${event.done}/${event.total} ${event.path}`)
      : undefined,
  });
  if (progress) cli.io.err('\r\x1b[K');
  if (flags.report) await writeHtmlReport(cli, flags.report, { title: 'prodguard check', views: { check: report } });
  const production = declaredProduction || report.identity?.kind === 'production';
  const rollback = flags.rollback ? await rehearseRollbackScripts(files, report, { db, production, flags, projectDir: discover.cwd, lockTimeoutMs }) : undefined;
  if (format === 'json') cli.io.out(`${JSON.stringify(rollback ? { ...report, rollback } : report, null, 2)}\n`);
  else {
    const { renderCheckText } = await import('../../check/render.js');
    cli.io.out(renderCheckText(report, cli.io.colors()));
    if (rollback) {
      const { renderRollbackRehearsalText } = await import('../../check/rollback-rehearsal.js');
      cli.io.out(renderRollbackRehearsalText(rollback, cli.io.colors()));
    }
  }
  if (report.verdict === 'fail' || (rollback && !rollback.ok)) return ExitCode.failed;
  // incomplete: a pre-check could not run, so the data was not (fully) checked: "could not run".
  return report.verdict === 'incomplete' ? ExitCode.couldNotRun : ExitCode.ok;
}

/**
 * `--rollback`: the analysed migrations' up then down in one rolled-back transaction, on the
 * database (refused on production without --execute-on-production: it executes) or on a shadow
 * PGlite where the other migrations are replayed first.
 */
async function rehearseRollbackScripts(
  files: MigrationFile[],
  report: CheckReport,
  options: { db: Db | undefined; production: boolean; flags: CheckFlags; projectDir: string; lockTimeoutMs: number | undefined },
): Promise<RollbackRehearsalReport> {
  const { rehearseRollbacks } = await import('../../check/rollback-rehearsal.js');
  const analysed = new Set(report.migrations.filter((m) => m.role === 'analysed').map((m) => m.path));
  const rehearse = (file: MigrationFile) => analysed.has(file.path);
  if (options.db) {
    if (options.production && !options.flags.executeOnProduction) {
      throw new RefusedError('--rollback executes the migrations and their down scripts (rolled back); the database is production', {
        code: 'PRODGUARD_PROTECTED',
        hint: 'rehearse rollbacks on staging or a restored copy, or pass --execute-on-production (lock_timeout at most 1 s)',
      });
    }
    const lockTimeoutMs = options.production ? Math.min(options.lockTimeoutMs ?? 1_000, 1_000) : options.lockTimeoutMs;
    return rehearseRollbacks(options.db, files.filter(rehearse), { projectDir: options.projectDir, lockTimeoutMs });
  }
  const shadow = await openDb('pglite://memory');
  try {
    return await rehearseRollbacks(shadow, files, { projectDir: options.projectDir, lockTimeoutMs: options.lockTimeoutMs, rehearse });
  } finally {
    await shadow.close();
  }
}
