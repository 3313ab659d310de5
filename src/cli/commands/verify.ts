import type { Command } from 'commander';
import { parseDuration } from '../../config/duration.js';
import type { ResolvedTarget } from '../../config/target.js';
import type { Db } from '../../db/types.js';
import { ExitCode, isProdguardError, UsageError } from '../../errors.js';
import { secretsOfUrl } from '../../redact/secrets.js';
import { recordVerifyRun } from '../../verify/history.js';
import { redactStrings, substitutedSecrets } from '../../verify/secrets.js';
import { urlsOf } from '../../verify/kinds/index.js';
import { renderVerifyGithub, renderVerifyJson, renderVerifyJunit, renderVerifyText } from '../../verify/render.js';
import { runVerify, type VerifyReport } from '../../verify/run.js';
import type { CliContext } from '../context.js';
import { addFailOnOption, addFormatOption, addReportOption, addTargetOptions, type TargetOptions } from '../options.js';
import { writeHtmlReport } from '../report-file.js';

interface VerifyFlags extends TargetOptions {
  format?: string;
  failOn: 'error' | 'warning';
  only?: string[];
  watch?: string;
  interval: string;
  rollbackAfter?: string;
  /** --record / --no-record; undefined: verify.record of the config (default false). */
  record?: boolean;
  report?: string;
}

const FORMATS = ['text', 'json', 'junit', 'github'] as const;

export function register(program: Command, cli: CliContext): void {
  const command = program
    .command('verify')
    .description('run the post-deploy checks of verify.checks (http, tcp, sql, redis, logs, command): PASS / WARN / FAIL')
    .option('--only <name...>', 'run only these checks')
    .option('--watch <duration>', 'repeat for this long (e.g. 1h); exit 1 as soon as a rollback trigger holds')
    .option('--interval <duration>', 'time between rounds under --watch', '30s')
    .option('--rollback-after <n>', 'rollback trigger: a check FAILs this many rounds in a row (default: verify.rollbackAfter, else 2)')
    .option('--record', 'record the run in prodguard.verify_runs of the environment database (default: verify.record, else off)')
    .option('--no-record', 'do not record the run, even when verify.record is true');
  addTargetOptions(command);
  addFormatOption(command, FORMATS);
  addFailOnOption(command);
  addReportOption(command);
  command
    .addHelpText(
      'after',
      `
A check that cannot be measured (timeout, refused connection, missing key, no rows) is an ERROR and
counts as FAIL. With --record (or verify.record: true) each run is recorded in prodguard.verify_runs
of the selected environment's database (a failure to record is a warning); by default verify writes
nothing. Exit codes: 0 PASS (or WARN without
--fail-on warning), 1 FAIL or a rollback trigger under --watch, 2 bad config (unknown check, bad
condition), 3 the database named by --db / --env cannot be reached.

Examples:
  $ prodguard verify
  $ prodguard verify --env production --format junit > verify.xml
  $ prodguard verify --only api-health circuit-breakers --fail-on warning
  $ prodguard verify --env production --watch 1h --interval 30s
  $ prodguard verify --env production --record
  $ prodguard verify --env staging --report verify.html`,
    )
    .action(async (flags: VerifyFlags) => {
      cli.exitCode = await verify(cli, flags);
    });
}

async function verify(cli: CliContext, flags: VerifyFlags): Promise<number> {
  const format = cli.format(flags.format, FORMATS);
  const loaded = await cli.config();
  const target = await optionalTarget(cli, flags);
  let opened: Promise<Db> | undefined;
  const open = target ? () => (opened ??= cli.open(target).then((o) => o.db)) : undefined;
  // A database named on the command line must be reachable (exit 3); an implied one (DATABASE_URL,
  // the first environment) is opened only when a check or the recording needs it.
  if (open && (flags.db || flags.env)) await open();
  const verifyConfig = loaded.config.verify;
  const checks = verifyConfig?.checks ?? [];
  if (checks.length === 0) {
    throw new UsageError('no checks to run', { code: 'PRODGUARD_NO_CHECKS', hint: 'declare verify.checks in prodguard.config.* (see docs/verify.md)' });
  }
  for (const check of checks) for (const url of urlsOf(check)) cli.io.addSecrets(secretsOfUrl(url));
  cli.io.addSecrets(substitutedSecrets(cli.io.env, verifyConfig));
  const environment = target?.environment?.name ?? flags.env ?? null;
  // Opt-in: verify only reads the environment unless asked to keep a history there.
  const recording = flags.record ?? verifyConfig?.record ?? false;
  const rounds: VerifyReport[] = [];
  const run = async () => {
    // The report is scrubbed of every known secret before it is printed, recorded or written.
    const report = redactStrings(await runVerify({ checks, only: flags.only, db: open, environment, cwd: loaded.dir }), cli.io.redact);
    if (flags.report) {
      // Rewritten after every --watch round, so the file is current when the watch stops.
      rounds.push(report);
      const { verifyReportView } = await import('../../html/views.js');
      await writeHtmlReport(cli, flags.report, { title: `prodguard verify${environment ? ` ${environment}` : ''}`, views: { verify: verifyReportView(rounds) } });
    }
    return report;
  };

  const watchMs = flags.watch === undefined ? undefined : durationFlag('--watch', flags.watch);
  if (watchMs === undefined) {
    const report = await run();
    await record(cli, recording, open, report);
    cli.io.out(render(report, format, cli));
    return verdictExit(report, flags.failOn);
  }

  const intervalMs = durationFlag('--interval', flags.interval);
  const rollbackAfter = flags.rollbackAfter === undefined ? verifyConfig?.rollbackAfter ?? 2 : positiveInt('--rollback-after', flags.rollbackAfter);
  const deadline = Date.now() + watchMs;
  const inARow = new Map<string, number>();
  for (let round = 1; ; round++) {
    const report = await run();
    await record(cli, recording, open, report);
    if (format === 'text') cli.io.out(cli.io.colors().bold(`round ${round} at ${report.startedAt}\n`));
    // Under --watch, JSON is one line per round (NDJSON), so a consumer can read rounds as they come.
    cli.io.out(format === 'json' ? `${JSON.stringify(report)}\n` : render(report, format, cli));
    for (const check of report.checks) inARow.set(check.name, check.status === 'fail' ? (inARow.get(check.name) ?? 0) + 1 : 0);
    const tripped = [...inARow].filter(([, n]) => n >= rollbackAfter).map(([name]) => name);
    if (tripped.length > 0) {
      cli.io.err(`rollback trigger: ${tripped.join(', ')} failed ${rollbackAfter} time${rollbackAfter === 1 ? '' : 's'} in a row\n`);
      return ExitCode.failed;
    }
    // The period is over: the last round decides, as a single run would.
    if (Date.now() + intervalMs > deadline) return verdictExit(report, flags.failOn);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function verdictExit(report: VerifyReport, failOn: 'error' | 'warning'): number {
  if (report.verdict === 'fail') return ExitCode.failed;
  return report.verdict === 'warn' && failOn === 'warning' ? ExitCode.failed : ExitCode.ok;
}

/** The environment database, when one is selected or configured; verify runs without one too. */
async function optionalTarget(cli: CliContext, flags: VerifyFlags): Promise<ResolvedTarget | undefined> {
  try {
    return await cli.target(flags);
  } catch (error) {
    if (isProdguardError(error) && error.code === 'PRODGUARD_NO_DATABASE') return undefined;
    throw error;
  }
}

async function record(cli: CliContext, enabled: boolean, open: (() => Promise<Db>) | undefined, report: VerifyReport): Promise<void> {
  if (!enabled || !open) return;
  try {
    await recordVerifyRun(await open(), report);
  } catch (error) {
    cli.io.err(`warning: could not record the run in prodguard.verify_runs: ${error instanceof Error ? error.message : String(error)}\n`);
  }
}

function render(report: VerifyReport, format: (typeof FORMATS)[number], cli: CliContext): string {
  if (format === 'json') return renderVerifyJson(report);
  if (format === 'junit') return renderVerifyJunit(report);
  if (format === 'github') return renderVerifyGithub(report);
  return renderVerifyText(report, cli.io.colors());
}

function durationFlag(name: string, value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new UsageError(`${name}: expected a duration such as 30s, 5m or 1h (got "${value}")`);
  return ms;
}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name}: expected a positive whole number (got "${value}")`);
  return n;
}
