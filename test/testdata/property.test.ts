import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { cleanupTestData } from '../../src/testdata/cleanup.js';
import { testDataSettings } from '../../src/testdata/settings.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

/**
 * Random parent/child tables (a chain where each table references a random earlier one, the
 * first one also itself — with cycles: a row may reference itself or a later row), plus a table
 * outside testData.tables that references a random one of them, random ON DELETE actions, random
 * marked / unmarked / stale / young rows and random references. After cleanup exactly the rows that must stay are left: no unmarked row
 * is gone or changed, and every stale test row that nothing kept references is gone.
 */
let target: TestDatabase;
let db: Db;
let run = 0;

beforeAll(async () => {
  target = await createTestDatabase('td_prop');
  db = await openDb(target.url);
});
afterAll(async () => {
  await db?.close();
});

const ACTIONS = ['CASCADE', 'SET NULL', 'NO ACTION', 'RESTRICT'] as const;

const rowArb = fc.record({ test: fc.boolean(), stale: fc.boolean(), ref: fc.option(fc.nat(), { freq: 3 }) });
const tableArb = fc.record({
  parent: fc.nat(),
  onDelete: fc.constantFrom(...ACTIONS),
  rows: fc.array(rowArb, { maxLength: 12 }),
});
const caseArb = fc.record({
  tables: fc.array(tableArb, { minLength: 1, maxLength: 4 }),
  /** Rows of a table outside the config (real data) referencing one of the tables. */
  outside: fc.record({ parent: fc.nat(), onDelete: fc.constantFrom(...ACTIONS), refs: fc.array(fc.nat(), { maxLength: 4 }) }),
  batchSize: fc.integer({ min: 1, max: 5 }),
});

type Case = typeof caseArb extends fc.Arbitrary<infer C> ? C : never;

interface Row {
  table: number;
  id: number;
  test: boolean;
  stale: boolean;
  /** Referenced row: [table, id]. */
  ref: [number, number] | null;
}

function build(c: Case): { rows: Row[]; parents: number[]; outsideParent: number } {
  const rows: Row[] = [];
  const parents = c.tables.map((t, i) => (i === 0 ? 0 : t.parent % i));
  c.tables.forEach((t, i) => {
    t.rows.forEach((r, id) => {
      const parentTable = parents[i]!;
      // Table 0 references itself: any of its rows, so self-references and cycles occur.
      const candidates = c.tables[parentTable]?.rows.length ?? 0;
      const ref: [number, number] | null = r.ref !== null && candidates > 0 ? [parentTable, r.ref % candidates] : null;
      rows.push({ table: i, id, test: r.test, stale: r.stale, ref });
    });
  });
  // The outside table (index tables.length): real rows, each referencing a row of one table.
  const outsideParent = c.outside.parent % c.tables.length;
  const targets = c.tables[outsideParent]!.rows.length;
  c.outside.refs.forEach((ref, id) => {
    if (targets > 0) rows.push({ table: c.tables.length, id, test: false, stale: false, ref: [outsideParent, ref % targets] });
  });
  return { rows, parents, outsideParent };
}

/** The rows that must stay: not stale test rows, and everything a staying row references. */
function mustStay(rows: readonly Row[]): Set<string> {
  const key = (t: number, id: number) => `${t}:${id}`;
  const stay = new Set(rows.filter((r) => !(r.test && r.stale)).map((r) => key(r.table, r.id)));
  for (let changed = true; changed; ) {
    changed = false;
    for (const r of rows) {
      if (r.ref && stay.has(key(r.table, r.id)) && !stay.has(key(r.ref[0], r.ref[1]))) {
        stay.add(key(r.ref[0], r.ref[1]));
        changed = true;
      }
    }
  }
  return stay;
}

describe('cleanup property', () => {
  it('keeps every unmarked row and exactly what staying rows reference; deletes every other stale test row', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async (c) => {
        const schema = `p${run++}`;
        const { rows, parents, outsideParent } = build(c);
        const ddl = [`CREATE SCHEMA ${schema}`];
        c.tables.forEach((t, i) => {
          ddl.push(
            `CREATE TABLE ${schema}.t${i} (id int PRIMARY KEY, ref int REFERENCES ${schema}.t${parents[i]} ON DELETE ${t.onDelete},
               created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false)`,
          );
        });
        const n = c.tables.length;
        ddl.push(`CREATE TABLE ${schema}.t${n} (id int PRIMARY KEY, ref int REFERENCES ${schema}.t${outsideParent} ON DELETE ${c.outside.onDelete})`);
        for (const r of rows) {
          ddl.push(
            r.table === n
              ? `INSERT INTO ${schema}.t${n} VALUES (${r.id}, NULL)`
              : `INSERT INTO ${schema}.t${r.table} VALUES (${r.id}, NULL, now() - interval '${r.stale ? 48 : 1} hours', ${r.test})`,
          );
        }
        // References last: every row exists by then, so cycles can be written.
        for (const r of rows) if (r.ref) ddl.push(`UPDATE ${schema}.t${r.table} SET ref = ${r.ref[1]} WHERE id = ${r.id}`);
        await target.sql(ddl.join(';\n'));
        const settings = testDataSettings({ tables: c.tables.map((_, i) => `${schema}.t${i}`), batchSize: c.batchSize });
        await cleanupTestData(db, settings, { dryRun: false });

        const stay = mustStay(rows);
        for (let i = 0; i <= c.tables.length; i++) {
          const left = await target.sql<{ id: number; ref: number | null }>(`SELECT id, ref FROM ${schema}.t${i} ORDER BY id`);
          const expected = rows.filter((r) => r.table === i && stay.has(`${i}:${r.id}`));
          expect(left.map((r) => r.id)).toEqual(expected.map((r) => r.id));
          // Nothing that stays was changed by a cascade (SET NULL) either.
          expect(left.map((r) => r.ref)).toEqual(expected.map((r) => (r.ref ? r.ref[1] : null)));
        }
        await target.sql(`DROP SCHEMA ${schema} CASCADE`);
      }),
      { numRuns: 40 },
    );
  });
});
