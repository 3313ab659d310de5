import type { Command } from 'commander';
import type { EnvironmentKind } from '../../config/schema.js';
import { ExitCode } from '../../errors.js';
import { runPreflight } from '../../preflight/preflight.js';
import { renderChecklist, renderSummaryLine } from '../../report/checks.js';
import type { CliContext } from '../context.js';
import { addFailOnOption, addFormatOption, addTargetOptions, kindOption, type TargetOptions } from '../options.js';

interface PreflightFlags extends TargetOptions {
  format?: string;
  failOn?: 'error' | 'warning' | undefined;
  expect?: EnvironmentKind;
}

export function register(program: Command, cli: CliContext): void {
  const command = program
    .command('preflight')
    .description('run the pre-flight safety checklist: reachability, server, user, identity, test-data readiness, stuck sessions')
    .addOption(kindOption('--expect <kind>', 'fail unless the database is marked as this kind'));
  addTargetOptions(command);
  addFormatOption(command, ['text', 'json']);
  addFailOnOption(command);
  command
    .addHelpText(
      'after',
      `
Exit codes: 0 all passed (or only warnings), 1 a check failed (or a warning under --fail-on warning),
2 usage or config error, 3 the database could not be reached.

Examples:
  $ prodguard preflight --db pglite://memory
  $ prodguard preflight --env staging
  $ prodguard preflight --db "$DATABASE_URL" --expect test --format json`,
    )
    .action(async (flags: PreflightFlags) => {
      cli.exitCode = await preflight(cli, flags);
    });
}

async function preflight(cli: CliContext, flags: PreflightFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  const target = await cli.target(flags);
  const { config } = await cli.config();
  const { db, connectMs } = await cli.open(target);
  const report = await runPreflight(db, {
    expected: {
      name: target.environment?.name,
      kind: flags.expect ?? target.expectedKind,
    },
    testData: config.testData,
    longTransactionMs: config.preflight.longTransaction,
    connectMs,
  });
  if (format === 'json') {
    cli.io.out(`${JSON.stringify({ command: 'preflight', environment: target.environment?.name ?? null, ...report }, null, 2)}\n`);
  } else {
    const c = cli.io.colors();
    const env = target.environment ? ` (environment ${target.environment.name})` : '';
    cli.io.out(`${c.bold('prodguard preflight')} ${report.target}${env}\n`);
    cli.io.out(renderChecklist(report.checks, c));
    cli.io.out(renderSummaryLine(report.summary, c));
  }
  if (report.verdict === 'fail') return ExitCode.failed;
  if (report.verdict === 'warn' && flags.failOn === 'warning') return ExitCode.failed;
  return ExitCode.ok;
}
