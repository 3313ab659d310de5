import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { LoadedConfig } from '../../config/load.js';
import { environmentKind, isProtected } from '../../config/target.js';
import { backupRunner } from '../../deploy/backup.js';
import type { PromotionEnvironment } from '../../deploy/gate.js';
import { commandMigrator } from '../../deploy/migrate.js';
import { resolveFailedRuns } from '../../deploy/ledger.js';
import { runDeploy } from '../../deploy/pipeline.js';
import { checkRunner, verifyRunner } from '../../deploy/runners.js';
import { formatMs, renderPhase, renderRollback, renderVerdict } from '../../deploy/render.js';
import { PHASES, type PhaseName, SKIPPABLE_PHASES } from '../../deploy/types.js';
import { RefusedError, UsageError } from '../../errors.js';
import { defaultMarkedBy, readIdentity } from '../../identity/environment.js';
import { discoverMigrations } from '../../migrations/discover.js';
import { secretsOfUrl } from '../../redact/secrets.js';
import type { CliContext } from '../context.js';
import { writeHtmlReport } from '../report-file.js';
import { addFormatOption } from '../options.js';
import { restoreCommandLine, shellQuote } from '../../report/shell.js';
import { collect } from './snapshot.js';
import { configuredMigrations } from './lint.js';

interface DeployFlags {
  env?: string;
  report?: string;
  skip: string[];
  reason: string[];
  dryRun?: boolean;
  autoRollback?: boolean;
  yes?: boolean;
  resolve?: boolean;
  migrations?: string;
  format?: string;
}

export function register(program: Command, cli: CliContext): void {
  const command = program
    .command('deploy')
    .description('the guarded deploy: preflight, promotion gate, lint, check, backup, snapshot, your migrate command, compare, verify, record')
    .argument('[command...]', 'the migrate command, after -- (default: config deploy.migrate)')
    .requiredOption('--env <name>', 'the environment to deploy to (from config, in promotion order)')
    .option('--report <file>', 'write the report to this file: JSON, or a self-contained HTML page when it ends in .html')
    .option('--skip <phase>', `skip a phase (repeatable; needs --reason): ${SKIPPABLE_PHASES.join(', ')}`, collect, [])
    .option('--reason <text>', 'why the phase is skipped (one per --skip, or one for all); recorded in the ledger', (v: string, prev: string[] = []) => [...prev, v], [])
    .option('--dry-run', 'run phases 1–6 (preflight … snapshot) and stop before the migrate')
    .option('--auto-rollback', 'restore the backup when a phase after the migrate fails, after confirming no new writes would be lost')
    .option('--yes', 'with --auto-rollback: restore even when the database was written to since the migrate')
    .option('--resolve', 'accept the database as a failed deploy left it (needs --reason): unblocks the environment without a restore')
    .option('--migrations <path>', 'migration files or directory (default: config "migrations")');
  addFormatOption(command, ['text', 'json']);
  command
    .addHelpText(
      'after',
      `
Phases, in order, stopping at the first failure: ${PHASES.join(', ')}.
The gate needs a passing deploy of the same migration set (hash of the pending files' contents) to the
environment before this one in promotion order, read from that environment's prodguard.runs.
After a failure past the migrate it prints ROLLBACK RECOMMENDED with the exact restore command, and the
environment takes no further deploy until that restore (or --resolve --reason TEXT) resolves the failure.

Exit codes: 0 deployed (or dry run passed), 1 a phase failed or the gate refused, 2 usage or config error,
3 a phase could not run (database unreachable, pg_dump or the migrate command missing).

Examples:
  $ prodguard deploy --env staging -- npx prisma migrate deploy
  $ prodguard deploy --env production --report deploy.json -- npx prisma migrate deploy
  $ prodguard deploy --env staging --report deploy.html -- npx prisma migrate deploy
  $ prodguard deploy --env test --dry-run
  $ prodguard deploy --env staging --resolve --reason "the deleted rows were test fixtures"
  $ prodguard deploy --env staging --skip verify --reason "health endpoint down for maintenance" -- dbmate up`,
    )
    .action(async (argv: string[], flags: DeployFlags) => {
      cli.exitCode = await deployCommand(cli, argv, flags);
    });
}

/** `--skip a --reason x --skip b --reason y`, or one reason for every skip. */
export function pairSkips(skips: readonly string[], reasons: readonly string[]): { phase: PhaseName; reason: string }[] {
  for (const phase of skips) {
    if (!SKIPPABLE_PHASES.includes(phase as PhaseName)) {
      throw new UsageError(`--skip ${phase}: not a phase that can be skipped`, { hint: `one of: ${SKIPPABLE_PHASES.join(', ')}` });
    }
  }
  if (skips.length === 0 && reasons.length > 0) throw new UsageError('--reason without --skip');
  if (skips.length > 0 && reasons.length === 0) {
    throw new UsageError(`--skip ${skips.join(', ')} needs --reason: a skipped phase is recorded with why`, {
      hint: `e.g. --skip ${skips[0]} --reason "why it is safe to skip"`,
    });
  }
  if (reasons.length !== 1 && reasons.length !== skips.length) {
    throw new UsageError(`${skips.length} --skip but ${reasons.length} --reason: give one reason per skip, or one for all`);
  }
  const blank = reasons.find((r) => r.trim() === '');
  if (blank !== undefined) throw new UsageError('--reason must say something');
  return skips.map((phase, i) => ({ phase: phase as PhaseName, reason: (reasons.length === 1 ? reasons[0] : reasons[i]) ?? '' }));
}

/** Environments in promotion order: `deploy.promotion`, else the order of `environments`. */
export function promotionOrder(loaded: LoadedConfig): PromotionEnvironment[] {
  const { environments, deploy } = loaded.config;
  const names = deploy?.promotion ?? environments.map((e) => e.name);
  return names.map((name) => {
    const environment = environments.find((e) => e.name === name);
    return { name, kind: environment ? environmentKind(environment) : undefined };
  });
}

/** `git rev-parse HEAD` in `cwd`, or null outside a repository or without git. */
export function gitCommit(cwd: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd, timeout: 5_000 }, (error, stdout) => resolve(error ? null : stdout.trim() || null));
  });
}

/** Who deploys: PRODGUARD_ACTOR, the CI's actor, else user@host. */
export function actorOf(env: NodeJS.ProcessEnv): string {
  return env.PRODGUARD_ACTOR || (env.GITHUB_ACTOR ? `${env.GITHUB_ACTOR} (GitHub Actions)` : '') || defaultMarkedBy();
}

async function deployCommand(cli: CliContext, argv: string[], flags: DeployFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  if (flags.resolve) return resolveCommand(cli, flags, format);
  const skips = pairSkips(flags.skip, flags.reason);
  if (flags.yes && !flags.autoRollback) throw new UsageError('--yes only applies with --auto-rollback');
  const loaded = await cli.config();
  const { config } = loaded;
  const command = argv.length > 0 ? argv : (config.deploy?.migrate ?? []);
  if (command.length === 0 && !flags.dryRun) {
    throw new UsageError('no migrate command', { hint: 'put it after --: prodguard deploy --env staging -- npx prisma migrate deploy (or set deploy.migrate in config)' });
  }
  const configured = configuredMigrations(loaded);
  const migrationsPath = flags.migrations ?? configured.path;
  if (!migrationsPath) throw new UsageError('no migrations to deploy', { hint: 'set "migrations" in prodguard.config or pass --migrations PATH' });
  const projectDir = loaded.dir;
  const discoveryCwd = flags.migrations ? cli.cwd : projectDir;
  const discovered = await discoverMigrations([migrationsPath], { cwd: discoveryCwd, layout: configured.layout, transaction: configured.transaction });
  // Paths relative to the project (config) directory, wherever prodguard runs from: the ledger
  // records them, so `--migrations .` run inside migrations/ must name the same files.
  const files = discovered.map((f) => ({ ...f, path: path.relative(projectDir, path.resolve(discoveryCwd, f.path)).split(path.sep).join('/') }));
  const envName = flags.env ?? '';
  const target = await cli.target({ env: envName });
  const environment = target.environment!;
  const deployConfig = config.deploy ?? { requireRollback: false };
  if (deployConfig.verifyRestoreTo) cli.io.addSecrets(secretsOfUrl(deployConfig.verifyRestoreTo));
  const { db } = await cli.open(target);
  const production = target.expectedKind === 'production' || isProtected(environment);
  const toolEnv = { ...process.env, ...cli.env };
  const backupDir = path.resolve(projectDir, config.backup.dir);

  const c = cli.io.colors();
  const text = format === 'text';
  if (text) cli.io.out(`${c.bold('prodguard deploy')} ${envName}${target.expectedKind ? ` (${target.expectedKind})` : ''} → ${db.displayUrl}${flags.dryRun ? c.yellow(' [dry run]') : ''}\n`);
  const report = await runDeploy({
    environment: { name: envName, kind: target.expectedKind, protected: production },
    promotion: promotionOrder(loaded),
    db,
    files,
    projectDir,
    migrator: command.length > 0 ? commandMigrator(command, { databaseUrl: target.url, cwd: cli.cwd, env: toolEnv }) : undefined,
    openEnvironment: async (name) => (await cli.open(await cli.target({ env: name }))).db,
    skips,
    dryRun: flags.dryRun ?? false,
    autoRollback: flags.autoRollback ?? false,
    yes: flags.yes ?? false,
    lint: { pgVersion: config.pgVersion, ruleSettings: config.lint.rules, templateValues: config.lint.templateValues },
    requireRollback: deployConfig.requireRollback,
    integrity: { critical: config.integrity.critical, expect: config.integrity.expect },
    backup: backupRunner({ db, url: target.url, dir: backupDir, critical: config.integrity.critical, verifyRestoreTo: deployConfig.verifyRestoreTo, env: toolEnv }),
    check: checkRunner({
      files,
      templateValues: config.lint.templateValues,
      rehearseRollbacks: deployConfig.requireRollback ? { projectDir } : undefined,
    }),
    verify: config.verify && config.verify.checks.length > 0 ? verifyRunner({ checks: config.verify.checks, cwd: projectDir }) : undefined,
    // Absolute: the command must work from wherever it is pasted.
    restoreCommand: (dumpPath, recordedProduction) => restoreCommandLine(path.resolve(cli.cwd, dumpPath), { env: envName }, recordedProduction),
    gitCommit: await gitCommit(cli.cwd),
    actor: actorOf(cli.env),
    longTransactionMs: config.preflight.longTransaction,
    redact: (t) => cli.io.redact(t),
    hooks: {
      phaseStarted: (phase) => {
        if (text && phase === 'migrate') cli.io.out(`  ${c.cyan('....')}  migrate    ${command.map(shellQuote).join(' ')} (DATABASE_URL = ${envName})\n`);
      },
      phaseFinished: (result) => {
        if (text) cli.io.out(renderPhase(result, c));
      },
      // The migrate command's own output: on stdout in text mode, stderr when stdout carries JSON.
      output: (chunk) => (text ? cli.io.out(chunk.replace(/^(?=.)/gm, '           │ ')) : cli.io.err(chunk)),
    },
  });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  if (flags.report?.toLowerCase().endsWith('.html')) {
    const { deployReportView } = await import('../../html/views.js');
    await writeHtmlReport(cli, flags.report, { title: `prodguard deploy ${envName}`, views: { deploys: deployReportView(report) } });
  } else if (flags.report) {
    writeFileSync(path.resolve(cli.cwd, flags.report), cli.io.redact(json));
  }
  if (text) {
    cli.io.out(renderRollback(report, c));
    cli.io.out(renderVerdict(report, c));
    if (flags.report) cli.io.out(c.dim(`report: ${flags.report} (${formatMs(report.durationMs)})\n`));
  } else {
    cli.io.out(json);
  }
  return report.exitCode;
}

/**
 * `deploy --env NAME --resolve --reason TEXT`: records that the team accepts the database as the
 * failed deploys left it. Their applied files stay applied; the environment is unblocked.
 */
async function resolveCommand(cli: CliContext, flags: DeployFlags, format: 'text' | 'json'): Promise<number> {
  if (flags.skip.length > 0 || flags.dryRun || flags.autoRollback) throw new UsageError('--resolve does not deploy: it takes only --env and --reason');
  const reason = flags.reason.length === 1 ? flags.reason[0]!.trim() : '';
  if (!reason) throw new UsageError('--resolve needs one --reason: why the database may stay as the failed deploy left it');
  const envName = flags.env ?? '';
  const target = await cli.target({ env: envName });
  const { db } = await cli.open(target);
  const identity = await readIdentity(db);
  if (identity?.name !== envName) {
    throw new RefusedError(`refusing to resolve: the database of "${envName}" is ${identity ? `marked "${identity.name}"` : 'not marked'}`, {
      hint: `check environment "${envName}"'s url`,
    });
  }
  const ids = await resolveFailedRuns(db, { restored: false, text: `acknowledged by ${actorOf(cli.env)}: ${reason}` });
  if (format === 'json') cli.io.out(`${JSON.stringify({ environment: envName, resolved: ids, reason }, null, 2)}\n`);
  else if (ids.length === 0) cli.io.out(`nothing to resolve on ${envName}: no failed deploy is waiting\n`);
  else cli.io.out(`resolved ${ids.map((id) => `run #${id}`).join(', ')} on ${envName} (${reason}); its applied files stay applied\n`);
  return 0;
}
