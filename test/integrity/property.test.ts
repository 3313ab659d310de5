import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { compareSnapshots } from '../../src/integrity/compare.js';
import { takeSnapshot } from '../../src/integrity/snapshot.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

/**
 * Random tables (key types int, text, uuid, composite, none), random inserts and deletes:
 * with stored keys compare reports a loss exactly when a before-row is gone; without keys it
 * never reports a loss that did not happen, and catches every loss that did not also grow the table.
 */
let target: TestDatabase;
let db: Db;
let run = 0;

beforeAll(async () => {
  target = await createTestDatabase('integrity_prop');
  db = await openDb(target.url);
});
afterAll(async () => {
  await db?.close();
});

const KEY_KINDS = ['int', 'text', 'uuid', 'composite', 'none'] as const;
type KeyKind = (typeof KEY_KINDS)[number];

function ddl(table: string, kind: KeyKind): string {
  switch (kind) {
    case 'int':
      return `CREATE TABLE ${table} (k bigint PRIMARY KEY, v int)`;
    case 'text':
      return `CREATE TABLE ${table} (k text PRIMARY KEY, v int)`;
    case 'uuid':
      return `CREATE TABLE ${table} (k uuid PRIMARY KEY, v int)`;
    case 'composite':
      return `CREATE TABLE ${table} (a int, b text, v int, PRIMARY KEY (a, b))`;
    case 'none':
      return `CREATE TABLE ${table} (k int, v int)`;
  }
}

function row(kind: KeyKind, n: number): string {
  switch (kind) {
    case 'int':
      return `(${n}, ${n % 5})`;
    case 'text':
      return `('key-${n}', ${n % 5})`;
    case 'uuid':
      return `(md5('${n}')::uuid, ${n % 5})`;
    case 'composite':
      return `(${n % 3}, 'b${Math.floor(n / 3)}', ${n % 5})`;
    case 'none':
      return `(${n}, ${n % 5})`;
  }
}

const scenario = fc.record({
  kind: fc.constantFrom(...KEY_KINDS),
  initial: fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 25 }),
  deletes: fc.array(fc.nat(), { maxLength: 4 }),
  inserts: fc.uniqueArray(fc.integer({ min: 61, max: 120 }), { maxLength: 5 }),
  keys: fc.boolean(),
});

describe('compare reports a loss exactly when a before-row is gone', () => {
  it('holds for random tables, inserts and deletes', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ kind, initial, deletes, inserts, keys }) => {
        const schema = `p${++run}`;
        const table = `${schema}.t`;
        const values = initial.map((n) => row(kind, n));
        await target.sql(`CREATE SCHEMA ${schema}; ${ddl(table, kind)}; ${values.length ? `INSERT INTO ${table} VALUES ${values.join(', ')}` : ''}`);
        const before = await takeSnapshot(db, { schemas: [schema], keysUpTo: keys ? 1000 : 0 });
        // Delete rows picked by value among the initial ones.
        const doomed = [...new Set(deletes.filter(() => initial.length > 0).map((d) => initial[d % initial.length] ?? 0))];
        const where = (n: number) =>
          kind === 'composite' ? `a = ${n % 3} AND b = 'b${Math.floor(n / 3)}'` : kind === 'text' ? `k = 'key-${n}'` : kind === 'uuid' ? `k = md5('${n}')::uuid` : `k = ${n}`;
        const changes = [
          ...doomed.map((n) => `DELETE FROM ${table} WHERE ${where(n)};`),
          inserts.length ? `INSERT INTO ${table} VALUES ${inserts.map((n) => row(kind, n)).join(', ')};` : '',
        ].join(' ');
        if (changes.trim()) await target.sql(changes);
        const after = await takeSnapshot(db, { guide: before });
        const report = compareSnapshots(before, after);
        const lost = doomed.length > 0;
        const reported = report.verdict === 'fail';
        await target.sql(`DROP SCHEMA ${schema} CASCADE`);
        // Stored keys exist only for tables with a primary key; whole-row tables rely on the aggregate.
        const exact = keys && kind !== 'none';
        if (exact || inserts.length <= doomed.length) {
          expect(reported, JSON.stringify({ kind, initial, doomed, inserts, keys, item: report.items[0] })).toBe(lost);
        } else {
          // The table grew overall: the aggregate cannot prove a deletion; it must never invent one.
          if (reported) expect(lost).toBe(true);
        }
      }),
      { numRuns: 30, seed: Number(process.env.PRODGUARD_PROPERTY_SEED ?? Date.now() % 2 ** 31) },
    );
  });
});
