import fc from 'fast-check';
import { parseSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { valuesOfDefinition } from '../../src/check/catalog.js';
import { analyseStatement, type Question } from '../../src/check/questions.js';
import { checkExpressionText, usingExpressionText } from '../../src/check/sql-text.js';
import { ensureParser } from '../../src/migrations/parse.js';

beforeAll(() => ensureParser());

function analyse(sql: string) {
  const node = (parseSync(sql) as { stmts: { stmt: Record<string, unknown> }[] }).stmts[0]!.stmt;
  return analyseStatement(node, sql);
}

const literal = (v: string) => `'${v.replaceAll("'", "''")}'`;

describe('reading what a statement asks of the data', () => {
  it('cuts the CHECK expression out of the statement exactly, whatever the values hold (property)', () => {
    const value = fc.string({ minLength: 0, maxLength: 12 }).filter((v) => !v.includes('\u0000'));
    fc.assert(
      fc.property(fc.uniqueArray(value, { minLength: 1, maxLength: 6 }), fc.boolean(), (values, notValid) => {
        const expression = `kind IN (${values.map(literal).join(', ')})`;
        const sql = `ALTER TABLE "Items" ADD CONSTRAINT items_kind_check CHECK (${expression})${notValid ? ' NOT VALID' : ''}`;
        const q = analyse(sql).questions[0] as Extract<Question, { kind: 'check' }>;
        expect(q.expression).toBe(expression);
        expect(q.values).toEqual({ kind: values });
        expect(q.notValid).toBe(notValid);
        expect(q.table).toEqual({ name: 'Items' });
      }),
      { numRuns: 200 },
    );
  });

  it('reads allowed values back from pg_get_constraintdef text', () => {
    expect(valuesOfDefinition(`CHECK ((kind = ANY (ARRAY['a'::text, 'b''c'::text])))`)).toEqual({ kind: ['a', "b'c"] });
    expect(valuesOfDefinition(`CHECK (((status)::text = ANY ((ARRAY['x'::character varying, 'y'::character varying])::text[]))) NOT VALID`)).toEqual({
      status: ['x', 'y'],
    });
    expect(valuesOfDefinition('CHECK ((price > (0)::numeric))')).toBeUndefined();
  });

  it('USING and type texts of ALTER COLUMN TYPE, up to the next subcommand', () => {
    const sql = "ALTER TABLE t ALTER COLUMN a TYPE numeric(10, 2) USING round(a::numeric, 2), ALTER COLUMN b TYPE int USING b::int";
    const questions = analyse(sql).questions;
    expect(questions).toEqual([
      { kind: 'type-change', table: { name: 't' }, column: 'a', type: 'numeric(10, 2)', using: 'round(a::numeric, 2)' },
      { kind: 'type-change', table: { name: 't' }, column: 'b', type: 'int', using: 'b::int' },
    ]);
    expect(usingExpressionText('ALTER TABLE t ALTER a TYPE int', 0)).toBeUndefined();
    expect(checkExpressionText('ALTER TABLE t ADD UNIQUE (a)', 0)).toBeUndefined();
  });

  it('documented lock modes and statements that cannot run in a transaction', () => {
    expect(analyse('ALTER TABLE t ADD COLUMN c int').locks).toEqual([{ table: { name: 't' }, mode: 'AccessExclusiveLock', mayRewrite: false }]);
    expect(analyse('ALTER TABLE t VALIDATE CONSTRAINT c').locks[0]!.mode).toBe('ShareUpdateExclusiveLock');
    expect(analyse('ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (x) REFERENCES s.p (id) NOT VALID').locks).toEqual([
      { table: { name: 't' }, mode: 'ShareRowExclusiveLock', mayRewrite: false },
      { table: { schema: 's', name: 'p' }, mode: 'ShareRowExclusiveLock', mayRewrite: false },
    ]);
    expect(analyse('ALTER TABLE t ALTER COLUMN c TYPE bigint').locks[0]).toMatchObject({ mode: 'AccessExclusiveLock', mayRewrite: true });
    expect(analyse('CREATE INDEX i ON t (a)').locks[0]!.mode).toBe('ShareLock');
    // The lock table shared with the lint rule missing-lock-timeout (src/migrations/locks.ts).
    expect(analyse('ALTER TABLE t SET (fillfactor = 70)').locks[0]!.mode).toBe('ShareUpdateExclusiveLock');
    expect(analyse('ALTER TABLE t RESET (fillfactor)').locks[0]!.mode).toBe('ShareUpdateExclusiveLock');
    expect(analyse('ALTER TABLE t ENABLE ALWAYS TRIGGER trg').locks[0]!.mode).toBe('ShareRowExclusiveLock');
    expect(analyse('ALTER TABLE t ENABLE REPLICA TRIGGER trg').locks[0]!.mode).toBe('ShareRowExclusiveLock');
    expect(analyse('ALTER TABLE p DETACH PARTITION c FINALIZE').locks[0]!.mode).toBe('ShareUpdateExclusiveLock');
    expect(analyse('ALTER TABLE p DETACH PARTITION c CONCURRENTLY').locks[0]!.mode).toBe('ShareUpdateExclusiveLock');
    expect(analyse('ALTER TABLE p DETACH PARTITION c').locks[0]!.mode).toBe('AccessExclusiveLock');
    expect(analyse('CREATE INDEX CONCURRENTLY i ON t (a)').notInTransaction).toMatch(/CONCURRENTLY/);
    expect(analyse('DROP INDEX CONCURRENTLY i').notInTransaction).toMatch(/CONCURRENTLY/);
    expect(analyse('VACUUM t').notInTransaction).toMatch(/VACUUM/);
    expect(analyse('ANALYZE t').notInTransaction).toBeUndefined();
    expect(analyse('COMMIT').transactionControl).toBe(true);
    expect(analyse("UPDATE s.t SET a = 1").writes).toEqual([{ schema: 's', name: 't' }]);
  });

  it('unique keys of constraints and indexes, with expressions and partial predicates', () => {
    expect(analyse('ALTER TABLE t ADD PRIMARY KEY (a, "B")').questions).toEqual([
      { kind: 'unique', table: { name: 't' }, keys: ['"a"', '"B"'], labels: ['a', 'B'], primaryKey: true, name: undefined, nullsNotDistinct: false },
    ]);
    expect(analyse('CREATE UNIQUE INDEX u ON t (lower(email) DESC, org_id) WHERE deleted_at IS NULL').questions).toEqual([
      { kind: 'unique', table: { name: 't' }, keys: ['(lower(email))', '"org_id"'], labels: ['lower(email)', 'org_id'], primaryKey: false, where: 'deleted_at IS NULL', name: 'u', nullsNotDistinct: false },
    ]);
    expect(analyse('ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX u').questions).toEqual([]);
  });

  it('NOT NULL questions: SET NOT NULL, and ADD COLUMN NOT NULL only without a default', () => {
    expect(analyse('ALTER TABLE t ALTER COLUMN c SET NOT NULL').questions).toEqual([{ kind: 'not-null', table: { name: 't' }, column: 'c', via: 'set-not-null' }]);
    expect(analyse('ALTER TABLE t ADD COLUMN c int NOT NULL').questions).toEqual([{ kind: 'not-null', table: { name: 't' }, column: 'c', via: 'add-column' }]);
    expect(analyse('ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0').questions).toEqual([]);
    expect(analyse('ALTER TABLE t ADD COLUMN id bigserial PRIMARY KEY').questions.filter((q) => q.kind === 'not-null')).toEqual([]);
    expect(analyse('ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT NULL::int').questions).toEqual([{ kind: 'not-null', table: { name: 't' }, column: 'c', via: 'add-column' }]);
  });

  it('writes: DML anywhere in the tree; DO, CALL and SELECT fn() write unknown tables', () => {
    expect(analyse("WITH u AS (UPDATE a SET x = 1 RETURNING 1) INSERT INTO b SELECT * FROM u").writes).toEqual([{ name: 'b' }, { name: 'a' }]);
    expect(analyse('MERGE INTO m USING s ON m.id = s.id WHEN MATCHED THEN DELETE').writes).toEqual([{ name: 'm' }]);
    for (const sql of ['DO $$ BEGIN NULL; END $$', 'CALL p()', 'SELECT f()']) expect(analyse(sql).writesUnknown, sql).toBe(true);
    expect(analyse('SELECT 1 FROM t').writesUnknown).toBe(false);
  });
});
