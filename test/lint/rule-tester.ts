/**
 * ESLint-RuleTester-like helper for lint rules: registers one vitest case per valid and invalid
 * example and runs the real engine (parse once, state tracking, ignores) with ONLY the rule under
 * test enabled.
 *
 * @example
 * ruleTester(banDropTable, {
 *   valid: ['CREATE TABLE t (id int);', { code: 'CREATE TABLE t (id int); DROP TABLE t;' }],
 *   invalid: [{ code: 'DROP TABLE users;', errors: [{ line: 1, column: 1, message: /drops the table/ }] }],
 * });
 */
import { describe, expect, it } from 'vitest';
import { lintText } from '../../src/lint/engine.js';
import type { MigrationLayout, TransactionMode } from '../../src/migrations/types.js';
import type { Finding, Rule, Severity } from '../../src/lint/types.js';

export interface CaseOptions {
  code: string;
  /** Target PostgreSQL major version (engine default: 14). */
  pgVersion?: number;
  /** Whether the migration tool wraps the file in a transaction (default `none`, as psql runs a file). */
  transaction?: TransactionMode;
  /** Layout of the file (default `plain`). */
  layout?: MigrationLayout;
  /** Test name; default the code. */
  name?: string;
}

export type ValidCase = string | CaseOptions;

export interface ExpectedError {
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  /** A substring of the message, or a pattern it must match. */
  message?: RegExp | string;
  /** A substring of the help, or a pattern it must match. */
  help?: RegExp | string;
  severity?: Severity;
  /** A substring of the safe rewrite, or a pattern it must match; `null` when there must be none. */
  fix?: RegExp | string | null;
}

export interface InvalidCase extends CaseOptions {
  /** Every finding of the rule, in order (by line, then column). At least one. */
  errors: ExpectedError[];
}

export interface RuleTests {
  valid: ValidCase[];
  invalid: InvalidCase[];
}

function caseKey(item: CaseOptions): string {
  return JSON.stringify([item.code, item.pgVersion, item.transaction, item.layout]);
}

function describeFinding(finding: Finding): string {
  return `${finding.line}:${finding.column}-${finding.endLine}:${finding.endColumn} ${finding.rule} ${finding.message}`;
}

function matches(actual: string, expected: RegExp | string): boolean {
  return typeof expected === 'string' ? actual.includes(expected) : expected.test(actual);
}

function label(item: CaseOptions): string {
  const text = item.name ?? item.code.replace(/\s+/g, ' ').trim();
  const extras = [
    item.pgVersion === undefined ? undefined : `pg${item.pgVersion}`,
    item.transaction === undefined ? undefined : `transaction ${item.transaction}`,
    item.layout === undefined ? undefined : item.layout,
  ].filter((x) => x !== undefined);
  const short = text.length > 100 ? `${text.slice(0, 97)}...` : text;
  return extras.length === 0 ? short : `${short} [${extras.join(', ')}]`;
}

/** Checks the cases before any test runs, so a misused tester fails loudly instead of passing. */
function validate(rule: Rule, tests: RuleTests): { valid: CaseOptions[]; invalid: InvalidCase[] } {
  if (typeof rule !== 'object' || rule === null || typeof rule.id !== 'string' || typeof rule.check !== 'function') {
    throw new TypeError('ruleTester: the first argument must be a rule made with defineRule()');
  }
  if (!Array.isArray(tests.valid) || !Array.isArray(tests.invalid)) {
    throw new TypeError(`ruleTester(${rule.id}): give both \`valid\` and \`invalid\` arrays`);
  }
  if (tests.invalid.length === 0) {
    throw new TypeError(`ruleTester(${rule.id}): at least one invalid case is required (a rule that never fires is not tested)`);
  }
  const seen = new Set<string>();
  const valid = tests.valid.map((item, index): CaseOptions => {
    const options = typeof item === 'string' ? { code: item } : item;
    if (typeof options?.code !== 'string' || options.code.trim() === '') {
      throw new TypeError(`ruleTester(${rule.id}): valid[${index}] has no code`);
    }
    const key = caseKey(options);
    if (seen.has(key)) throw new TypeError(`ruleTester(${rule.id}): valid[${index}] duplicates an earlier case: ${options.code}`);
    seen.add(key);
    return options;
  });
  const invalid = tests.invalid.map((item, index): InvalidCase => {
    if (typeof item !== 'object' || item === null || typeof item.code !== 'string' || item.code.trim() === '') {
      throw new TypeError(`ruleTester(${rule.id}): invalid[${index}] has no code`);
    }
    if (!Array.isArray(item.errors) || item.errors.length === 0) {
      throw new TypeError(
        `ruleTester(${rule.id}): invalid[${index}] lists no errors; list every finding expected (e.g. errors: [{ line: 1, column: 1 }])`,
      );
    }
    const key = caseKey(item);
    if (seen.has(key)) {
      throw new TypeError(`ruleTester(${rule.id}): invalid[${index}] duplicates an earlier case: ${item.code}`);
    }
    seen.add(key);
    return item;
  });
  return { valid, invalid };
}

async function run(rule: Rule, item: CaseOptions): Promise<{ own: Finding[]; others: Finding[] }> {
  const result = await lintText(item.code, {
    rules: [rule],
    pgVersion: item.pgVersion,
    transaction: item.transaction ?? 'none',
    layout: item.layout,
    path: 'test.sql',
  });
  const own: Finding[] = [];
  const others: Finding[] = [];
  for (const finding of result.findings) (finding.rule === rule.id ? own : others).push(finding);
  return { own, others };
}

/** Registers `describe(rule.id)` with one `it` per case. */
export function ruleTester(rule: Rule, tests: RuleTests): void {
  const { valid, invalid } = validate(rule, tests);
  describe(rule.id, () => {
    describe('valid', () => {
      for (const item of valid) {
        it(label(item), async () => {
          const { own, others } = await run(rule, item);
          expect(others.map(describeFinding), 'the case itself must be valid SQL without other findings').toEqual([]);
          expect(own.map(describeFinding), `${rule.id} must not fire`).toEqual([]);
        });
      }
    });
    describe('invalid', () => {
      for (const item of invalid) {
        it(label(item), async () => {
          const { own, others } = await run(rule, item);
          expect(others.map(describeFinding), 'the case itself must be valid SQL without other findings').toEqual([]);
          expect(own.length, `expected ${item.errors.length} finding(s), got:\n${own.map(describeFinding).join('\n')}`).toBe(
            item.errors.length,
          );
          for (const [index, error] of item.errors.entries()) {
            const finding = own[index] as Finding;
            const where = `finding ${index + 1} (${describeFinding(finding)})`;
            if (error.line !== undefined) expect(finding.line, `${where}: line`).toBe(error.line);
            if (error.column !== undefined) expect(finding.column, `${where}: column`).toBe(error.column);
            if (error.endLine !== undefined) expect(finding.endLine, `${where}: endLine`).toBe(error.endLine);
            if (error.endColumn !== undefined) expect(finding.endColumn, `${where}: endColumn`).toBe(error.endColumn);
            if (error.severity !== undefined) expect(finding.severity, `${where}: severity`).toBe(error.severity);
            if (error.message !== undefined) {
              expect(matches(finding.message, error.message), `${where}: message ${String(error.message)}`).toBe(true);
            }
            if (error.help !== undefined) {
              expect(matches(finding.help, error.help), `${where}: help ${String(error.help)}`).toBe(true);
            }
            if (error.fix === null) expect(finding.fix, `${where}: fix`).toBeUndefined();
            else if (error.fix !== undefined) {
              expect(finding.fix !== undefined && matches(finding.fix, error.fix), `${where}: fix ${String(error.fix)}`).toBe(true);
            }
            if (finding.fix !== undefined) {
              // A suggested rewrite must be SQL the parser reads: names quoted where PostgreSQL needs it.
              const fix = await lintText(finding.fix, { rules: [], path: 'fix.sql' });
              expect(fix.findings.map(describeFinding), `${where}: the fix must parse`).toEqual([]);
            }
            expect(finding.message.length, `${where}: message must say what breaks`).toBeGreaterThan(0);
            expect(finding.help.length, `${where}: help must say what to do`).toBeGreaterThan(0);
          }
        });
      }
    });
  });
}
