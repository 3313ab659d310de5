import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../../src/lint/engine.js';
import { allRules } from '../../src/lint/rules/index.js';

/** Keeps rule files, registry, docs and tests in step, as typescript-eslint's meta-tests do. */
const root = path.resolve(import.meta.dirname, '../..');
const ruleFiles = readdirSync(path.join(root, 'src/lint/rules'))
  .filter((f) => f.endsWith('.ts') && f !== 'index.ts')
  .map((f) => f.replace(/\.ts$/, ''));

const REQUIRED_IDS = [
  'ban-drop-table',
  'ban-drop-column',
  'ban-drop-schema',
  'ban-truncate',
  'ban-drop-cascade',
  'ban-delete-without-where',
  'ban-update-without-where',
  'renaming-column',
  'renaming-table',
  'renaming-enum-value',
  'enum-value-removed',
  'changing-column-type',
  'set-not-null',
  'adding-required-column',
  'replacing-check-constraint',
  'concurrently-in-transaction',
  'alter-enum-add-value-in-transaction',
  'adding-volatile-default',
  'constraint-without-not-valid',
  'adding-unique-constraint',
  'create-index-not-concurrently',
  'drop-index-not-concurrently',
  'missing-lock-timeout',
];

describe('lint rule registry', () => {
  it('has every rule the issue names, with its default severity', () => {
    const ids = allRules.map((r) => r.id);
    for (const id of REQUIRED_IDS) expect(ids, id).toContain(id);
    const warnings = ['adding-volatile-default', 'constraint-without-not-valid', 'adding-unique-constraint', 'create-index-not-concurrently', 'drop-index-not-concurrently', 'missing-lock-timeout'];
    for (const rule of allRules) {
      if (REQUIRED_IDS.includes(rule.id)) expect(rule.severity, rule.id).toBe(warnings.includes(rule.id) ? 'warning' : 'error');
    }
  });

  it('lists every rule file exactly once, under the id of its file name', () => {
    expect(allRules.map((r) => r.id).sort()).toEqual([...ruleFiles].sort());
    expect(new Set(allRules.map((r) => r.id)).size).toBe(allRules.length);
  });

  it.each(ruleFiles)('%s has a docs page with the required sections and a test file', (id) => {
    const doc = path.join(root, 'docs/rules', `${id}.md`);
    expect(existsSync(doc), `docs/rules/${id}.md`).toBe(true);
    const text = readFileSync(doc, 'utf8');
    expect(text.startsWith(`# ${id}`)).toBe(true);
    for (const section of ['Problem', 'Why it hurts in production', 'The safe way']) expect(text, `${id}: ${section}`).toContain(section);
    expect(existsSync(path.join(root, 'test/lint/rules', `${id}.test.ts`)), `test/lint/rules/${id}.test.ts`).toBe(true);
  });

  it('every rule has a summary, a level and a docs link', () => {
    for (const rule of allRules) {
      expect(rule.summary.length, rule.id).toBeGreaterThan(10);
      expect([1, 2, 3]).toContain(rule.level);
      expect(rule.docsUrl).toBe(`docs/rules/${rule.id}.md`);
    }
  });

  it("the engine's own finding ids have docs too", () => {
    for (const rule of BUILTIN_RULES) expect(existsSync(path.join(root, 'docs/rules', `${rule.id}.md`)), rule.id).toBe(true);
  });
});
