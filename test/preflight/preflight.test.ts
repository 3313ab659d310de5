import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { markIdentity } from '../../src/identity/environment.js';
import { runPreflight } from '../../src/preflight/preflight.js';
import type { CheckResult } from '../../src/report/checks.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

const testData = (tables: string[]) => ({
  tables,
  column: 'is_test_data',
  createdAt: 'created_at',
  retentionHours: 24,
  autoCleanup: true,
  testMode: true,
});

function check(checks: CheckResult[], id: string): CheckResult {
  const found = checks.find((c) => c.id === id);
  if (!found) throw new Error(`no check ${id} in ${checks.map((c) => c.id).join(', ')}`);
  return found;
}

describe('preflight on a real server', () => {
  let target: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    target = await createTestDatabase('preflight');
    await target.sql(`
      CREATE TABLE users (id bigint PRIMARY KEY, email text, is_test_data boolean NOT NULL DEFAULT false);
      CREATE INDEX users_test_idx ON users (id) WHERE is_test_data;
      CREATE TABLE bookings (id bigint PRIMARY KEY, is_test_data boolean);
      CREATE TABLE invoices (id bigint PRIMARY KEY);
      CREATE SCHEMA billing;
      CREATE TABLE billing.payments (id bigint PRIMARY KEY, is_test_data boolean NOT NULL DEFAULT false);
      CREATE INDEX ON billing.payments (is_test_data);
    `);
    db = await openDb(target.url);
  });
  afterAll(() => db.close());

  it('passes reachability, version and warns about an unmarked database and a superuser', async () => {
    const report = await runPreflight(db, { connectMs: 12 });
    expect(check(report.checks, 'connection').status).toBe('pass');
    expect(check(report.checks, 'server-version').message).toMatch(/^PostgreSQL \d+\.\d+/);
    const user = check(report.checks, 'user');
    // The test server's admin role is a superuser; that is exactly what the check must call out.
    expect(user.status).toBe(report.server.isSuperuser ? 'warn' : 'pass');
    expect(check(report.checks, 'identity').status).toBe('warn');
    expect(check(report.checks, 'testdata').status).toBe('skip');
    expect(report.verdict).toBe('warn');
  });

  it('checks the marker column and a usable index on each test-data table', async () => {
    const report = await runPreflight(db, { testData: testData(['users', 'bookings', 'invoices', 'billing.payments', 'nope']) });
    expect(check(report.checks, 'testdata:users')).toMatchObject({ status: 'pass' });
    expect(check(report.checks, 'testdata:users').message).toContain('users_test_idx');
    const bookings = check(report.checks, 'testdata:bookings');
    expect(bookings.status).toBe('warn');
    expect(bookings.message).toContain('nullable');
    expect(bookings.message).toContain('no DEFAULT false');
    expect(bookings.message).toContain('no index');
    expect(check(report.checks, 'testdata:invoices')).toMatchObject({ status: 'fail' });
    expect(check(report.checks, 'testdata:invoices').message).toContain('has no is_test_data column');
    expect(check(report.checks, 'testdata:billing.payments').status).toBe('pass');
    expect(check(report.checks, 'testdata:nope').message).toContain('does not exist');
    expect(report.verdict).toBe('fail');
  });

  it('warns when autoCleanup or testMode is off', async () => {
    const report = await runPreflight(db, { testData: { ...testData(['users']), autoCleanup: false } });
    expect(check(report.checks, 'testdata-settings')).toMatchObject({ status: 'warn' });
    expect(check(report.checks, 'testdata-settings').message).toContain('testData.autoCleanup');
  });

  it('fails when the recorded identity disagrees with the environment asked for', async () => {
    await markIdentity(db, { kind: 'staging', name: 'staging' });
    const ok = await runPreflight(db, { expected: { name: 'staging', kind: 'staging' } });
    expect(check(ok.checks, 'identity').status).toBe('pass');
    const wrongName = await runPreflight(db, { expected: { name: 'test', kind: 'test' } });
    expect(check(wrongName.checks, 'identity').status).toBe('fail');
    expect(wrongName.verdict).toBe('fail');
  });

  it('fails loudly when a test run targets a database marked production', async () => {
    await markIdentity(db, { kind: 'production', name: 'production', force: true });
    const report = await runPreflight(db, { expected: { kind: 'test' } });
    const identity = check(report.checks, 'identity');
    expect(identity.status).toBe('fail');
    expect(identity.message).toContain('PRODUCTION');
  });

  it('warns about transactions open too long and sessions waiting for locks', async () => {
    const holder = new pg.Client({ connectionString: target.url, application_name: 'holder' });
    const waiter = new pg.Client({ connectionString: target.url, application_name: 'waiter' });
    await holder.connect();
    await waiter.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE');
      const waiting = waiter.query('SELECT count(*) FROM invoices').catch(() => undefined);
      await new Promise((r) => setTimeout(r, 300));
      const report = await runPreflight(db, { longTransactionMs: 100 });
      const long = check(report.checks, 'long-transactions');
      expect(long.status).toBe('warn');
      expect(long.message).toContain('holder');
      const waits = check(report.checks, 'lock-waits');
      expect(waits.status).toBe('warn');
      expect(waits.message).toContain('waiter');
      await holder.query('ROLLBACK');
      await waiting;
    } finally {
      await holder.end();
      await waiter.end();
    }
  });

  it('runs read-only: it never writes to the database it checks', async () => {
    const fresh = await createTestDatabase('preflight_ro');
    const freshDb = await openDb(fresh.url);
    try {
      await runPreflight(freshDb, { testData: testData(['x']) });
      const rows = await fresh.sql(`SELECT to_regnamespace('prodguard') IS NULL AS absent`);
      expect(rows[0]).toEqual({ absent: true });
    } finally {
      await freshDb.close();
    }
  });
});

describe('preflight on PGlite', () => {
  it('prints the checklist for the embedded database', async () => {
    const db = await openDb('pglite://memory');
    try {
      await db.exec('CREATE TABLE users (id int PRIMARY KEY, is_test_data boolean NOT NULL DEFAULT false); CREATE INDEX ON users (id) WHERE is_test_data;');
      const report = await runPreflight(db, { testData: testData(['users']) });
      expect(check(report.checks, 'server-version').message).toContain('PGlite');
      expect(check(report.checks, 'testdata:users').status).toBe('pass');
      expect(check(report.checks, 'lock-waits').status).toBe('pass');
    } finally {
      await db.close();
    }
  });
});
