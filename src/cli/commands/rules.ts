import type { Command } from 'commander';
import { ExitCode } from '../../errors.js';
import { listRules } from '../../lint/docs.js';
import type { CliContext } from '../context.js';
import { addFormatOption } from '../options.js';

export function register(program: Command, cli: CliContext): void {
  const command = program.command('rules').description('list every lint rule: id, severity, safety level, summary');
  addFormatOption(command, ['text', 'json']);
  command
    .addHelpText(
      'after',
      `
Examples:
  $ prodguard rules
  $ prodguard rules --format json | jq '.[] | select(.severity == "error") | .id'
  $ prodguard explain ban-drop-column`,
    )
    .action((flags: { format?: string }) => {
      const format = cli.format(flags.format, ['text', 'json'] as const);
      const rows = listRules();
      if (format === 'json') {
        cli.io.out(`${JSON.stringify(rows, null, 2)}\n`);
      } else {
        const c = cli.io.colors();
        const width = Math.max(...rows.map((r) => r.id.length));
        for (const r of rows) {
          const severity = r.severity === 'error' ? c.red('error  ') : c.yellow('warning');
          cli.io.out(`${r.id.padEnd(width)}  ${severity}  ${r.level === null ? '-' : `L${r.level}`}  ${r.summary}\n`);
        }
        cli.io.out(`\n${rows.length} rules. Levels: L1 no change, L2 additive, L3 modifies or removes. Details: prodguard explain <id>\n`);
      }
      cli.exitCode = ExitCode.ok;
    });
}
