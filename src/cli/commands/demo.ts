import os from 'node:os';
import type { Command } from 'commander';
import { type DemoResult, prepareDemoBackupDir, runDemo } from '../../deploy/demo.js';
import { formatMs, renderPhase, renderRollback } from '../../deploy/render.js';
import { ExitCode } from '../../errors.js';
import type { Colors } from '../../report/colors.js';
import type { CliContext } from '../context.js';
import { addFormatOption } from '../options.js';

interface DemoFlags {
  format?: string;
}

export function register(program: Command, cli: CliContext): void {
  const command = program
    .command('demo')
    .description('the guarded deploy of an example booking app on an embedded database: one safe migration deploys, three bad ones are stopped');
  addFormatOption(command, ['text', 'json']);
  command
    .addHelpText(
      'after',
      `
Needs no server and no config: the example's schema (examples/booking) is loaded into an embedded
PostgreSQL (PGlite) and each migration goes through every phase of prodguard deploy.

Exit codes: 0 the safe migration deployed and every bad one was stopped, 1 otherwise.

Examples:
  $ prodguard demo
  $ prodguard demo --format json`,
    )
    .action(async (flags: DemoFlags) => {
      cli.exitCode = await demoCommand(cli, flags);
    });
}

function summaryTable(result: DemoResult, c: Colors): string {
  const rows = result.scenarios.map((s) => [
    s.file,
    s.title,
    s.report.outcome === 'passed' ? 'deployed' : 'STOPPED',
    s.stoppedBy ?? '-',
    s.asExpected ? 'as expected' : 'NOT AS EXPECTED',
  ]);
  const header = ['migration', 'what it does', 'result', 'stopped by', ''];
  const widths = header.map((h, i) => Math.min(i === 3 ? 60 : 48, Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length))));
  const cell = (text: string, i: number) => (text.length > widths[i]! ? `${text.slice(0, widths[i]! - 1)}…` : text.padEnd(widths[i]!));
  const lines = [c.bold(header.map(cell).join('  '))];
  for (const row of rows) {
    const colored = row.map((text, i) => {
      const t = cell(text, i);
      if (i === 2) return text === 'deployed' ? c.green(t) : c.red(t);
      if (i === 4) return text === 'as expected' ? c.green(t) : c.red(c.bold(t));
      return t;
    });
    lines.push(colored.join('  '));
  }
  return `${lines.join('\n')}\n`;
}

async function demoCommand(cli: CliContext, flags: DemoFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  const c = cli.io.colors();
  const text = format === 'text';
  if (text) cli.io.out(`${c.bold('prodguard demo')}: the guarded deploy of examples/booking on an embedded PostgreSQL (PGlite): no server, no config\n`);
  const result = await runDemo({
    // The command's own environment decides the temp directory (TMPDIR), as for any other program.
    backupDir: prepareDemoBackupDir(cli.env['TMPDIR'] || os.tmpdir()),
    scenarioStarted: (scenario, index) => {
      if (text) cli.io.out(`\n${c.bold(`▶ ${index + 1}/4  ${scenario.file}`)}: ${scenario.title}\n`);
    },
    scenarioFinished: (s) => {
      if (!text) return;
      cli.io.out(renderRollback(s.report, c));
      cli.io.out(s.report.outcome === 'passed' ? c.green('  → deployed\n') : c.red(`  → STOPPED at ${s.stoppedBy}\n`));
    },
    hooks: {
      phaseFinished: (phase) => {
        if (text) cli.io.out(renderPhase(phase, c, 4));
      },
      output: (chunk) => {
        if (text) cli.io.out(chunk.replace(/^(?=.)/gm, '           │ '));
      },
    },
  });
  if (text) {
    cli.io.out(`\n${c.bold('Summary')}\n`);
    cli.io.out(summaryTable(result, c));
    const verdict = result.ok ? c.green('PASS') : c.red(c.bold('FAIL'));
    cli.io.out(`${verdict}: ${result.scenarios.filter((s) => s.asExpected).length}/${result.scenarios.length} as expected; demo finished in ${formatMs(result.totalMs)} (embedded database ready in ${formatMs(result.setupMs)}; ${formatMs(performance.now())} since the process started)\n`);
    cli.io.out(c.dim(`backups of this demo: ${result.backupDir} (replaced by the next demo)\n`));
  } else {
    cli.io.out(`${JSON.stringify(result, null, 2)}\n`);
  }
  return result.ok ? ExitCode.ok : ExitCode.failed;
}
