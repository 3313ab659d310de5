import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { RefusedError } from '../../src/errors.js';
import { markIdentity, readIdentity } from '../../src/identity/environment.js';
import { createTestDatabase } from '../helpers/pg.js';

const adapters: [string, () => Promise<Db>][] = [
  ['postgres', async () => openDb((await createTestDatabase('identity')).url)],
  ['pglite', () => openDb('pglite://memory')],
];

describe.each(adapters)('environment identity on %s', (_kind, open) => {
  let db: Db;
  beforeAll(async () => {
    db = await open();
  });
  afterAll(() => db.close());

  it('an unmarked database has no identity, and reading creates nothing', async () => {
    expect(await readIdentity(db)).toBeUndefined();
    const { rows } = await db.query<{ present: boolean }>(`SELECT to_regclass('prodguard.environment') IS NOT NULL AS present`);
    expect(rows[0]?.present).toBe(false);
  });

  it('mark writes name, kind, marked_at and marked_by; show reads them back', async () => {
    const { identity, previous } = await markIdentity(db, { kind: 'staging', name: 'staging-eu', markedBy: 'ci@runner' });
    expect(previous).toBeUndefined();
    expect(identity).toMatchObject({ name: 'staging-eu', kind: 'staging', markedBy: 'ci@runner' });
    expect(identity.markedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await readIdentity(db)).toEqual(identity);
  });

  it('re-marking replaces the single row and reports the previous identity', async () => {
    const { previous } = await markIdentity(db, { kind: 'production', name: 'prod' });
    expect(previous?.name).toBe('staging-eu');
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM prodguard.environment');
    expect(rows[0]?.n).toBe(1);
  });

  it('a database marked production cannot be re-marked as anything else without force', async () => {
    await expect(markIdentity(db, { kind: 'test', name: 'test' })).rejects.toBeInstanceOf(RefusedError);
    expect((await readIdentity(db))?.kind).toBe('production');
    const forced = await markIdentity(db, { kind: 'test', name: 'test', force: true });
    expect(forced.identity.kind).toBe('test');
    expect(forced.previous?.kind).toBe('production');
  });

  it('the name defaults to the database name', async () => {
    const { identity } = await markIdentity(db, { kind: 'development' });
    const { rows } = await db.query<{ d: string }>('SELECT current_database() AS d');
    expect(identity.name).toBe(rows[0]?.d);
  });
});
