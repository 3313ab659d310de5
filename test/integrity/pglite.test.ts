import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { compareSnapshots } from '../../src/integrity/compare.js';
import { takeSnapshot } from '../../src/integrity/snapshot.js';

// One PGlite instance for the whole file: starting one is slow on a small machine.
let db: Db;
beforeAll(async () => {
  db = await openDb('pglite://memory');
});
afterAll(async () => {
  await db?.close();
});

describe('snapshot and compare on PGlite', () => {
  it('fingerprints keys, runs with jobs=1, and catches a replaced row', async () => {
    await db.exec(`
      CREATE TABLE users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text, deleted_at timestamptz);
      INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 200) g;
      CREATE TABLE pairs (a int, b bigint, PRIMARY KEY (a, b));
      INSERT INTO pairs SELECT g % 4, g FROM generate_series(1, 100) g;`);
    const critical = [{ name: 'ActiveUsers', table: 'users', where: 'deleted_at IS NULL' }];
    const before = await takeSnapshot(db, { jobs: 4, buckets: 16, keysUpTo: 500, critical });
    expect(before.options.jobs).toBe(1);
    expect(before.tables.map((t) => [t.name, t.rows])).toEqual([
      ['pairs', 100],
      ['users', 200],
    ]);
    expect(before.critical[0]?.rows).toBe(200);

    const same = compareSnapshots(before, await takeSnapshot(db, { guide: before }));
    expect(same.verdict).toBe('pass');

    await db.exec(`DELETE FROM pairs WHERE a = 1 AND b = 1; INSERT INTO pairs VALUES (1, 1000);
                   UPDATE users SET deleted_at = now() WHERE email = 'u5';`);
    const report = compareSnapshots(before, await takeSnapshot(db, { guide: before }));
    expect(report.verdict).toBe('fail');
    const pairs = report.items.find((i) => i.id === 'public.pairs');
    expect(pairs).toMatchObject({ verdict: 'changed', missingKeys: ['(1,1)'] });
    expect(report.items.find((i) => i.id === 'ActiveUsers')).toMatchObject({ verdict: 'shrank', rowsAfter: 199 });
  });
});
