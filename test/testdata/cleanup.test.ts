import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { ConnectionError, RefusedError } from '../../src/errors.js';
import { markIdentity } from '../../src/identity/environment.js';
import { cleanupTestData } from '../../src/testdata/cleanup.js';
import { readCleanupLog } from '../../src/testdata/log.js';
import { testDataSettings } from '../../src/testdata/settings.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let target: TestDatabase;
let db: Db;

const settings = testDataSettings({ tables: ['users', 'bookings', 'payments'], batchSize: 3 });

/**
 * users ← bookings (ON DELETE CASCADE) ← payments (ON DELETE SET NULL), plus `notes`, a table
 * outside testData.tables that references users (NO ACTION).
 */
async function schema(): Promise<void> {
  await target.sql(`
    DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS prodguard CASCADE;
    CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), is_test_data boolean NOT NULL DEFAULT false);
    CREATE TABLE bookings (id bigint PRIMARY KEY, user_id bigint REFERENCES users ON DELETE CASCADE,
      created_at timestamptz NOT NULL DEFAULT now(), is_test_data boolean NOT NULL DEFAULT false);
    CREATE TABLE payments (id text PRIMARY KEY, booking_id bigint REFERENCES bookings ON DELETE SET NULL,
      created_at timestamptz NOT NULL DEFAULT now(), is_test_data boolean NOT NULL DEFAULT false);
    CREATE TABLE notes (id int PRIMARY KEY, user_id bigint REFERENCES users);
    CREATE INDEX ON users (id) WHERE is_test_data;
    CREATE INDEX ON bookings (user_id);
    CREATE INDEX ON payments (booking_id);
    CREATE INDEX ON notes (user_id);
  `);
}

async function ids(table: string): Promise<string[]> {
  return (await target.sql<{ k: string }>(`SELECT id::text AS k FROM ${table} ORDER BY id`)).map((r) => r.k);
}

beforeAll(async () => {
  target = await createTestDatabase('td_cleanup');
  db = await openDb(target.url);
});
afterAll(async () => {
  await db?.close();
});
beforeEach(schema);

describe('testdata cleanup', () => {
  it('is a dry run by default: reports, deletes nothing, creates nothing, logs the dry run once the log exists', async () => {
    await target.sql(`INSERT INTO users SELECT g, now() - interval '2 days', true FROM generate_series(1, 5) g`);
    const first = await cleanupTestData(db, settings);
    expect(first.warnings).toEqual(['the dry run was not recorded: prodguard.cleanup_log does not exist or this role cannot write it']);
    expect(await readCleanupLog(db)).toEqual([]);
    await cleanupTestData(db, settings, { dryRun: false, olderThanHours: 1000 });  // creates the log, deletes nothing
    const plan = await cleanupTestData(db, settings);
    expect(plan.dryRun).toBe(true);
    expect(plan.warnings).toEqual([]);
    expect(plan.wouldDelete).toBe(5);
    expect(plan.deleted).toBe(0);
    expect(await ids('users')).toHaveLength(5);
    const log = await readCleanupLog(db);
    expect(log[0]).toMatchObject({ dryRun: true, status: 'dry-run', counted: { 'public.users': 5 } });
  });

  it('deletes stale test rows children first and keeps young ones and real ones', async () => {
    await target.sql(`
      INSERT INTO users VALUES (1, now() - interval '2 days', true), (2, now() - interval '2 days', false), (3, now(), true);
      INSERT INTO bookings VALUES (10, 1, now() - interval '2 days', true), (11, 3, now() - interval '2 days', true);
      INSERT INTO payments VALUES ('p1', 10, now() - interval '2 days', true);
    `);
    const result = await cleanupTestData(db, settings, { dryRun: false });
    expect(result.tables.map((t) => t.table)).toEqual(['public.payments', 'public.bookings', 'public.users']);
    expect(await ids('users')).toEqual(['2', '3']);
    expect(await ids('bookings')).toEqual([]);
    expect(await ids('payments')).toEqual([]);
    expect(result.deleted).toBe(4);
    const log = await readCleanupLog(db);
    expect(log[0]).toMatchObject({ dryRun: false, status: 'completed', deletedTotal: 4 });
    expect(log[0]!.who).toMatch(/@/);
  });

  it('never deletes a test row a real row references, through CASCADE, SET NULL or a table outside the config', async () => {
    await target.sql(`
      INSERT INTO users VALUES (1, now() - interval '2 days', true), (2, now() - interval '2 days', true), (3, now() - interval '2 days', true);
      INSERT INTO bookings VALUES (10, 1, now() - interval '2 days', false);            -- real booking of test user 1 (CASCADE)
      INSERT INTO bookings VALUES (11, 2, now() - interval '2 days', true);             -- stale test booking ...
      INSERT INTO payments VALUES ('real-pay', 11, now() - interval '2 days', false);   -- ... paid by a real payment (SET NULL)
      INSERT INTO notes VALUES (1, 3);                                                 -- unmanaged table
    `);
    const plan = await cleanupTestData(db, settings);
    const blocked = plan.tables.flatMap((t) => t.blockedRows);
    expect(blocked).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ table: 'public.users', key: '1', referencedBy: expect.objectContaining({ table: 'public.bookings', key: '10', isTestRow: false }) }),
        expect.objectContaining({ table: 'public.bookings', key: '11', referencedBy: expect.objectContaining({ table: 'public.payments', key: 'real-pay' }) }),
        expect.objectContaining({ table: 'public.users', key: '2', referencedBy: expect.objectContaining({ table: 'public.bookings', key: '11', isTestRow: true }) }),
        expect.objectContaining({ table: 'public.users', key: '3', referencedBy: expect.objectContaining({ table: 'public.notes', key: '1' }) }),
      ]),
    );
    expect(plan.wouldDelete).toBe(0);
    const done = await cleanupTestData(db, settings, { dryRun: false });
    expect(done.deleted).toBe(0);
    expect(await ids('users')).toEqual(['1', '2', '3']);
    expect(await target.sql(`SELECT id, booking_id FROM payments`)).toEqual([{ id: 'real-pay', booking_id: '11' }]);
    expect(await ids('bookings')).toEqual(['10', '11']);
  });

  it('a row flipped from test to real between listing and deleting survives', async () => {
    await target.sql(`INSERT INTO users SELECT g, now() - interval '2 days', true FROM generate_series(1, 9) g`);
    const result = await cleanupTestData(db, settings, {
      dryRun: false,
      batchSize: 5,
      beforeDelete: async (_table, keys) => {
        if (keys.includes('4')) await target.sql(`UPDATE users SET is_test_data = false WHERE id = 4`);
      },
    });
    expect(await ids('users')).toEqual(['4']);
    expect(result.deleted).toBe(8);
  });

  it('refuses to delete on a database marked production unless allowOnProduction', async () => {
    await target.sql(`INSERT INTO users VALUES (1, now() - interval '2 days', true)`);
    await markIdentity(db, { kind: 'production', name: 'prod' });
    await expect(cleanupTestData(db, settings, { dryRun: false })).rejects.toBeInstanceOf(RefusedError);
    expect(await ids('users')).toEqual(['1']);
    // A dry run is allowed: it changes nothing.
    expect((await cleanupTestData(db, settings)).wouldDelete).toBe(1);
    const allowed = await cleanupTestData(db, { ...settings, allowOnProduction: true }, { dryRun: false });
    expect(allowed.deleted).toBe(1);
  });

  it('a batch that keeps hitting lock_timeout is rolled back, retried, then skipped and reported', async () => {
    await target.sql(`INSERT INTO users SELECT g, now() - interval '2 days', true FROM generate_series(1, 6) g`);
    const locker = new pg.Client({ connectionString: target.url });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('SELECT 1 FROM users WHERE id = 2 FOR UPDATE');
      const result = await cleanupTestData(db, settings, { dryRun: false, lockTimeoutMs: 50 });
      // Batches of 3: the first (1, 2, 3) waits on row 2 and is skipped whole; the second goes.
      expect(result.tables.find((t) => t.table === 'public.users')).toMatchObject({ skippedBatches: 1, deleted: 3 });
    } finally {
      await locker.query('ROLLBACK');
      await locker.end();
    }
    expect(await ids('users')).toEqual(['1', '2', '3']);
    expect((await cleanupTestData(db, settings, { dryRun: false })).deleted).toBe(3);
  });

  it('--limit and --older-than bound what is deleted', async () => {
    await target.sql(`INSERT INTO users SELECT g, now() - (g || ' hours')::interval, true FROM generate_series(1, 10) g`);
    const limited = await cleanupTestData(db, settings, { dryRun: false, olderThanHours: 5.5, limit: 2 });
    expect(limited.deleted).toBe(2);
    expect(await ids('users')).toEqual(['1', '2', '3', '4', '5', '8', '9', '10']);
    await cleanupTestData(db, settings, { dryRun: false, olderThanHours: 5.5 });
    expect(await ids('users')).toEqual(['1', '2', '3', '4', '5']);
  });

  it('a killed connection leaves no half-applied batch; a rerun finishes and the log shows both runs', async () => {
    await target.sql(`
      INSERT INTO users SELECT g, now() - interval '2 days', g % 2 = 0 FROM generate_series(1, 4000) g;
      INSERT INTO bookings SELECT g, g, now() - interval '2 days', g % 2 = 0 FROM generate_series(1, 4000) g;
    `);
    let batches = 0;
    const killer = new pg.Client({ connectionString: target.url });
    await killer.connect();
    let killed: Promise<void> | undefined;
    const first = cleanupTestData(db, { ...settings, batchSize: 100 }, {
      dryRun: false,
      lockTimeoutMs: 20_000,
      // Batch 7 waits on a row another session holds; the cleanup's backend is killed while it waits.
      beforeDelete: async (_table, keys) => {
        if (++batches !== 7) return;
        const locker = new pg.Client({ connectionString: target.url });
        await locker.connect();
        await locker.query('BEGIN');
        await locker.query(`SELECT 1 FROM bookings WHERE id = $1 FOR UPDATE`, [keys[50]]);
        killed = (async () => {
          for (let i = 0; i < 100; i++) {
            await new Promise((r) => setTimeout(r, 100));
            const { rows } = await killer.query(
              `SELECT pg_terminate_backend(pid) AS t FROM pg_stat_activity
                WHERE application_name = 'prodguard' AND datname = current_database() AND wait_event_type = 'Lock'`,
            );
            if (rows.length > 0) break;
          }
          await locker.query('ROLLBACK');
          await locker.end();
        })();
      },
    });
    await expect(first).rejects.toBeInstanceOf(ConnectionError);
    await killed;
    await killer.end();
    const remaining = await target.sql<{ id: string }>(`SELECT id::text AS id FROM bookings WHERE is_test_data ORDER BY id`);
    const deleted = 2000 - remaining.length;
    // Keyset order and whole batches: what is gone is a prefix of the keys, a multiple of the batch.
    expect(deleted % 100).toBe(0);
    expect(deleted).toBeGreaterThan(0);
    expect(Number(remaining[0]!.id)).toBe(deleted * 2 + 2);
    expect((await target.sql(`SELECT count(*)::int AS n FROM bookings WHERE NOT is_test_data`))[0]!.n).toBe(2000);

    const rerun = await cleanupTestData(db, { ...settings, batchSize: 100 }, { dryRun: false });
    expect(rerun.deleted).toBe(2000 - deleted + 2000);
    expect((await target.sql(`SELECT count(*)::int AS n FROM users WHERE is_test_data`))[0]!.n).toBe(0);
    expect((await target.sql(`SELECT count(*)::int AS n FROM users`))[0]!.n).toBe(2000);
    const log = await readCleanupLog(db);
    expect(log.slice(0, 2).map((l) => l.status)).toEqual(['completed', expect.stringMatching(/failed|running/)]);
    expect(log[1]!.runId).not.toBe(log[0]!.runId);
  });

  it('concurrent writers inserting and updating real rows during a large cleanup see no errors', async () => {
    await target.sql(`
      INSERT INTO users SELECT g, now() - interval '2 days', g % 3 = 0 FROM generate_series(1, 30000) g;
      INSERT INTO bookings SELECT g, g, now() - interval '2 days', g % 3 = 0 FROM generate_series(1, 30000) g;
    `);
    let done = false;
    const writers = [0, 1].map(async (w) => {
      const client = new pg.Client({ connectionString: target.url });
      await client.connect();
      const errors: unknown[] = [];
      let ops = 0;
      try {
        while (!done) {
          try {
            const id = 1_000_000 + w * 100_000 + ops;
            await client.query(`INSERT INTO users VALUES ($1, now(), false)`, [id]);
            await client.query(`INSERT INTO bookings VALUES ($1, $2, now(), false)`, [id, (ops % 9999) * 3 + 1]);
            await client.query(`UPDATE users SET created_at = created_at WHERE id = $1 AND NOT is_test_data`, [((ops * 7) % 30000) + 1]);
            ops++;
          } catch (error) {
            errors.push(error);
            ops++;
          }
        }
      } finally {
        await client.end();
      }
      return { errors, ops };
    });
    const result = await cleanupTestData(db, { ...settings, batchSize: 500 }, { dryRun: false });
    done = true;
    const outcomes = await Promise.all(writers);
    expect(outcomes.flatMap((o) => o.errors)).toEqual([]);
    expect(outcomes.every((o) => o.ops > 0)).toBe(true);
    expect(result.deleted).toBe(20000);
    expect((await target.sql(`SELECT count(*)::int AS n FROM users WHERE is_test_data`))[0]!.n).toBe(0);
    expect((await target.sql(`SELECT count(*)::int AS n FROM users WHERE NOT is_test_data`))[0]!.n).toBe(20000 + outcomes.reduce((a, o) => a + o.ops, 0));
  });
});
