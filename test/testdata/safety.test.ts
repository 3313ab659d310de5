/**
 * The reviewer's scenarios (issue 6): ways a cleanup of test rows could reach real rows, each
 * reproduced on real PostgreSQL. Every test here failed before its fix.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { cleanupTestData } from '../../src/testdata/cleanup.js';
import { markIdentity } from '../../src/identity/environment.js';
import { watchTestData } from '../../src/testdata/monitor.js';
import { testDataSettings } from '../../src/testdata/settings.js';
import { listTestRows, testDataSummary } from '../../src/testdata/summary.js';
import { auditRealChanges, verifyTestData } from '../../src/testdata/verify.js';
import { testData } from '../../src/testing/index.js';
import { runCli } from '../helpers/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from '../helpers/pg.js';

// A password of its own: the embedded test server checks passwords (scram), the CI server trusts.
const ROLE_PASSWORD = 'td-role-pw';

let target: TestDatabase;
let db: Db;

const STALE = `now() - interval '2 days'`;

beforeAll(async () => {
  target = await createTestDatabase('td_safety');
  db = await openDb(target.url);
});
afterAll(async () => {
  await db?.close();
});
beforeEach(async () => {
  await target.sql(`DROP SCHEMA public CASCADE; CREATE SCHEMA public; DROP SCHEMA IF EXISTS prodguard CASCADE;`);
});

/** A project directory whose prodguard.config.yaml is `yaml`. */
function project(yaml: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-tdsafety-'));
  writeFileSync(path.join(dir, 'prodguard.config.yaml'), yaml);
  return dir;
}

async function count(sql: string): Promise<number> {
  return (await target.sql<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`))[0]!.n;
}

describe('partitions and inheritance', () => {
  it('a foreign key into one partition (ON DELETE CASCADE) keeps the test row and the real row that references it', async () => {
    await target.sql(`
      CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false)
        PARTITION BY RANGE (id);
      CREATE TABLE users_low PARTITION OF users FOR VALUES FROM (0) TO (100);
      CREATE TABLE users_high PARTITION OF users FOR VALUES FROM (100) TO (1000);
      CREATE TABLE invoices (id int PRIMARY KEY, user_id bigint REFERENCES users_low (id) ON DELETE CASCADE);
      INSERT INTO users VALUES (1, ${STALE}, true), (2, ${STALE}, true), (150, ${STALE}, true), (3, ${STALE}, false);
      INSERT INTO invoices VALUES (7, 1);  -- a real invoice of test user 1
    `);
    const settings = testDataSettings({ tables: ['users'] });
    const plan = await cleanupTestData(db, settings);
    expect(plan.tables[0]).toMatchObject({ candidates: 3, blocked: 1, wouldDelete: 2 });
    expect(plan.tables[0]!.blockedRows[0]).toMatchObject({ key: '1', referencedBy: { table: 'public.invoices', key: '7', isTestRow: false } });
    const done = await cleanupTestData(db, settings, { dryRun: false });
    expect(done.deleted).toBe(2);
    expect(await count('invoices')).toBe(1);
    expect((await target.sql(`SELECT id::int FROM users ORDER BY id`)).map((r) => r.id)).toEqual([1, 3]);
  });

  it('a plain inheritance parent is cleaned with ONLY: rows of child tables and what references them stay', async () => {
    await target.sql(`
      CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
      CREATE TABLE vip_users (tier text) INHERITS (users);
      ALTER TABLE vip_users ADD PRIMARY KEY (id);
      CREATE TABLE perks (id int PRIMARY KEY, user_id bigint REFERENCES vip_users (id) ON DELETE CASCADE);
      INSERT INTO users VALUES (1, ${STALE}, true);
      INSERT INTO vip_users VALUES (2, ${STALE}, true, 'gold');
      INSERT INTO perks VALUES (9, 2);  -- a real perk of the (child-table) test user 2
    `);
    const settings = testDataSettings({ tables: ['users'] });
    const done = await cleanupTestData(db, settings, { dryRun: false });
    expect(done.deleted).toBe(1);
    expect(await count('perks')).toBe(1);
    expect(await count('vip_users')).toBe(1);
    expect(await count('ONLY users')).toBe(0);
  });
});

describe('delete triggers and rules', () => {
  const LEDGER_SCHEMA = `
    CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
    CREATE TABLE ledger (id int PRIMARY KEY, user_id bigint);
    CREATE FUNCTION drop_ledger() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN DELETE FROM ledger WHERE true; RETURN OLD; END $$;
    CREATE TRIGGER users_ledger AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION drop_ledger();
    INSERT INTO users VALUES (1, ${STALE}, true);
    INSERT INTO ledger VALUES (1, 500), (2, 501);  -- real bookkeeping rows
  `;

  it('a dry run lists an AFTER DELETE trigger; deleting refuses and the real ledger rows stay', async () => {
    await target.sql(LEDGER_SCHEMA);
    const settings = testDataSettings({ tables: ['users'] });
    const plan = await cleanupTestData(db, settings);
    expect(plan.triggers).toEqual([{ table: 'public.users', on: 'users', name: 'users_ledger', kind: 'trigger', allowed: false }]);
    await expect(cleanupTestData(db, settings, { dryRun: false })).rejects.toMatchObject({ code: 'PRODGUARD_DELETE_TRIGGERS' });
    expect(await count('ledger')).toBe(2);
    expect(await count('users')).toBe(1);
  });

  it('a trigger named in allowDeleteTriggers runs; a DELETE rule is reported and refused too', async () => {
    await target.sql(`${LEDGER_SCHEMA}
      CREATE TABLE archive (id bigint);
      CREATE RULE users_archive AS ON DELETE TO users DO ALSO INSERT INTO archive VALUES (OLD.id);
    `);
    const onlyTrigger = testDataSettings({ tables: ['users'], allowDeleteTriggers: ['users_ledger'] });
    await expect(cleanupTestData(db, onlyTrigger, { dryRun: false })).rejects.toThrow(/rule users_archive on users/);
    const both = testDataSettings({ tables: ['users'], allowDeleteTriggers: ['users_ledger', 'users_archive'] });
    expect((await cleanupTestData(db, both, { dryRun: false })).deleted).toBe(1);
    expect(await count('ledger')).toBe(0);
    expect(await count('archive')).toBe(1);
  });

  it('prodguard/testing cleanup() refuses the same trigger and deletes nothing', async () => {
    await target.sql(LEDGER_SCHEMA);
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      const session = await testData.session(client, { config: { tables: ['users'] } });
      await session.insert('users', { id: 2, created_at: new Date() });
      await expect(session.cleanup()).rejects.toMatchObject({ code: 'PRODGUARD_DELETE_TRIGGERS' });
      expect(await count('ledger')).toBe(2);
      expect(await count('users')).toBe(2);
    } finally {
      await client.end();
    }
  });
});

describe('row-level security', () => {
  it('a role that RLS hides referencing rows from cannot delete through them: the run fails closed', async () => {
    const role = `td_rls_${Math.random().toString(36).slice(2, 8)}`;
    await target.sql(`
      CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
      CREATE TABLE notes (id int PRIMARY KEY, user_id bigint REFERENCES users ON DELETE CASCADE, author text NOT NULL);
      INSERT INTO users VALUES (1, ${STALE}, true), (2, ${STALE}, true);
      INSERT INTO notes VALUES (1, 1, 'a real customer');
      ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
      CREATE POLICY own_notes ON notes USING (author = current_user);
      CREATE ROLE ${role} LOGIN PASSWORD '${ROLE_PASSWORD}';
      GRANT CREATE ON DATABASE ${target.name} TO ${role};
      GRANT USAGE ON SCHEMA public TO ${role};
      GRANT SELECT, DELETE ON users TO ${role};
      GRANT SELECT ON notes TO ${role};
    `);
    const url = new URL(target.url);
    url.username = role;
    url.password = ROLE_PASSWORD;
    const asRole = await openDb(url.toString());
    try {
      const settings = testDataSettings({ tables: ['users'] });
      await expect(cleanupTestData(asRole, settings)).rejects.toThrow(/row-level security/);
      await expect(cleanupTestData(asRole, settings, { dryRun: false })).rejects.toThrow(/row-level security/);
      expect(await count('notes')).toBe(1);
      expect(await count('users')).toBe(2);
      // The owner (not subject to the policy) sees the note and keeps user 1.
      const done = await cleanupTestData(db, settings, { dryRun: false });
      expect(done.deleted).toBe(1);
      expect(await count('notes')).toBe(1);
    } finally {
      await asRole.close();
      await target.sql(`DROP SCHEMA IF EXISTS prodguard CASCADE; DROP OWNED BY ${role}`);
      await adminQuery(`DROP ROLE ${role}`);
    }
  });
});

describe('session settings', () => {
  it('lock_timeout and row_security are set per batch (SET LOCAL): the pooled connection goes back unchanged', async () => {
    await target.sql(`
      CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
      CREATE TABLE notes (id int PRIMARY KEY, user_id bigint REFERENCES users);
      INSERT INTO users SELECT g, ${STALE}, true FROM generate_series(1, 10) g;
    `);
    const pooled = await openDb(target.url, { settings: { maxConnections: 1 } });
    try {
      const before = (await pooled.query<{ lt: string; rs: string }>(`SELECT current_setting('lock_timeout') lt, current_setting('row_security') rs`)).rows[0];
      const done = await cleanupTestData(pooled, testDataSettings({ tables: ['users'], batchSize: 3 }), { dryRun: false, lockTimeoutMs: 123 });
      expect(done.deleted).toBe(10);
      const after = (await pooled.query<{ lt: string; rs: string }>(`SELECT current_setting('lock_timeout') lt, current_setting('row_security') rs`)).rows[0];
      expect(after).toEqual(before);
      expect(after).toEqual({ lt: '5s', rs: 'on' });
    } finally {
      await pooled.close();
    }
  });
});

describe('a real row inserted while cleanup runs', () => {
  const SCHEMA = `
    CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), is_test_data boolean NOT NULL DEFAULT false);
    CREATE TABLE notes (id int PRIMARY KEY, user_id bigint REFERENCES users ON DELETE CASCADE);
  `;

  /**
   * Another session inserts a real note referencing test user `userId` and commits one second
   * after `run` started: the note must survive (the user is kept), whatever `run` deletes.
   */
  async function raceRealInsert(userId: number, run: () => Promise<unknown>): Promise<void> {
    const writer = new pg.Client({ connectionString: target.url });
    await writer.connect();
    try {
      await writer.query('BEGIN');
      await writer.query(`INSERT INTO notes VALUES (1, $1)`, [userId]);
      const running = run();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await writer.query('COMMIT');
      await running;
    } finally {
      await writer.end();
    }
    expect(await target.sql(`SELECT id, user_id::int FROM notes`)).toEqual([{ id: 1, user_id: userId }]);
    expect(await count(`users WHERE id = ${userId}`)).toBe(1);
  }

  it('testdata cleanup: the real note committed while the batch waits survives, its test user is kept', async () => {
    await target.sql(`${SCHEMA} INSERT INTO users VALUES (1, ${STALE}, true), (2, ${STALE}, true)`);
    await raceRealInsert(1, async () => {
      const done = await cleanupTestData(db, testDataSettings({ tables: ['users'] }), { dryRun: false, lockTimeoutMs: 5000 });
      expect(done.deleted).toBe(1);
    });
    expect(await count('users')).toBe(1);
  });

  it('prodguard/testing cleanup() on a pool: the real note committed while it waits survives, its test user is kept', async () => {
    await target.sql(SCHEMA);
    const pool = new pg.Pool({ connectionString: target.url, max: 3 });
    try {
      const session = await testData.session(pool, { config: { tables: ['users'], lockTimeout: 5000 } });
      await session.insert('users', { id: 1 });
      await session.insert('users', { id: 2 });
      await raceRealInsert(1, async () => {
        const result = await session.cleanup();
        expect(result).toEqual({ deleted: 1, kept: [{ table: 'public.users', key: '1' }] });
      });
      expect(await count('users')).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('prodguard/testing cleanup() as a role that RLS hides the referencing row from fails closed', async () => {
    const role = `td_rls_${Math.random().toString(36).slice(2, 8)}`;
    await target.sql(`${SCHEMA}
      ALTER TABLE notes ADD COLUMN author text NOT NULL DEFAULT 'a real customer';
      ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
      CREATE POLICY own_notes ON notes USING (author = current_user);
      CREATE ROLE ${role} LOGIN PASSWORD '${ROLE_PASSWORD}';
      GRANT USAGE ON SCHEMA public TO ${role};
      GRANT SELECT, INSERT, UPDATE, DELETE ON users TO ${role};  -- UPDATE: the FOR UPDATE row locks
      GRANT SELECT ON notes TO ${role};
    `);
    const url = new URL(target.url);
    url.username = role;
    url.password = ROLE_PASSWORD;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    try {
      const session = await testData.session(client, { config: { tables: ['users'] } });
      await session.insert('users', { id: 1 });
      await target.sql(`INSERT INTO notes (id, user_id) VALUES (1, 1)`);
      await expect(session.cleanup()).rejects.toThrow(/row-level security/);
      expect(await count('notes')).toBe(1);
      expect(await count('users')).toBe(1);
    } finally {
      await client.end();
      await target.sql(`DROP OWNED BY ${role}`);
      await adminQuery(`DROP ROLE ${role}`);
    }
  });
});

describe('timestamp without time zone', () => {
  it('a created_at written in UTC is aged in UTC, not in the session TimeZone (Asia/Tokyo)', async () => {
    await target.sql(`
      CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamp NOT NULL DEFAULT (now() AT TIME ZONE 'UTC'),
        is_test_data boolean NOT NULL DEFAULT false);
      INSERT INTO users (id, is_test_data) VALUES (1, true);                                                     -- fresh
      INSERT INTO users VALUES (2, (now() AT TIME ZONE 'UTC') - interval '30 hours', true);                      -- stale
    `);
    const tokyo = await openDb(`${target.url}?options=${encodeURIComponent('-c TimeZone=Asia/Tokyo')}`);
    try {
      expect((await tokyo.query<{ tz: string }>(`SELECT current_setting('TimeZone') AS tz`)).rows[0]!.tz).toBe('Asia/Tokyo');
      const settings = testDataSettings({ tables: ['users'], retentionHours: 6 });
      const summary = await testDataSummary(tokyo, settings);
      expect(summary.buckets[0]).toMatchObject({ label: '< 1 h', count: 1 });
      expect(summary.stale).toBe(1);
      expect((await verifyTestData(tokyo, settings)).stale).toBe(1);
      const done = await cleanupTestData(tokyo, settings, { dryRun: false });
      expect(done.deleted).toBe(1);
      expect((await target.sql(`SELECT id::int FROM users`)).map((r) => r.id)).toEqual([1]);
      // A zone of the team's choosing: rows written in Tokyo time are 9 h younger than in UTC.
      await target.sql(`UPDATE users SET created_at = (now() AT TIME ZONE 'Asia/Tokyo') - interval '7 hours'`);
      expect((await cleanupTestData(tokyo, { ...settings, createdAtTimeZone: 'Asia/Tokyo' })).wouldDelete).toBe(1);
      expect((await cleanupTestData(tokyo, settings)).wouldDelete).toBe(0);
    } finally {
      await tokyo.close();
    }
  });
});

describe('cycles', () => {
  const SELF = `
    CREATE TABLE users (id bigint PRIMARY KEY, parent_id bigint REFERENCES users ON DELETE CASCADE,
      created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
    INSERT INTO users (id, created_at, is_test_data) SELECT g, ${STALE}, g <> 32 FROM unnest(ARRAY[5, 10, 11, 30, 31, 32]) g;
    UPDATE users SET parent_id = CASE id WHEN 5 THEN 5 WHEN 10 THEN 11 WHEN 11 THEN 10 WHEN 30 THEN 31 WHEN 31 THEN 30 WHEN 32 THEN 31 END;
  `;

  it('self-references and two rows referencing each other are deleted; a cycle a real row references stays whole', async () => {
    await target.sql(SELF);
    const settings = testDataSettings({ tables: ['users'], batchSize: 2 });
    const done = await cleanupTestData(db, settings, { dryRun: false });
    expect((await target.sql(`SELECT id::int, parent_id::int FROM users ORDER BY id`))).toEqual([
      { id: 30, parent_id: 31 },
      { id: 31, parent_id: 30 },
      { id: 32, parent_id: 31 },
    ]);
    expect(done.deleted).toBe(3);
    expect(done.problems).toEqual([]);
  });

  it('prodguard/testing deletes its own self-referencing rows', async () => {
    await target.sql(`CREATE TABLE users (id bigint PRIMARY KEY, parent_id bigint REFERENCES users,
      created_at timestamptz NOT NULL DEFAULT now(), is_test_data boolean NOT NULL DEFAULT false)`);
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      const session = await testData.session(client, { config: { tables: ['users'] } });
      await session.insert('users', { id: 10 });
      await session.insert('users', { id: 11, parent_id: 10 });
      await target.sql(`UPDATE users SET parent_id = 11 WHERE id = 10`);
      expect(await session.cleanup()).toEqual({ deleted: 2, kept: [] });
    } finally {
      await client.end();
    }
  });

  it('a cycle across two tables cannot be deleted batch by batch: the rows left are reported', async () => {
    await target.sql(`
      CREATE TABLE a (id int PRIMARY KEY, b_id int, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
      CREATE TABLE b (id int PRIMARY KEY, a_id int REFERENCES a, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
      ALTER TABLE a ADD FOREIGN KEY (b_id) REFERENCES b;
      INSERT INTO a VALUES (1, NULL, ${STALE}, true), (2, NULL, ${STALE}, true);
      INSERT INTO b VALUES (1, 1, ${STALE}, true);
      UPDATE a SET b_id = 1 WHERE id = 1;
    `);
    const done = await cleanupTestData(db, testDataSettings({ tables: ['a', 'b'] }), { dryRun: false });
    expect(done.deleted).toBe(1);
    expect([...done.problems].sort()).toEqual([
      expect.stringMatching(/^public\.a: 1 stale test row was left/),
      expect.stringMatching(/^public\.b: 1 stale test row was left/),
    ]);
  });
});

describe('test rows without a created-at', () => {
  it('are counted as unknown age in summary and monitor, and verify warns about them', async () => {
    await target.sql(`
      CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz, is_test_data boolean NOT NULL DEFAULT false);
      CREATE INDEX ON users (id) WHERE is_test_data;
      INSERT INTO users VALUES (1, NULL, true), (2, NULL, true), (3, now(), true);
    `);
    const summary = await testDataSummary(db, testDataSettings({ tables: ['users'] }));
    expect(summary).toMatchObject({ total: 3, stale: 0, unknownAge: 2 });
    expect(summary.tables[0]).toMatchObject({ unknownAge: 2 });
    const dir = project('testData:\n  tables: [users]\n');
    const printed = await runCli(['testdata', 'summary', '--db', target.url], { cwd: dir });
    expect(printed.stdout).toContain('Unknown age (created_at IS NULL, never cleaned up): 2');
    const snapshot = await runCli(['monitor', 'snapshot', '--db', target.url], { cwd: dir });
    expect(snapshot.stdout).toMatch(/unknown age\s+2/);
    const verify = await runCli(['testdata', 'verify', '--db', target.url], { cwd: dir });
    expect(verify.stdout).toMatch(/WARN.*2 test rows with created_at NULL: their age is unknown, cleanup never deletes them/);
    expect(verify.stdout).toContain('unknown age: 2');
  });
});

describe('the audit log and read-only roles', () => {
  it('a SELECT-only role can dry-run (no DDL, a warning); deleting refuses without an audit row; a log row not closed is a warning', async () => {
    const role = `td_ro_${Math.random().toString(36).slice(2, 8)}`;
    await target.sql(`
      CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
      INSERT INTO users VALUES (1, ${STALE}, true), (2, now(), true);
      CREATE ROLE ${role} LOGIN PASSWORD '${ROLE_PASSWORD}';
      GRANT USAGE ON SCHEMA public TO ${role};
      GRANT SELECT ON users TO ${role};
    `);
    const url = new URL(target.url);
    url.username = role;
    url.password = ROLE_PASSWORD;
    const dir = project('testData:\n  tables: [users]\n');
    try {
      const dry = await runCli(['testdata', 'cleanup', '--db', url.toString()], { cwd: dir });
      expect(dry.stderr).toBe('');
      expect(dry.code).toBe(0);
      expect(dry.stdout).toContain('Would delete 1 rows');
      expect(dry.stdout).toContain('warning: the dry run was not recorded');
      expect(await count(`pg_namespace WHERE nspname = 'prodguard'`)).toBe(0);

      await target.sql(`GRANT UPDATE, DELETE ON users TO ${role}`);
      const refused = await runCli(['testdata', 'cleanup', '--db', url.toString(), '--no-dry-run'], { cwd: dir });
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('refusing to delete without an audit trail');
      expect(await count('users')).toBe(2);

      // The table exists (created once by its owner); the role may insert but not update it.
      const created = await cleanupTestData(db, testDataSettings({ tables: ['users'] }), { dryRun: false, olderThanHours: 1000 });
      expect(created).toMatchObject({ deleted: 0, warnings: [] });
      expect((await cleanupTestData(db, testDataSettings({ tables: ['users'] }))).warnings).toEqual([]);  // the owner's dry run is logged
      await target.sql(`GRANT USAGE ON SCHEMA prodguard TO ${role}; GRANT INSERT ON prodguard.cleanup_log TO ${role}`);
      const done = await runCli(['testdata', 'cleanup', '--db', url.toString(), '--no-dry-run'], { cwd: dir });
      expect(done.code).toBe(0);
      expect(done.stdout).toContain('Deleted 1 rows');
      expect(done.stdout).toContain("warning: the run's log row could not be closed");
      expect(await count('users')).toBe(1);
      expect(await count(`prodguard.cleanup_log WHERE db_user = '${role}' AND status = 'running'`)).toBe(1);
    } finally {
      await target.sql(`DROP SCHEMA IF EXISTS prodguard CASCADE; DROP OWNED BY ${role}`);
      await adminQuery(`DROP ROLE ${role}`);
    }
  });
});

describe('one snapshot', () => {
  it('summary figures of all tables come from the snapshot the summary started with', async () => {
    await target.sql(`
      CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now(), is_test_data boolean NOT NULL DEFAULT false);
      CREATE TABLE bookings (id bigint PRIMARY KEY, user_id bigint REFERENCES users, created_at timestamptz NOT NULL DEFAULT now(),
        is_test_data boolean NOT NULL DEFAULT false);
    `);
    const writer = new pg.Client({ connectionString: target.url });
    await writer.connect();
    try {
      // A test creates a user and its booking in one transaction, committed while the summary
      // waits to read bookings (between its two tables).
      await writer.query('BEGIN');
      await writer.query('LOCK TABLE bookings IN ACCESS EXCLUSIVE MODE');
      await writer.query(`INSERT INTO users (id, is_test_data) VALUES (1, true)`);
      await writer.query(`INSERT INTO bookings (id, user_id, is_test_data) VALUES (1, 1, true)`);
      const running = testDataSummary(db, testDataSettings({ tables: ['users', 'bookings'] }));
      for (let i = 0; i < 100; i++) {
        const waiting = await target.sql(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        if (waiting.length > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await writer.query('COMMIT');
      const summary = await running;
      expect(summary.tables.map((t) => [t.table, t.total])).toEqual([
        ['public.users', 0],
        ['public.bookings', 0],
      ]);
    } finally {
      await writer.end();
    }
  });
});

describe('monitor export', () => {
  it('--output into a directory that does not exist is a usage error (exit 2), not a crash', async () => {
    await target.sql(`CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false)`);
    const dir = project('testData:\n  tables: [users]\n');
    const run = await runCli(['monitor', 'export', '--db', target.url, '--output', '/nonexistent/x.json'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot write /nonexistent/x.json');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('audit', () => {
  it('counts an insert in the window once, and flags marked rows created before the window and updated in it', async () => {
    await target.sql(`
      CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, updated_at timestamptz,
        is_test_data boolean NOT NULL DEFAULT false);
      INSERT INTO users VALUES
        (1, now(), now(), false),                                              -- real, inserted in the window
        (2, now() - interval '3 hours', now(), false),                         -- real, updated in the window
        (3, now() - interval '3 hours', now() - interval '2 hours', false),    -- real, untouched
        (4, now() - interval '3 hours', now(), true),                          -- a real row flipped to test data?
        (5, now(), now(), true);                                               -- a test row of this hour
    `);
    const audit = await auditRealChanges(db, testDataSettings({ tables: ['users'] }), { sinceMs: 3_600_000 });
    expect(audit.tables[0]).toMatchObject({ inserted: 1, updated: 1, becameTest: 1 });
    expect(audit).toMatchObject({ inserted: 1, updated: 1, becameTest: 1 });
    const run = await runCli(['testdata', 'audit', '--db', target.url, '--since', '1h'], { cwd: project('testData:\n  tables: [users]\n') });
    expect(run.stdout).toContain('public.users: 1 inserted, 1 updated');
    expect(run.stdout).toMatch(/real rows flipped to test\?\):\n  public\.users: 1\n/);
  });
});

describe('monitor watch --keep-going', () => {
  it('runs the alert command on a state change only, not every poll', async () => {
    await target.sql(`
      CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
      INSERT INTO users VALUES (1, ${STALE}, true);
    `);
    const dir = project('testData:\n  tables: [users]\n');
    const log = path.join(dir, 'alerts.jsonl');
    const run = await runCli(
      ['monitor', 'watch', '--db', target.url, '--interval', '20ms', '--keep-going', '--iterations', '4', '--alert-command', `cat >> '${log}'`],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    const alerts = readFileSync(log, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kinds: string[] });
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.kinds).toEqual(['stale']);
  });

  it('a poll that fails (a lock timeout) is reported and the watch goes on', async () => {
    await target.sql(`CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false)`);
    const quick = await openDb(target.url, { settings: { lockTimeoutMs: 100 } });
    const locker = new pg.Client({ connectionString: target.url });
    await locker.connect();
    const errors: string[] = [];
    try {
      const result = await watchTestData(quick, testDataSettings({ tables: ['users'] }), {
        intervalMs: 300,
        iterations: 3,
        keepGoing: true,
        onPoll: () => {
          // After the first poll, another session takes the table away for one poll.
          if (errors.length === 0) void locker.query('BEGIN').then(() => locker.query('LOCK TABLE users IN ACCESS EXCLUSIVE MODE'));
        },
        onError: (error) => {
          errors.push(error instanceof Error ? error.message : String(error));
          void locker.query('ROLLBACK');
        },
      });
      expect(errors).toEqual([expect.stringMatching(/lock timeout/)]);
      expect(result).toEqual({ polls: 3, alerts: 0, errors: 1 });
    } finally {
      await locker.end();
      await quick.close();
    }
  });
});

describe('a database named production', () => {
  let prod: TestDatabase;
  beforeAll(async () => {
    prod = await createTestDatabase('app_prod');
  });

  it('without a recorded identity is refused like a marked one; a recorded identity outranks the name', async () => {
    await prod.sql(`
      CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
      INSERT INTO users VALUES (1, ${STALE}, true);
    `);
    const prodDb = await openDb(prod.url);
    try {
      const settings = testDataSettings({ tables: ['users'] });
      await expect(cleanupTestData(prodDb, settings, { dryRun: false })).rejects.toMatchObject({
        code: 'PRODGUARD_PROTECTED',
        message: expect.stringContaining(`name ("${prod.name}") says production`),
      });
      expect((await cleanupTestData(prodDb, settings)).wouldDelete).toBe(1);  // a dry run is fine
      const client = new pg.Client({ connectionString: prod.url });
      await client.connect();
      await expect(testData.session(client, { config: { tables: ['users'] } })).rejects.toMatchObject({ code: 'PRODGUARD_PROTECTED' });
      await client.end();
      expect(await prod.sql(`SELECT id FROM users`)).toHaveLength(1);
      expect((await cleanupTestData(prodDb, { ...settings, allowOnProduction: true }, { dryRun: false })).deleted).toBe(1);
      await prod.sql(`INSERT INTO users VALUES (2, ${STALE}, true)`);
      await markIdentity(prodDb, { kind: 'staging', name: 'a staging copy' });
      expect((await cleanupTestData(prodDb, settings, { dryRun: false })).deleted).toBe(1);
    } finally {
      await prodDb.close();
    }
  });
});

describe('one meaning of stale', () => {
  it('summary, list --older-than, verify and cleanup agree on rows around the retention boundary', async () => {
    await target.sql(`
      CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
      INSERT INTO users SELECT g, now() - interval '1 hour' + (g - 50) * interval '1 millisecond', true FROM generate_series(1, 100) g;
    `);
    // Rows 1..49 are older than 1 h when inserted; the reads below run a little later, so a few more are.
    const settings = testDataSettings({ tables: ['users'], retentionHours: 1 });
    const summary = await testDataSummary(db, settings);
    const listed = await listTestRows(db, settings, { olderThanHours: 1, limit: 1000 });
    const verified = await verifyTestData(db, settings);
    const plan = await cleanupTestData(db, settings);
    const counts = [summary.stale, listed.rows.length, verified.stale, plan.candidates];
    // Each read has its own now(): later reads may see more rows as stale, never fewer.
    expect(counts[0]).toBeGreaterThanOrEqual(49);
    for (let i = 1; i < counts.length; i++) expect(counts[i]).toBeGreaterThanOrEqual(counts[i - 1]!);
    expect(Math.max(...counts)).toBeLessThanOrEqual(100);
    // The cutoff cleanup deletes by is exact, not rounded down to the second.
    expect(plan.cutoff).toMatch(/:\d\d\.\d{6}Z$/);
    const [byCutoff] = await target.sql<{ n: number }>(`SELECT count(*)::int AS n FROM users WHERE created_at < $1::timestamptz`, [plan.cutoff]);
    expect(plan.candidates).toBe(byCutoff!.n);
  });
});

describe('monitor dashboard', () => {
  it('restores the terminal (main screen, cursor) on SIGTERM', async () => {
    await target.sql(`CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false)`);
    const dir = project('testData:\n  tables: [users]\n');
    const child = spawn(process.execPath, [path.resolve('bin/prodguard.js'), 'monitor', 'dashboard', '--db', target.url, '--interval', '200ms'], {
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    for (let i = 0; i < 500 && !output.includes('Recommendations'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(output).toContain('Recommendations');
    child.kill('SIGTERM');
    expect(await closed).toEqual({ code: 0, signal: null });
    expect(output.endsWith('\x1b[?25h\x1b[?1049l')).toBe(true);
  }, 30_000);
});
