import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import { listRules, readRuleDoc } from '../../lint/docs.js';
import type { CliContext } from '../context.js';

export function register(program: Command, cli: CliContext): void {
  program
    .command('explain')
    .description("print a lint rule's documentation: the problem, why it hurts, the safe way")
    .argument('<rule-id>', 'a rule id, as listed by prodguard rules')
    .addHelpText(
      'after',
      `
Examples:
  $ prodguard explain set-not-null
  $ prodguard explain replacing-check-constraint`,
    )
    .action((id: string) => {
      const known = listRules().map((r) => r.id);
      if (!known.includes(id)) {
        const close = known.filter((k) => k.includes(id) || id.includes(k.split('-').slice(-1)[0] ?? '~')).slice(0, 5);
        throw new UsageError(`unknown rule "${id}"`, {
          code: 'PRODGUARD_UNKNOWN_RULE',
          hint: close.length > 0 ? `did you mean ${close.join(', ')}? (prodguard rules lists them all)` : 'prodguard rules lists every rule',
        });
      }
      const doc = readRuleDoc(id);
      if (doc === undefined) throw new UsageError(`rule "${id}" has no documentation page at docs/rules/${id}.md`);
      cli.io.out(doc);
      cli.exitCode = ExitCode.ok;
    });
}
