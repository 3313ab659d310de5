import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { cleanupTestData } from '../../src/testdata/cleanup.js';
import { testDataSettings } from '../../src/testdata/settings.js';
import { countTestRows, listTestRows, testDataSummary } from '../../src/testdata/summary.js';
import { auditRealChanges, verifyTestData } from '../../src/testdata/verify.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const SCHEMA = `
  CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, updated_at timestamptz,
    is_test_data boolean NOT NULL DEFAULT false);
  CREATE INDEX users_test ON users (id) WHERE is_test_data;
  CREATE TABLE bookings (id int PRIMARY KEY, user_id bigint REFERENCES users, status text, created_at timestamp NOT NULL,
    is_test_data boolean);
  -- ages (hours) of test users: 0.5, 2, 3, 10, 30, 200; real users: 5 (one updated just now)
  INSERT INTO users VALUES
    (1, now() - interval '30 minutes', NULL, true), (2, now() - interval '2 hours', NULL, true),
    (3, now() - interval '3 hours', NULL, true), (4, now() - interval '10 hours', NULL, true),
    (5, now() - interval '30 hours', NULL, true), (6, now() - interval '200 hours', NULL, true),
    (7, now() - interval '5 hours', now(), false), (8, now() - interval '10 minutes', NULL, false);
  INSERT INTO bookings VALUES
    (1, 1, 'active', now()::timestamp - interval '20 minutes', true), (2, 2, 'cancelled', now()::timestamp - interval '50 hours', true),
    (3, 7, 'active', now()::timestamp - interval '50 minutes', false), (4, 7, 'pending', now()::timestamp, true), (5, 8, 'active', now()::timestamp, NULL);
`;

const settings = testDataSettings({ tables: ['users', 'bookings', 'missing_table'], statusColumn: 'status' });

function shared(label: string, open: () => Promise<{ db: Db; setup(sql: string): Promise<void> }>) {
  describe(`test-data figures on ${label}`, () => {
    let db: Db;
    beforeAll(async () => {
      const opened = await open();
      db = opened.db;
      await opened.setup(SCHEMA);
    });

    it('summary: totals, age buckets, stale, oldest/newest, status, trend, storage, problems', async () => {
      const s = await testDataSummary(db, settings);
      expect(s.total).toBe(9);
      expect(s.stale).toBe(3);
      expect(s.buckets.map((b) => [b.label, b.count])).toEqual([
        ['< 1 h', 3],
        ['1–6 h', 2],
        ['6–24 h', 1],
        ['1–7 d', 2],
        ['> 7 d', 1],
      ]);
      expect(s.tables.find((t) => t.table === 'public.users')).toMatchObject({ total: 6, stale: 2, problem: null });
      expect(s.status).toEqual({ column: 'status', active: 1, cancelled: 1, other: 1 });
      expect(s.trend).toHaveLength(24);
      expect(s.trend.reduce((a, h) => a + h.count, 0)).toBe(6);
      expect(s.trend.at(-1)!.hour <= s.generatedAt).toBe(true);
      expect(Date.parse(s.oldest!)).toBeLessThan(Date.parse(s.newest!));
      expect(Date.now() - Date.parse(s.oldest!)).toBeGreaterThan(199 * 3_600_000);
      expect(s.storageBytes).toBeGreaterThan(9 * 28);
      expect(s.problems).toEqual(['table missing_table does not exist']);
      expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    });

    it('count and list', async () => {
      const count = await countTestRows(db, settings);
      expect(count.total).toBe(9);
      expect(count.tables.map((t) => [t.table, t.count])).toEqual([
        ['missing_table', 0],
        ['public.users', 6],
        ['public.bookings', 3],
      ]);
      const list = await listTestRows(db, settings, { olderThanHours: 24 });
      expect(list.rows.map((r) => `${r.table}:${r.key}`)).toEqual(['public.users:6', 'public.bookings:2', 'public.users:5']);
      expect(list.rows[0]!.ageHours).toBeCloseTo(200, 0);
      expect((await listTestRows(db, settings, { limit: 2 })).rows).toHaveLength(2);
    });

    it('verify: stale rows, NULL markers, missing index, missing table', async () => {
      const v = await verifyTestData(db, settings);
      expect(v).toMatchObject({ total: 9, stale: 3, markerNull: 1, cleanupRecommended: true, tablesWithoutIndex: ['public.bookings'] });
      expect(v.checks.map((c) => [c.title, c.status])).toEqual([
        ['missing_table', 'fail'],
        ['public.users', 'fail'],
        ['public.bookings', 'fail'],
      ]);
    });

    it('audit: real rows inserted or updated in the window', async () => {
      const a = await auditRealChanges(db, settings, { sinceMs: 3_600_000 });
      const users = a.tables.find((t) => t.table === 'public.users');
      expect(users).toMatchObject({ inserted: 1, updated: 1, problem: null });
      const bookings = a.tables.find((t) => t.table === 'public.bookings');
      expect(bookings).toMatchObject({ inserted: 2, updated: null });
    });

    it('cleanup runs here too and the summary follows', async () => {
      const done = await cleanupTestData(db, testDataSettings({ tables: ['users', 'bookings'] }), { dryRun: false });
      expect(done.deleted).toBe(3);
      const s = await testDataSummary(db, settings);
      expect(s.stale).toBe(0);
      expect(s.total).toBe(6);
    });
  });
}

let target: TestDatabase;
let pgDb: Db | undefined;
let liteDb: Db | undefined;
afterAll(async () => {
  await pgDb?.close();
  await liteDb?.close();
});

shared('PostgreSQL', async () => {
  target = await createTestDatabase('td_summary');
  pgDb = await openDb(target.url);
  return { db: pgDb, setup: async (sql) => void (await target.sql(sql)) };
});

shared('PGlite', async () => {
  liteDb = await openDb('pglite://memory');
  return { db: liteDb, setup: (sql) => liteDb!.exec(sql) };
});
