import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import { BUILTIN_RULES } from '../../lint/engine.js';
import { allRules } from '../../lint/rules/index.js';
import type { CliContext } from '../context.js';

/** docs/ sits at the package root, two levels above both src/cli/commands and dist/cli/commands. */
function docPath(id: string): string {
  return fileURLToPath(new URL(`../../../docs/rules/${id}.md`, import.meta.url));
}

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
      const known = [...allRules.map((r) => r.id), ...BUILTIN_RULES.map((r) => r.id)];
      if (!known.includes(id)) {
        const close = known.filter((k) => k.includes(id) || id.includes(k.split('-').slice(-1)[0] ?? '~')).slice(0, 5);
        throw new UsageError(`unknown rule "${id}"`, {
          code: 'PRODGUARD_UNKNOWN_RULE',
          hint: close.length > 0 ? `did you mean ${close.join(', ')}? (prodguard rules lists them all)` : 'prodguard rules lists every rule',
        });
      }
      const file = docPath(id);
      if (!existsSync(file)) throw new UsageError(`rule "${id}" has no documentation page at docs/rules/${id}.md`);
      cli.io.out(readFileSync(file, 'utf8'));
      cli.exitCode = ExitCode.ok;
    });
}
