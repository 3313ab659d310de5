/** Where each lint rule's documentation page lives, and reading it. */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BUILTIN_RULES } from './engine.js';
import { allRules } from './rules/index.js';
import type { Severity } from './types.js';

/** docs/ sits at the package root, two levels above both src/lint and dist/lint. */
export function ruleDocPath(id: string): string {
  return fileURLToPath(new URL(`../../docs/rules/${id}.md`, import.meta.url));
}

/** The Markdown page of a rule; undefined when the rule has none. Never throws. */
export function readRuleDoc(id: string): string | undefined {
  const file = ruleDocPath(id);
  if (!existsSync(file)) return undefined;
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

export interface RuleInfo {
  id: string;
  severity: Severity;
  /** Safety level; null for the engine's own rules (syntax errors, ignores). */
  level: number | null;
  summary: string;
  docs: string;
}

/** Every rule, the registered ones and the engine's own, sorted by id. */
export function listRules(): RuleInfo[] {
  return [
    ...allRules.map((r) => ({ id: r.id, severity: r.severity, level: r.level as number | null, summary: r.summary, docs: r.docsUrl })),
    ...BUILTIN_RULES.map((r) => ({ id: r.id, severity: r.severity, level: null, summary: r.summary, docs: `docs/rules/${r.id}.md` })),
  ].sort((a, b) => a.id.localeCompare(b.id));
}
