import path from 'node:path';
import type { Command } from 'commander';
import { parseDuration } from '../../config/schema.js';
import { ExitCode, UsageError } from '../../errors.js';
import { writeOutputFile } from '../files.js';
import { runDashboard, type TestDataAlert, watchTestData } from '../../testdata/monitor.js';
import { recommendations, renderSnapshot } from '../../testdata/render.js';
import { testDataSettings } from '../../testdata/settings.js';
import { testDataSummary } from '../../testdata/summary.js';
import type { CliContext } from '../context.js';
import { addFormatOption, addTargetOptions, type TargetOptions } from '../options.js';

interface SnapshotFlags extends TargetOptions {
  format?: string;
}

interface ExportFlags extends TargetOptions {
  output?: string;
}

interface WatchFlags extends TargetOptions {
  alertThreshold?: string;
  interval: string;
  maxStale?: string;
  keepGoing?: boolean;
  alertCommand?: string;
  iterations?: string;
}

interface DashboardFlags extends TargetOptions {
  interval: string;
  alertThreshold?: string;
  maxStale?: string;
}

export function register(program: Command, cli: CliContext): void {
  const monitor = program
    .command('monitor')
    .description('watch test data over time: snapshot, JSON export, alerting watch, live dashboard')
    .addHelpText(
      'after',
      `
Examples:
  $ prodguard monitor snapshot --env staging
  $ prodguard monitor export --output testdata.json
  $ prodguard monitor watch --alert-threshold 1000 --interval 30s --alert-command ./page-oncall.sh
  $ prodguard monitor dashboard --env staging`,
    );

  const snapshot = monitor.command('snapshot').description('totals, active vs cancelled, stale, estimated storage, hourly trend over 24 h');
  addTargetOptions(snapshot);
  addFormatOption(snapshot, ['text', 'json']);
  snapshot.addHelpText('after', `\nExamples:\n  $ prodguard monitor snapshot --env staging`).action(async (flags: SnapshotFlags) => {
    const format = cli.format(flags.format, ['text', 'json'] as const);
    const settings = testDataSettings((await cli.config()).config);
    const { db } = await cli.open(await cli.target(flags));
    const summary = await testDataSummary(db, settings);
    if (format === 'json') cli.io.out(`${JSON.stringify(summary, null, 2)}\n`);
    else {
      cli.io.out(renderSnapshot(summary, cli.io.colors()));
      for (const r of recommendations(summary)) cli.io.out(`  → ${r}\n`);
    }
    cli.exitCode = ExitCode.ok;
  });

  const exportCommand = monitor
    .command('export')
    .description('the snapshot as JSON, for automation (the shape of GET /api/testdata)')
    .option('--output <file>', 'write to this file (default: stdout)');
  addTargetOptions(exportCommand);
  exportCommand.addHelpText('after', `\nExamples:\n  $ prodguard monitor export --output testdata.json`).action(async (flags: ExportFlags) => {
    const settings = testDataSettings((await cli.config()).config);
    const { db } = await cli.open(await cli.target(flags));
    const json = `${JSON.stringify(await testDataSummary(db, settings), null, 2)}\n`;
    if (flags.output) {
      await writeOutputFile(path.resolve(cli.cwd, flags.output), json);
      cli.io.out(`wrote ${flags.output}\n`);
    } else {
      cli.io.out(json);
    }
    cli.exitCode = ExitCode.ok;
  });

  const watch = monitor
    .command('watch')
    .description('poll and alert: exit 1 when the total passes the threshold or stale rows appear')
    .option('--alert-threshold <n>', 'alert when there are more test rows than this')
    .option('--interval <duration>', 'time between polls', '30s')
    .option('--max-stale <n>', 'stale rows allowed before alerting', '0')
    .option('--keep-going', 'keep polling after an alert or a failed poll (exit 1 at the end if any alert fired); an alert is raised again only when it changes')
    .option('--alert-command <cmd>', 'run this shell command on each alert, with the alert as JSON on stdin')
    .option('--iterations <n>', 'stop after this many polls');
  addTargetOptions(watch);
  watch
    .addHelpText(
      'after',
      `
Examples:
  $ prodguard monitor watch --alert-threshold 1000 --interval 30s
  $ prodguard monitor watch --max-stale 0 --keep-going --alert-command 'curl -d @- https://hooks.example/alert'`,
    )
    .action(async (flags: WatchFlags) => {
      const settings = testDataSettings((await cli.config()).config);
      const intervalMs = durationFlag(flags.interval, '--interval');
      const { db } = await cli.open(await cli.target(flags));
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      try {
        const result = await watchTestData(db, settings, {
          intervalMs,
          alertThreshold: count(flags.alertThreshold, '--alert-threshold'),
          maxStale: count(flags.maxStale, '--max-stale'),
          keepGoing: flags.keepGoing,
          alertCommand: flags.alertCommand,
          iterations: count(flags.iterations, '--iterations'),
          signal: stop.signal,
          onPoll: (summary, alert, raised) => {
            cli.io.out(`${summary.generatedAt}  total ${summary.total}  stale ${summary.stale}${alert ? '  ALERT' : ''}\n`);
            if (raised && alert) printAlert(cli, alert);
          },
          onError: (error) => cli.io.err(`warning: poll failed, watching on: ${error instanceof Error ? error.message : String(error)}\n`),
          onAlertCommand: (r) => {
            if (r.error || r.code !== 0) cli.io.err(`warning: --alert-command failed (${r.error ?? `exit ${r.code}`}) ${r.stderr.trim()}\n`);
          },
        });
        cli.exitCode = result.alerts > 0 ? ExitCode.failed : ExitCode.ok;
      } finally {
        process.off('SIGINT', onSignal);
      }
    });

  const dashboard = monitor
    .command('dashboard')
    .description('a live terminal view: counts, age histogram, trend sparkline, alerts, recommendations (q to quit)')
    .option('--interval <duration>', 'refresh interval', '5s')
    .option('--alert-threshold <n>', 'show an alert when there are more test rows than this')
    .option('--max-stale <n>', 'stale rows allowed before the alert shows', '0');
  addTargetOptions(dashboard);
  dashboard
    .addHelpText('after', `\nExamples:\n  $ prodguard monitor dashboard --env staging --interval 10s`)
    .action(async (flags: DashboardFlags) => {
      const settings = testDataSettings((await cli.config()).config);
      const intervalMs = durationFlag(flags.interval, '--interval');
      const { db } = await cli.open(await cli.target(flags));
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      // SIGTERM too (a terminal closing, a process manager): the screen is restored either way.
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await runDashboard(db, settings, {
          intervalMs,
          alertThreshold: count(flags.alertThreshold, '--alert-threshold'),
          maxStale: count(flags.maxStale, '--max-stale'),
          input: process.stdin,
          write: (text) => cli.io.out(text),
          signal: stop.signal,
        });
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
      cli.exitCode = ExitCode.ok;
    });
}

function durationFlag(value: string, flag: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms <= 0) throw new UsageError(`${flag} expects a duration such as 500ms, 30s, 5m (got "${value}")`);
  return ms;
}

function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${flag} expects a whole number (got "${value}")`);
  return n;
}

function printAlert(cli: CliContext, alert: TestDataAlert): void {
  for (const reason of alert.reasons) cli.io.out(`  ALERT: ${reason}\n`);
}
