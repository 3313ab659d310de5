import { rmSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTemplate, scratchDir, seedFromTemplate } from '../../src/db/pglite-template.js';
import { RefusedError } from '../../src/errors.js';
import { testData } from '../../src/testing/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const BOOKING_SCHEMA = `
  CREATE TABLE users (id bigserial PRIMARY KEY, email text NOT NULL, created_at timestamptz NOT NULL DEFAULT now(),
    is_test_data boolean NOT NULL DEFAULT false);
  CREATE TABLE appointments (id bigserial PRIMARY KEY, user_id bigint NOT NULL REFERENCES users ON DELETE CASCADE,
    starts_at timestamptz NOT NULL, created_at timestamptz NOT NULL DEFAULT now(), is_test_data boolean NOT NULL DEFAULT false);
  CREATE TABLE audit_log (id bigserial PRIMARY KEY, note text);
`;
const CONFIG = { tables: ['users', 'appointments'] };

let target: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  target = await createTestDatabase('testing_session');
  await target.sql(BOOKING_SCHEMA);
  await target.sql(`INSERT INTO users (email) VALUES ('real.customer@example.com')`);
  pool = new pg.Pool({ connectionString: target.url, max: 2 });
});
afterAll(() => pool?.end());

async function counts(): Promise<{ users: number; appointments: number; test: number }> {
  const [row] = await target.sql<{ users: number; appointments: number; test: number }>(
    `SELECT (SELECT count(*) FROM users)::int AS users, (SELECT count(*) FROM appointments)::int AS appointments,
            ((SELECT count(*) FROM users WHERE is_test_data) + (SELECT count(*) FROM appointments WHERE is_test_data))::int AS test`,
  );
  return row!;
}

describe('prodguard/testing session', () => {
  it('inserts marked rows, records them, and cleanup() deletes exactly those, children first', async () => {
    const session = await testData.session(pool, { config: CONFIG });
    const user = await session.insert<{ id: string; is_test_data: boolean }>('users', { email: 'test+1@example.com' });
    expect(user.is_test_data).toBe(true);
    await session.insert('appointments', { user_id: user.id, starts_at: '2030-01-01T10:00:00Z' });
    // A row the test did not create, marked or not, is not touched.
    await target.sql(`INSERT INTO users (email, is_test_data) VALUES ('someone-elses-test@example.com', true)`);
    expect(session.created.map((r) => r.table)).toEqual(['public.users', 'public.appointments']);
    const result = await session.cleanup();
    expect(result).toEqual({ deleted: 2, kept: [] });
    expect(await counts()).toEqual({ users: 2, appointments: 0, test: 1 });
    await target.sql(`DELETE FROM users WHERE email = 'someone-elses-test@example.com'`);
  });

  it('keeps (and reports) a test row that a real row references instead of cascading into it', async () => {
    const session = await testData.session(pool, { config: CONFIG });
    const user = await session.insert<{ id: string }>('users', { email: 'test+2@example.com' });
    await target.sql(`INSERT INTO appointments (user_id, starts_at) VALUES ($1, now())`, [user.id]);
    const result = await session.cleanup();
    expect(result.deleted).toBe(0);
    expect(result.kept).toEqual([{ table: 'public.users', key: String(user.id) }]);
    expect((await counts()).appointments).toBe(1);
    await target.sql(`DELETE FROM appointments; DELETE FROM users WHERE is_test_data`);
  });

  it('refuses a table without the marker column', async () => {
    const session = await testData.session(pool, { config: CONFIG });
    await expect(session.insert('audit_log', { note: 'x' })).rejects.toMatchObject({ code: 'PRODGUARD_NO_MARKER' });
    expect((await target.sql(`SELECT count(*)::int AS n FROM audit_log`))[0]!.n).toBe(0);
  });

  it('refuses a database marked production unless allowOnProduction', async () => {
    const prod = await createTestDatabase('testing_prod');
    await prod.sql(`${BOOKING_SCHEMA}
      CREATE SCHEMA prodguard;
      CREATE TABLE prodguard.environment (singleton boolean PRIMARY KEY DEFAULT true, name text NOT NULL, kind text NOT NULL,
        marked_at timestamptz NOT NULL DEFAULT now(), marked_by text NOT NULL);
      INSERT INTO prodguard.environment (name, kind, marked_by) VALUES ('production', 'production', 'ops@host');`);
    const client = new pg.Client({ connectionString: prod.url });
    await client.connect();
    try {
      await expect(testData.session(client, { config: CONFIG })).rejects.toBeInstanceOf(RefusedError);
      const allowed = await testData.session(client, { config: { ...CONFIG, allowOnProduction: true } });
      await allowed.insert('users', { email: 'probe@example.com' });
      expect((await allowed.cleanup()).deleted).toBe(1);
    } finally {
      await client.end();
    }
  });

  it('refuses to mark a row as anything but test data', async () => {
    const session = await testData.session(pool, { config: CONFIG });
    await expect(session.insert('users', { email: 'x@example.com', is_test_data: false })).rejects.toThrow(/always test data/);
  });

  it('works on a PGlite instance', async () => {
    const template = await ensureTemplate(async (dir) => void (await (await PGlite.create(dir)).close()));
    const dir = scratchDir();
    seedFromTemplate(template, dir);
    const lite = await PGlite.create(dir);
    try {
      await lite.exec(BOOKING_SCHEMA);
      const session = await testData.session(lite, { config: CONFIG });
      const user = await session.insert<{ id: number }>('users', { email: 'lite@example.com' });
      await session.insert('appointments', { user_id: user.id, starts_at: new Date('2030-01-01T10:00:00Z') });
      expect((await session.cleanup()).deleted).toBe(2);
      const left = await lite.query<{ n: number }>(`SELECT (SELECT count(*) FROM users) + (SELECT count(*) FROM appointments) AS n`);
      expect(Number(left.rows[0]!.n)).toBe(0);
    } finally {
      await lite.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
