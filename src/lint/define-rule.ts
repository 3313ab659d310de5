import type { Rule, RuleDefinition } from './types.js';

/** Where a rule's documentation lives, relative to the package root. */
export function ruleDocPath(id: string): string {
  return `docs/rules/${id}.md`;
}

/**
 * Declares a lint rule. The id must be kebab-case and equal to the rule's file name and docs page.
 *
 * @example
 * export default defineRule({
 *   id: 'ban-drop-table', severity: 'error', level: 3,
 *   summary: 'DROP TABLE deletes the table and all its rows.',
 *   on: ['DropStmt'],
 *   check(ctx) { if (ctx.statement.kind === 'DropStmt') ctx.report({ message: '…', help: '…' }); },
 * });
 */
export function defineRule(definition: Omit<RuleDefinition, 'docsUrl'> & { docsUrl?: string }): Rule {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(definition.id)) {
    throw new Error(`rule id must be kebab-case: ${definition.id}`);
  }
  return Object.freeze({ ...definition, docsUrl: definition.docsUrl ?? ruleDocPath(definition.id) });
}
