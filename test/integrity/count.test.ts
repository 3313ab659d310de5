import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { compareSnapshots } from '../../src/integrity/compare.js';
import { countFrom, measure } from '../../src/integrity/fingerprint.js';
import { takeSnapshot } from '../../src/integrity/snapshot.js';
import type { FingerprintSpec } from '../../src/integrity/types.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

/**
 * The fingerprint takes its row count from sum(h) / avg(h) (one shared aggregate state) instead of
 * a count(*) beside the sum. These tests hold it to count(*) on real PostgreSQL and on PGlite,
 * including the sets it cannot count that way (a sum of zero), which must fall back, not guess.
 */
let target: TestDatabase;
let pg: Db;
let lite: Db;

beforeAll(async () => {
  target = await createTestDatabase('integrity_count');
  pg = await openDb(target.url);
  lite = await openDb('pglite://memory');
});
afterAll(async () => {
  await pg?.close();
  await lite?.close();
});

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });

/** sum and avg of a literal set of int8 values, computed by the server. */
async function sumAvg(db: Db, values: bigint[]): Promise<{ s: string | null; a: string | null; n: number }> {
  const list = values.length === 0 ? 'SELECT NULL::int8 AS h WHERE false' : `SELECT unnest($1::int8[]) AS h`;
  const { rows } = await db.query<{ s: string | null; a: string | null; n: string }>(
    `SELECT sum(h)::text AS s, avg(h)::text AS a, count(h) AS n FROM (${list}) q`,
    values.length === 0 ? [] : [values.map(String)],
  );
  const row = rows[0];
  if (!row) throw new Error('no row');
  return { s: row.s, a: row.a, n: Number(row.n) };
}

describe('countFrom (row count from sum and avg)', () => {
  it('equals count(*) for random sets of 64-bit values on PostgreSQL', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(int64, { maxLength: 300 }), async (values) => {
        const { s, a, n } = await sumAvg(pg, values);
        const count = countFrom(s, a);
        // Either the exact count, or "unknown" (only when the sum is zero): never a wrong number.
        if (count === undefined) expect(s).toBe('0');
        else expect(count).toBe(n);
      }),
      { numRuns: 150 },
    );
  });

  it('is exact for large counts, small and extreme averages', async () => {
    const { rows } = await pg.query<{ s: string; a: string; n: string }>(
      `SELECT sum(h)::text AS s, avg(h)::text AS a, count(*) AS n FROM (
         SELECT hashint8extended(g, 0) AS h FROM generate_series(1, 2000000) g) q`,
    );
    expect(countFrom(rows[0]!.s, rows[0]!.a)).toBe(2_000_000);
    for (const values of [[1n], [-1n], [1n, 1n, 1n], [2n ** 63n - 1n, 2n ** 63n - 1n], [-(2n ** 63n), 1n], [7n, -6n, 0n, 0n]]) {
      const { s, a, n } = await sumAvg(pg, values);
      expect(countFrom(s, a)).toBe(n);
    }
  });

  it('says unknown for a zero sum, an empty set is 0, and inconsistent input is rejected', async () => {
    const zero = await sumAvg(pg, [5n, -5n, 0n]);
    expect(zero.s).toBe('0');
    expect(countFrom(zero.s, zero.a)).toBeUndefined();
    const empty = await sumAvg(pg, []);
    expect(countFrom(empty.s, empty.a)).toBe(0);
    expect(countFrom('100', '33.3333333333333333')).toBe(3);
    expect(countFrom('100', '33.3333333333333334')).toBe(3); // within one unit of the last digit
    expect(countFrom('100', '33.3333333333333300')).toBeUndefined(); // 100/3 does not give that
    expect(countFrom('100', '33.3')).toBeUndefined(); // too few digits to be sure of n
    expect(countFrom('100', '-50')).toBeUndefined();
    expect(countFrom('100', null)).toBeUndefined();
    expect(countFrom('1.5', '0.5')).toBeUndefined();
  });

  it('agrees with PGlite', async () => {
    for (const values of [[3n, 9n, -4n], [2n ** 62n, 2n ** 62n, 5n], [-(2n ** 63n)]]) {
      const { s, a, n } = await sumAvg(lite, values);
      expect(countFrom(s, a)).toBe(n);
    }
  });
});

describe('measure falls back to count(*) where sum / avg cannot count', () => {
  const spec: FingerprintSpec = { method: 'primary-key', columns: ['k'], hashes: ['int8'] };

  // 64-bit hashes that sum to exactly zero cannot be searched for, so this session resolves
  // hashint8extended to an identity function placed before pg_catalog on its search_path: keys
  // 5, -5, 7, -7 then "hash" to themselves and sum to zero, in the whole set and in a bucket.
  it('counts a set and a bucket whose hash sum is zero', async () => {
    await pg.exec(`CREATE SCHEMA zs;
      CREATE FUNCTION zs.hashint8extended(bigint, bigint) RETURNS bigint LANGUAGE sql IMMUTABLE AS 'SELECT $1';
      CREATE TABLE zs.zero_sum (k bigint PRIMARY KEY);
      INSERT INTO zs.zero_sum VALUES (5), (-5), (7), (-7), (8);`);
    await pg.transaction(async (tx) => {
      await tx.exec('SET LOCAL search_path = zs, pg_catalog');
      const all = await measure(tx, { from: 'zs.zero_sum', where: 'k <> 8', spec }, { buckets: 0, keysUpTo: 0 });
      expect(all).toMatchObject({ rows: 4, sum: '0' });
      // Buckets of 2: 5, -5, 7, -7 land in bucket 1 (sum 0), 8 in bucket 0.
      const split = await measure(tx, { from: 'zs.zero_sum', spec }, { buckets: 2, keysUpTo: 0 });
      expect(split.buckets).toEqual([
        [1, '8'],
        [4, '0'],
      ]);
      expect(split.rows).toBe(5);
    });
  });
});

describe('a key that is no longer the primary key', () => {
  it('counts rows whose key became NULL, as count(*) would', async () => {
    await pg.exec(`CREATE TABLE nk (id bigint PRIMARY KEY, v int); INSERT INTO nk SELECT g, g FROM generate_series(1, 100) g;`);
    const before = await takeSnapshot(pg, { include: ['nk'] });
    expect(before.tables[0]).toMatchObject({ rows: 100, fingerprint: { method: 'primary-key', columns: ['id'] } });
    // The migration drops the primary key and lets NULL ids in.
    await pg.exec(`ALTER TABLE nk DROP CONSTRAINT nk_pkey, ALTER COLUMN id DROP NOT NULL; INSERT INTO nk VALUES (NULL, 0), (NULL, 0);`);
    const after = await takeSnapshot(pg, { guide: before });
    // The guide's key (id) is used again: both NULL-id rows count, and add nothing to the sum.
    expect(after.tables[0]).toMatchObject({ rows: 102, sum: before.tables[0]!.sum });
    const report = compareSnapshots(before, after);
    expect(report.items.find((i) => i.id === 'public.nk')).toMatchObject({ verdict: 'grew' });
  });
});
