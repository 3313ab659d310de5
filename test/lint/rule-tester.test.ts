import { describe, expect, it } from 'vitest';
import { defineRule } from '../../src/lint/define-rule.js';
import { ruleTester } from './rule-tester.js';

type Node = Record<string, unknown>;

const noDropTable = defineRule({
  id: 'test-no-drop-table',
  severity: 'error',
  level: 3,
  summary: 'test rule',
  check(ctx) {
    if (ctx.statement.kind !== 'DropStmt' || ctx.node?.['removeType'] !== 'OBJECT_TABLE') return;
    ctx.report({ message: 'DROP TABLE deletes every row', help: 'Keep the table.', fix: 'ALTER TABLE x RENAME TO x_old;' });
  },
});

const indexOnExisting = defineRule({
  id: 'test-index-existing',
  severity: 'warning',
  level: 2,
  summary: 'test rule',
  check(ctx) {
    if (ctx.statement.kind !== 'IndexStmt') return;
    const relation = ctx.node?.['relation'] as { relname: string; schemaname?: string; location: number };
    if (ctx.state.isNewTable({ schema: relation.schemaname, name: relation.relname })) return;
    if ((ctx.node as Node)['concurrent'] === true && !ctx.state.inTransaction) return;
    ctx.report({ message: 'locks writes', help: 'Use CONCURRENTLY.', location: relation.location });
  },
});

ruleTester(noDropTable, {
  valid: ['SELECT 1;', 'DROP INDEX i;', { code: 'DROP VIEW v;', pgVersion: 16 }],
  invalid: [
    { code: 'DROP TABLE users;', errors: [{ line: 1, column: 1, endColumn: 17, message: /every row/, fix: 'RENAME TO' }] },
    { code: 'SELECT 1;\n  DROP TABLE a;\nDROP TABLE b;', errors: [{ line: 2, column: 3 }, { line: 3, column: 1 }] },
  ],
});

ruleTester(indexOnExisting, {
  valid: [
    'CREATE TABLE t (a int); CREATE INDEX i ON t (a);',
    'CREATE INDEX CONCURRENTLY i ON t (a);',
    { code: 'CREATE TABLE "T" (a int);\nCREATE INDEX i ON public."T" (a);' },
  ],
  invalid: [
    { code: 'CREATE INDEX i ON users (a);', errors: [{ line: 1, column: 19, endColumn: 24, severity: 'warning' }] },
    { code: 'CREATE INDEX CONCURRENTLY i ON t (a);', transaction: 'per-file', errors: [{ column: 32 }] },
    { code: 'BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;', errors: [{ line: 2, column: 32 }] },
  ],
});

describe('ruleTester refuses misuse', () => {
  it('an invalid case without errors', () => {
    expect(() => ruleTester(noDropTable, { valid: [], invalid: [{ code: 'DROP TABLE a;', errors: [] }] })).toThrow(
      /lists no errors/,
    );
  });
  it('a duplicated valid case', () => {
    expect(() =>
      ruleTester(noDropTable, { valid: ['SELECT 1;', 'SELECT 1;'], invalid: [{ code: 'DROP TABLE a;', errors: [{}] }] }),
    ).toThrow(/duplicates/);
  });
  it('no invalid cases', () => {
    expect(() => ruleTester(noDropTable, { valid: ['SELECT 1;'], invalid: [] })).toThrow(/at least one invalid/);
  });
  it('a case without code', () => {
    expect(() => ruleTester(noDropTable, { valid: [''], invalid: [{ code: 'DROP TABLE a;', errors: [{}] }] })).toThrow(
      /no code/,
    );
  });
});
