import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run.js';
import { openDb } from '../../src/db/open.js';
import { markIdentity } from '../../src/identity/environment.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { ENUM_REBUILT, VALIDATE, finding, SEED, SET_NOT_NULL, statement, writeMigrations } from './scenarios.js';
import { scenarioTests } from './shared.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A fresh database with the scenario's setup applied; the migration file alone is checked. */
async function prepared(scenario: { setup: string; migration: string }): Promise<{ target: TestDatabase; dir: string }> {
  const target = await createTestDatabase('check');
  await target.sql(scenario.setup);
  return { target, dir: writeMigrations(scenario, { withSetup: false }) };
}

/** Table contents and catalog facts that a committed rehearsal would change. */
async function fingerprint(target: TestDatabase): Promise<string> {
  const rows = await target.sql<{ f: string }>(
    `SELECT json_build_object(
       'tables', (SELECT json_agg(c.relname::text || ':' || c.relfilenode ORDER BY c.relname) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace),
       'columns', (SELECT json_agg(attrelid::regclass::text || '.' || attname || ':' || atttypid::regtype::text ORDER BY 1) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped),
       'constraints', (SELECT json_agg(conname || ':' || pg_get_constraintdef(oid) ORDER BY conname) FROM pg_constraint WHERE connamespace = 'public'::regnamespace),
       'contacts', (SELECT json_agg(t ORDER BY id) FROM contacts t)
     )::text AS f`,
  );
  return rows[0]!.f;
}

describe('check: rehearsal on a real PostgreSQL server', () => {
  scenarioTests(async (scenario) => {
    const { target, dir } = await prepared(scenario);
    const db = await openDb(target.url);
    try {
      const files = await discoverMigrations(['migrations'], { cwd: dir });
      const report = await runCheck({ files, db, select: { kind: 'all' } });
      expect(report.mode).toBe('rehearsal');
      return report;
    } finally {
      await db.close();
    }
  });

  it('the seed incident end to end through the CLI: exit 1 naming the value, the rows and the function; nothing committed', async () => {
    const { target, dir } = await prepared(SEED);
    const before = await target.sql(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'schedule_items_kind_check'`);
    const run = await runCli(['check', 'migrations', '--db', target.url, '--last', '1'], { cwd: dir });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain("'member_program_item_schedule'");
    expect(run.stdout).toContain('3 rows hold it');
    expect(run.stdout).toContain('function log_schedule_item()');
    expect(run.stdout).toContain('always rolled back');
    const after = await target.sql(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'schedule_items_kind_check'`);
    expect(after).toEqual(before);
    expect(before[0]!.def).toContain('member_program_item_schedule');
  });

  it('a rehearsal that succeeds is rolled back: schema and data unchanged', async () => {
    const scenario = {
      setup: SET_NOT_NULL.setup,
      migration: `UPDATE contacts SET email = 'x@example.com' WHERE email IS NULL;\nALTER TABLE contacts ALTER COLUMN email SET NOT NULL;\nALTER TABLE contacts ADD COLUMN phone text;\nCREATE TABLE rehearsed (id int);\n`,
    };
    const { target, dir } = await prepared(scenario);
    const before = await fingerprint(target);
    const run = await runCli(['check', 'migrations', '--db', target.url, '--last', '1', '--format', 'json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.migrations[0].statements[0].rowsAffected).toBe(2);
    // In the rehearsal the backfill ran first, so SET NOT NULL finds no NULLs.
    expect(report.summary.errors).toBe(0);
    expect(await fingerprint(target)).toBe(before);
  });

  it('pre-checks only: counts before the backfill are warnings, nothing runs', async () => {
    const scenario = { setup: SET_NOT_NULL.setup, migration: `UPDATE contacts SET email = 'x@example.com' WHERE email IS NULL;\nALTER TABLE contacts ALTER COLUMN email SET NOT NULL;\n` };
    const { target, dir } = await prepared(scenario);
    const db = await openDb(target.url);
    try {
      const files = await discoverMigrations(['migrations'], { cwd: dir });
      const report = await runCheck({ files, db, select: { kind: 'all' }, preChecksOnly: true });
      expect(report.mode).toBe('pre-checks');
      const f = finding(report, 'not-null-violation');
      expect(f.severity).toBe('warning');
      expect(f.message).toContain('earlier statement');
      expect(statement(report, 'SET NOT NULL').expectedLocks).toEqual([{ relation: 'contacts', mode: 'AccessExclusiveLock' }]);
    } finally {
      await db.close();
    }
  });

  it('pre-checks only see an enum rebuilt in the same migration (the old name is still live)', async () => {
    const { target, dir } = await prepared(ENUM_REBUILT);
    const db = await openDb(target.url);
    try {
      const report = await runCheck({ files: await discoverMigrations(['migrations'], { cwd: dir }), db, select: { kind: 'all' }, preChecksOnly: true });
      expect(finding(report, 'values-lost').removedValues).toEqual([
        { column: 'status', value: 'ARCHIVED', rows: 2, usedBy: [{ kind: 'function', name: 'archive_order(integer)' }] },
      ]);
    } finally {
      await db.close();
    }
  });

  it('pre-checks of VALIDATE CONSTRAINT read the live FK and CHECK definitions', async () => {
    const { target, dir } = await prepared(VALIDATE);
    const db = await openDb(target.url);
    try {
      const report = await runCheck({ files: await discoverMigrations(['migrations'], { cwd: dir }), db, select: { kind: 'all' }, preChecksOnly: true });
      expect(finding(report, 'fk-orphans')).toMatchObject({ count: 2, examples: ['id=2', 'id=4'] });
      expect(finding(report, 'check-violation')).toMatchObject({ count: 2, examples: ['id=2', 'id=5'], severity: 'error' });
    } finally {
      await db.close();
    }
  });

  it('refuses to execute on a database recorded as production without --execute-on-production', async () => {
    const { target, dir } = await prepared(SEED);
    const db = await openDb(target.url);
    await markIdentity(db, { kind: 'production', name: 'prod-eu' });
    await db.close();
    await target.sql(`CREATE TABLE probe (id int)`);
    const migration = `ALTER TABLE schedule_items DROP CONSTRAINT schedule_items_kind_check;\nINSERT INTO probe VALUES (1);\nSELECT pg_sleep(0);\n`;
    writeFileSync(path.join(dir, 'migrations', '002_change.sql'), migration);
    // Statements are not run: the probe row would appear in the rehearsal's count of rows affected.
    const run = await runCli(['check', 'migrations', '--db', target.url, '--last', '1', '--format', 'json'], { cwd: dir });
    const report = JSON.parse(run.stdout);
    expect(report.mode).toBe('pre-checks');
    expect(report.identity).toEqual({ name: 'prod-eu', kind: 'production' });
    for (const s of report.migrations[0].statements) {
      expect(s.status).toBe('not-rehearsed');
      expect(s.reason).toContain('recorded as production');
      expect(s.durationMs).toBeNull();
    }
    const allowed = await runCli(['check', 'migrations', '--db', target.url, '--last', '1', '--format', 'json', '--execute-on-production', '--lock-timeout', '5000'], { cwd: dir });
    const rehearsed = JSON.parse(allowed.stdout);
    expect(rehearsed.mode).toBe('rehearsal');
    expect(rehearsed.lockTimeoutMs).toBe(1000);
    expect(rehearsed.migrations[0].statements[1]).toMatchObject({ status: 'ok', rowsAffected: 1 });
    expect(await target.sql('SELECT count(*)::int AS n FROM probe')).toEqual([{ n: 0 }]);
  });

  it('a schema-qualified, quoted table: locks and size under the name the server uses', async () => {
    const scenario = { setup: `CREATE SCHEMA app; CREATE TABLE app."Orders" (id int PRIMARY KEY);`, migration: `ALTER TABLE app."Orders" RENAME COLUMN id TO order_id;\n` };
    const { target, dir } = await prepared(scenario);
    const db = await openDb(target.url);
    try {
      const report = await runCheck({ files: await discoverMigrations(['migrations'], { cwd: dir }), db, select: { kind: 'all' } });
      const s = statement(report, 'RENAME COLUMN');
      expect(s.locks).toContainEqual({ relation: 'app."Orders"', relationKind: 'table', mode: 'AccessExclusiveLock' });
      expect(s.tables).toEqual([{ table: 'app."Orders"', bytes: expect.any(Number), estimatedRows: expect.any(Number) }]);
    } finally {
      await db.close();
    }
  });

  it('a pre-check that runs into statement_timeout is a warning and makes the verdict incomplete (exit 3), never a finding about the data', async () => {
    const scenario = {
      setup: `CREATE TABLE slow (id int PRIMARY KEY, v int); INSERT INTO slow VALUES (1, 1);`,
      migration: `ALTER TABLE slow ALTER COLUMN v TYPE text USING (v::text || pg_sleep(0.5)::text);\n`,
    };
    const { target, dir } = await prepared(scenario);
    const db = await openDb(target.url, { settings: { statementTimeoutMs: 150 } });
    try {
      const report = await runCheck({ files: await discoverMigrations(['migrations'], { cwd: dir }), db, select: { kind: 'all' }, preChecksOnly: true });
      const ids = report.migrations[0]!.statements[0]!.findings.map((f) => f.id);
      expect(ids).toContain('pre-check-failed');
      expect(ids).not.toContain('cast-failure');
      const failed = finding(report, 'pre-check-failed');
      expect(failed.message).toMatch(/statement timeout/);
      expect(failed.severity).toBe('warning');
      expect(report.summary.incompletePrechecks).toBe(1);
      expect(report.verdict).toBe('incomplete');
    } finally {
      await db.close();
    }
    writeFileSync(path.join(dir, 'prodguard.config.yaml'), 'session:\n  statementTimeout: 150\n');
    const run = await runCli(['check', 'migrations', '--db', target.url, '--pre-checks-only', '--last', '1'], { cwd: dir });
    expect(run.code, run.stderr).toBe(3);
    expect(run.stdout).toContain('INCOMPLETE');
  });

  it('an environment declared production in the config gets only the pre-checks, even unmarked', async () => {
    const { target, dir } = await prepared(SET_NOT_NULL);
    writeFileSync(path.join(dir, 'prodguard.config.yaml'), 'environments:\n  - name: production\n    url: ${PROD_URL}\n');
    const run = await runCli(['check', 'migrations', '--env', 'production', '--format', 'json'], { cwd: dir, env: { PROD_URL: target.url } });
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.mode).toBe('pre-checks');
    expect(report.identity).toBeNull();
    expect(report.migrations[0].statements[0].reason).toContain('declared production in the config');
    expect(finding(report, 'not-null-violation').count).toBe(2);
  });

  it('a statement that waits on a lock fails with lock_timeout instead of queueing', async () => {
    const { target, dir } = await prepared(SET_NOT_NULL);
    writeFileSync(path.join(dir, 'migrations', '002_change.sql'), 'ALTER TABLE contacts ADD COLUMN flag boolean;\n');
    const pg = await import('pg');
    const holder = new pg.default.Client({ connectionString: target.url });
    await holder.connect();
    try {
      await holder.query('BEGIN; LOCK TABLE contacts IN ACCESS SHARE MODE');
      const run = await runCli(['check', 'migrations', '--db', target.url, '--last', '1', '--lock-timeout', '300', '--format', 'json'], { cwd: dir });
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout);
      expect(finding(report, 'lock-timeout').severity).toBe('error');
      expect(report.migrations[0].statements[0].error.sqlState).toBe('55P03');
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
  });

  it('statements that cannot run in a transaction are listed as not rehearsed, their pre-checks still run', async () => {
    const scenario = {
      setup: `CREATE TABLE handles (id int PRIMARY KEY, h text); INSERT INTO handles VALUES (1, 'a'), (2, 'a');`,
      migration: `CREATE UNIQUE INDEX CONCURRENTLY handles_h_key ON handles (h);\nVACUUM handles;\n`,
    };
    const { target, dir } = await prepared(scenario);
    const db = await openDb(target.url);
    try {
      const report = await runCheck({ files: await discoverMigrations(['migrations'], { cwd: dir }), db, select: { kind: 'all' } });
      const index = statement(report, 'CONCURRENTLY');
      expect(index.status).toBe('not-rehearsed');
      expect(index.reason).toContain('cannot run inside a transaction block');
      expect(finding(report, 'unique-duplicates').count).toBe(1);
      expect(statement(report, 'VACUUM').status).toBe('not-rehearsed');
    } finally {
      await db.close();
    }
  });

  it('an unreachable database exits 3 with the URL redacted', async () => {
    const dir = writeMigrations(SEED, { withSetup: false });
    const url = 'postgresql://postgres:hunter2-check@127.0.0.1:1/nowhere';
    const run = await runCli(['check', 'migrations', '--db', url], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('127.0.0.1:1/nowhere');
    expect(run.stdout + run.stderr).not.toContain('hunter2-check');
  });
});

describe('check: a killed rehearsal leaves nothing behind', () => {
  const scenario = {
    setup: SET_NOT_NULL.setup,
    migration: `UPDATE contacts SET email = 'gone@example.com';\nALTER TABLE contacts ADD COLUMN killed text;\nCREATE TABLE half_done (id int);\nSELECT pg_sleep(20);\n`,
  };

  async function startRehearsal(target: TestDatabase, dir: string): Promise<{ child: ReturnType<typeof spawn>; pid: number }> {
    const child = spawn(process.execPath, [path.join(root, 'bin/prodguard.js'), 'check', 'migrations', '--db', target.url, '--last', '1'], {
      cwd: dir,
      stdio: 'ignore',
    });
    // Wait until the rehearsal sits in pg_sleep, after the UPDATE, ALTER and CREATE ran in its transaction.
    for (let i = 0; i < 200; i++) {
      const rows = await target.sql<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'prodguard' AND query LIKE 'SELECT pg_sleep%'`,
      );
      if (rows[0]) return { child, pid: rows[0].pid };
      await new Promise((r) => setTimeout(r, 100));
    }
    child.kill('SIGKILL');
    throw new Error('the rehearsal never reached pg_sleep');
  }

  async function waitGone(target: TestDatabase, pid: number): Promise<void> {
    for (let i = 0; i < 100; i++) {
      const rows = await target.sql(`SELECT 1 FROM pg_stat_activity WHERE pid = $1`, [pid]);
      if (rows.length === 0) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`backend ${pid} is still there`);
  }

  it('kill -9 of the client process mid-statement: the server rolls back', async () => {
    const { target, dir } = await prepared(scenario);
    const before = await fingerprint(target);
    const { child, pid } = await startRehearsal(target, dir);
    const exited = new Promise((r) => child.on('exit', r));
    child.kill('SIGKILL');
    await exited;
    // client_connection_check_interval (set by the rehearsal) ends the backend within about a second.
    await waitGone(target, pid);
    expect(await fingerprint(target)).toBe(before);
    expect(await target.sql(`SELECT to_regclass('half_done') AS t`)).toEqual([{ t: null }]);
  }, 30_000);

  it('pg_terminate_backend mid-statement: exit 3, the server rolls back', async () => {
    const { target, dir } = await prepared(scenario);
    const before = await fingerprint(target);
    const { child, pid } = await startRehearsal(target, dir);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    await target.sql('SELECT pg_terminate_backend($1)', [pid]);
    expect(await exited).toBe(3);
    await waitGone(target, pid);
    expect(await fingerprint(target)).toBe(before);
  }, 30_000);
});
