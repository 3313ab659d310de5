import fc from 'fast-check';
import { loadModule, parseSync, scanSync } from 'libpg-query';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadPgWasm, type PgWasm } from '../../src/migrations/pg-wasm.js';

// The binding reads libpg-query's internals (its WASM exports and result structs). These tests
// pin it to libpg-query's public answers, so an upgrade that changes the internals fails here.

let wasm: PgWasm;

beforeAll(async () => {
  await loadModule();
  wasm = await loadPgWasm();
});

/** libpg-query's own answer, in the binding's shape. */
function reference(sql: string): { tree?: unknown; message?: string; cursor?: number | undefined } {
  try {
    return { tree: parseSync(sql) };
  } catch (error) {
    const details = (error as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
    return { message: details?.message ?? (error as Error).message, cursor: details?.cursorPosition };
  }
}

function binding(sql: string): { tree?: unknown; message?: string; cursor?: number | undefined } {
  const result = wasm.parseJson(sql);
  return result.json !== undefined ? { tree: JSON.parse(result.json) } : { message: result.error.message, cursor: result.error.cursor };
}

function scanned(scan: (sql: string) => unknown, sql: string): unknown {
  try {
    return scan(sql);
  } catch (error) {
    return { threw: (error as Error).message };
  }
}

const SAMPLES = [
  'SELECT 1',
  'CREATE TABLE "Booking" (id bigint PRIMARY KEY, "title" text NOT NULL DEFAULT \'x\');\nALTER TABLE "Booking" DROP COLUMN "title";',
  'ALTER TABLE t ADD CONSTRAINT c CHECK (status IN (\'a\', \'b\')) NOT VALID; -- trailing comment',
  "CREATE FUNCTION f() RETURNS trigger AS $$ BEGIN NEW.x := 'é'; RETURN NEW; END $$ LANGUAGE plpgsql;",
  'CREATE TABLE "Ünïcødé" ("名前" text, emoji text DEFAULT \'😀\');',
  'SELECT * FROM',
  'ALTER TABLE `users` ADD COLUMN x int;',
  'CREATE TABLE {{ .Schema }}.t (id int);',
  "SELECT 'unterminated",
  'SELECT $tag$ body',
  '/* unterminated comment',
  'SELECT 1; SELECT 2;; SELECT 3',
  'BEGIN; CREATE INDEX CONCURRENTLY i ON t (a); COMMIT;',
  'CREATE TABLE t (a int);\n'.repeat(2000),
];

describe('pg-wasm binding', () => {
  it.each(SAMPLES.map((sql) => [sql.slice(0, 60), sql]))('parses %j exactly as parseSync', (_label, sql) => {
    expect(binding(sql)).toEqual(reference(sql));
  });

  it.each(SAMPLES.map((sql) => [sql.slice(0, 60), sql]))('scans %j exactly as scanSync', (_label, sql) => {
    expect(scanned((s) => wasm.scan(s), sql)).toEqual(scanned(scanSync, sql));
  });

  it('agrees with parseSync on random SQL-ish text, valid or not', () => {
    const pieces = ['SELECT', ' ', '1', ',', "'é'", '"Ä"', '(', ')', ';', 'FROM', 't', '--c\n', '/*', '*/', '$$', 'CREATE', 'TABLE', '😀', '\n'];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 30 }), (parts) => {
        const sql = parts.join('');
        expect(binding(sql)).toEqual(reference(sql));
      }),
      { numRuns: 300 },
    );
  });

  it('survives WASM memory growth (a large input after small ones)', () => {
    const big = `SELECT ${Array.from({ length: 200_000 }, (_, i) => `c${i}`).join(', ')} FROM t`;
    const result = wasm.parseJson(big);
    expect(result.json).toBeDefined();
    expect(binding('SELECT 1')).toEqual(reference('SELECT 1'));
  });
});
