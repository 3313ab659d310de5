/**
 * The rehearsal's own safety on a real PostgreSQL server: a migration cannot switch off its
 * timeouts, effects that survive ROLLBACK are not run, and nothing is left behind.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run.js';
import type { CheckReport } from '../../src/check/types.js';
import { openDb } from '../../src/db/open.js';
import { markIdentity } from '../../src/identity/environment.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { runCli } from '../helpers/cli.js';
import { adminQuery, createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { finding, statement, writeMigrations } from './scenarios.js';

const CONTACTS = `CREATE TABLE contacts (id serial PRIMARY KEY, email text);
INSERT INTO contacts (email) VALUES ('a@example.com'), (NULL), ('c@example.com');`;

async function setUp(setup: string, migration: string): Promise<{ target: TestDatabase; dir: string }> {
  const target = await createTestDatabase('check_safety');
  await target.sql(setup);
  return { target, dir: writeMigrations({ setup, migration }, { withSetup: false }) };
}

async function check(target: TestDatabase, dir: string, options: Partial<Parameters<typeof runCheck>[0]> = {}): Promise<CheckReport> {
  const db = await openDb(target.url);
  try {
    return await runCheck({ files: await discoverMigrations([path.join(dir, 'migrations')]), db, select: { kind: 'all' }, ...options });
  } finally {
    await db.close();
  }
}

describe('check: the rehearsal keeps its own timeouts', () => {
  it('SET lock_timeout = 0 in the migration is not run; the ALTER still times out on our lock_timeout', async () => {
    const { target, dir } = await setUp(CONTACTS, `SET lock_timeout = 0;\nALTER TABLE contacts ADD COLUMN flag boolean;\n`);
    const holder = new pg.Client({ connectionString: target.url });
    await holder.connect();
    await holder.query('BEGIN; LOCK TABLE contacts IN ACCESS SHARE MODE');
    // Without our lock_timeout the ALTER would wait for this; released late so a wrong run still ends.
    const release = setTimeout(() => void holder.query('ROLLBACK'), 8_000);
    try {
      const started = Date.now();
      const report = await check(target, dir, { lockTimeoutMs: 300 });
      expect(Date.now() - started).toBeLessThan(6_000);
      const set = statement(report, 'SET lock_timeout');
      expect(set.status).toBe('not-rehearsed');
      expect(set.reason).toContain('lock_timeout');
      // Setting a timeout is what lint asks migrations to do: skipping it is information, not a warning.
      expect(set.findings.map((f) => [f.id, f.severity])).toEqual([['not-rehearsed', 'info']]);
      const alter = statement(report, 'ADD COLUMN flag');
      expect(alter.status).toBe('failed');
      expect(alter.error?.sqlState).toBe('55P03');
      expect(finding(report, 'lock-timeout').severity).toBe('error');
    } finally {
      clearTimeout(release);
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  }, 20_000);

  it('a function that switches lock_timeout off cannot carry it into the next statement: the timeout is re-applied', async () => {
    const migration = `CREATE FUNCTION relax() RETURNS void LANGUAGE plpgsql AS $$ BEGIN PERFORM set_config('lock_timeout', '0', true); END $$;
SELECT relax();
ALTER TABLE contacts ADD COLUMN flag boolean;
`;
    const { target, dir } = await setUp(CONTACTS, migration);
    const holder = new pg.Client({ connectionString: target.url });
    await holder.connect();
    await holder.query('BEGIN; LOCK TABLE contacts IN ACCESS SHARE MODE');
    const release = setTimeout(() => void holder.query('ROLLBACK'), 8_000);
    try {
      const report = await check(target, dir, { lockTimeoutMs: 300 });
      expect(statement(report, 'SELECT relax()').status).toBe('ok');
      expect(statement(report, 'ADD COLUMN flag').error?.sqlState).toBe('55P03');
    } finally {
      clearTimeout(release);
      await holder.query('ROLLBACK').catch(() => undefined);
      await holder.end();
    }
  }, 20_000);

  it('RESET ALL, SET statement_timeout and set_config() of them are listed, not executed', async () => {
    const { target, dir } = await setUp(
      CONTACTS,
      `RESET ALL;\nSET LOCAL statement_timeout = 0;\nSELECT set_config('lock_timeout', '0', true);\nSELECT set_config('application_name', 'x', true);\nSELECT current_setting('lock_timeout');\n`,
    );
    const report = await check(target, dir, { lockTimeoutMs: 700 });
    for (const fragment of ['RESET ALL', 'statement_timeout = 0', "set_config('lock_timeout'"]) {
      expect(statement(report, fragment).status, fragment).toBe('not-rehearsed');
    }
    expect(statement(report, "'application_name'").status).toBe('ok');
    expect(statement(report, 'current_setting').status).toBe('ok');
  });
});

/** Schema and data of the public schema, and the sequence position: what a leaked commit would change. */
async function fingerprint(target: TestDatabase): Promise<string> {
  const rows = await target.sql<{ f: string }>(
    `SELECT json_build_object(
       'relations', (SELECT json_agg(c.relname::text || ':' || c.relkind::text || ':' || c.relfilenode ORDER BY c.relname) FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace),
       'columns', (SELECT json_agg(attrelid::regclass::text || '.' || attname || ':' || atttypid::regtype::text ORDER BY 1) FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid WHERE c.relnamespace = 'public'::regnamespace AND a.attnum > 0 AND NOT a.attisdropped),
       'constraints', (SELECT json_agg(conname || ':' || pg_get_constraintdef(oid) ORDER BY conname) FROM pg_constraint WHERE connamespace = 'public'::regnamespace),
       'functions', (SELECT json_agg(proname ORDER BY proname) FROM pg_proc WHERE pronamespace = 'public'::regnamespace),
       'contacts', (SELECT json_agg(t ORDER BY id) FROM contacts t),
       'sequence', (SELECT last_value FROM contacts_id_seq)
     )::text AS f`,
  );
  return rows[0]!.f;
}

describe('check: effects that would survive the rollback are not run', () => {
  it('setval and a session advisory lock are listed as not rehearsed; the sequence does not move', async () => {
    const { target, dir } = await setUp(
      CONTACTS,
      `SELECT setval('contacts_id_seq', 1000);\nSELECT pg_advisory_lock(42);\nINSERT INTO contacts (id, email) VALUES (50, 'new@example.com');\n`,
    );
    const before = await fingerprint(target);
    const report = await check(target, dir);
    expect(statement(report, 'setval').status).toBe('not-rehearsed');
    expect(statement(report, 'setval').reason).toContain('setval');
    expect(statement(report, 'pg_advisory_lock').reason).toContain('advisory lock');
    expect(statement(report, 'INSERT').status).toBe('ok');
    expect(await fingerprint(target)).toBe(before);
  });

  it('on production with --execute-on-production, DO and CALL are not run unless rehearseDoCall says so', async () => {
    const { target, dir } = await setUp(
      `${CONTACTS}\nCREATE PROCEDURE touch() LANGUAGE sql AS $$ UPDATE contacts SET email = email $$;`,
      `DO $$ BEGIN UPDATE contacts SET email = lower(email); END $$;\nCALL touch();\n`,
    );
    const db = await openDb(target.url);
    await markIdentity(db, { kind: 'production', name: 'prod' });
    await db.close();
    const guarded = await check(target, dir, { executeOnProduction: true });
    expect(guarded.mode).toBe('rehearsal');
    expect(guarded.statementTimeoutMs).toBeLessThanOrEqual(15_000);
    expect(statement(guarded, 'DO $$').status).toBe('not-rehearsed');
    expect(statement(guarded, 'CALL touch').reason).toContain('cannot be inspected');
    const allowed = await check(target, dir, { executeOnProduction: true, rehearseDoCall: true });
    expect(statement(allowed, 'DO $$').status).toBe('ok');
    expect(statement(allowed, 'CALL touch').status).toBe('ok');
  });
});

describe('check: transaction control in a migration cannot commit the rehearsal', () => {
  it('COMMIT, END, COMMIT AND CHAIN, a DO block that commits and setval: schema, data and sequence unchanged', async () => {
    // Explicit ids: nextval is not transactional, and is allowed to move the sequence.
    const migration = `INSERT INTO contacts (id, email) VALUES (60, 'one@example.com');
COMMIT;
ALTER TABLE contacts ADD COLUMN a text;
END;
CREATE TABLE leaked (id int);
COMMIT AND CHAIN;
UPDATE contacts SET email = 'changed@example.com';
DO $$ BEGIN CREATE TABLE leaked_do (id int); COMMIT; END $$;
SELECT setval('contacts_id_seq', 500);
DELETE FROM contacts WHERE id = 1;
`;
    const { target, dir } = await setUp(CONTACTS, migration);
    const before = await fingerprint(target);
    const report = await check(target, dir);
    expect(report.mode).toBe('rehearsal');
    const all = report.migrations.flatMap((m) => m.statements);
    for (const text of ['COMMIT', 'END', 'COMMIT AND CHAIN']) {
      expect(all.find((s) => s.sql.replace(/;$/, '') === text)?.status, text).toBe('not-rehearsed');
    }
    expect(statement(report, 'CREATE TABLE leaked').status).toBe('ok');
    // A COMMIT inside DO is refused by the server inside our transaction block.
    expect(statement(report, 'DO $$').status).toBe('failed');
    expect(await fingerprint(target)).toBe(before);
    expect(await target.sql(`SELECT to_regclass('leaked') AS a, to_regclass('leaked_do') AS b`)).toEqual([{ a: null, b: null }]);
  });
});

describe('check: an identity that cannot be read is not "unmarked"', () => {
  it('a role without USAGE on schema prodguard on a production database: exit 3, nothing rehearsed', async () => {
    const { target, dir } = await setUp(CONTACTS, `CREATE TABLE rehearsed_here (id int);\n`);
    const db = await openDb(target.url);
    await markIdentity(db, { kind: 'production', name: 'prod' });
    await db.close();
    const role = `check_noschema_${target.name.slice(-8)}`;
    await adminQuery(`CREATE ROLE ${role} LOGIN PASSWORD 'check-role-pw'`);
    try {
      await target.sql(`GRANT CREATE, USAGE ON SCHEMA public TO ${role}`);
      const url = new URL(target.url);
      url.username = role;
      url.password = 'check-role-pw';
      const run = await runCli(['check', 'migrations', '--db', url.toString(), '--last', '1'], { cwd: dir });
      expect(run.code, run.stdout).toBe(3);
      expect(run.stderr).toContain('prodguard.environment');
      expect(run.stderr).toMatch(/permission denied for schema prodguard/);
      expect(run.stdout).not.toContain('rehearsal');
    } finally {
      await target.sql(`REVOKE ALL ON SCHEMA public FROM ${role}`);
      await adminQuery(`DROP ROLE ${role}`);
    }
  });
});

describe('check --db: a production database is recognised without --env', () => {
  it('a config environment with the same host, port and database declared production: only pre-checks', async () => {
    const { target, dir } = await setUp(CONTACTS, `CREATE TABLE rehearsed_here (id int);\n`);
    const configured = new URL(target.url);
    configured.hostname = configured.hostname === '127.0.0.1' ? 'localhost' : configured.hostname;
    writeFileSync(path.join(dir, 'prodguard.config.yaml'), `environments:\n  - name: main\n    kind: production\n    url: ${configured.toString()}\n`);
    const run = await runCli(['check', 'migrations', '--db', target.url, '--last', '1', '--format', 'json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as CheckReport;
    expect(report.mode).toBe('pre-checks');
    expect(report.migrations[0]!.statements[0]!.reason).toContain('declared production in the config');
  });

  it('an unmarked database whose name says production: only pre-checks; another name: rehearsal', async () => {
    const target = await createTestDatabase('prod');
    await target.sql(CONTACTS);
    const dir = writeMigrations({ setup: CONTACTS, migration: `INSERT INTO contacts (id, email) VALUES (9, 'x@example.com');\n` }, { withSetup: false });
    const report = await check(target, dir);
    expect(report.mode).toBe('pre-checks');
    expect(report.migrations[0]!.statements[0]!.reason).toContain(`named "${target.name}"`);
    const other = await setUp(CONTACTS, `INSERT INTO contacts (id, email) VALUES (9, 'x@example.com');\n`);
    expect((await check(other.target, other.dir)).mode).toBe('rehearsal');
  });
});

describe('check: data values in the report are redacted', () => {
  it('duplicate emails and tokens under a new UNIQUE never reach the output, in examples or in the server detail', async () => {
    const email = 'ann.private@example.com';
    const token = `ghp_${'A1b2C3d4E5'.repeat(3)}abcdef`;
    const setup = `CREATE TABLE users (id int PRIMARY KEY, email text, token text);
INSERT INTO users VALUES (1, '${email}', '${token}'), (2, '${email}', '${token}'), (3, 'bo@example.org', 'x');`;
    const { target, dir } = await setUp(setup, `ALTER TABLE users ADD CONSTRAINT users_token_key UNIQUE (token);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\n`);
    for (const format of ['text', 'json']) {
      const run = await runCli(['check', 'migrations', '--db', target.url, '--last', '1', '--format', format], { cwd: dir });
      expect(run.code, run.stderr).toBe(1);
      expect(run.stdout).toContain('unique-duplicates');
      expect(run.stdout).toContain('[REDACTED]');
      for (const raw of [email, token, 'ann.private']) expect(run.stdout + run.stderr, `${format}: ${raw}`).not.toContain(raw);
    }
    const report = await check(target, dir);
    const failed = statement(report, 'users_token_key');
    expect(failed.status).toBe('failed');
    expect(failed.error?.detail).toMatch(/^Key \(token\)=\(.*\[REDACTED\].*\) already exists|is duplicated/);
    expect(finding(report, 'unique-duplicates').examples?.[0]).toContain('[REDACTED]');
  });
});

describe('check: pre-checks release their locks between migrations', () => {
  it("the first migration's tables are not locked while the second migration's pre-checks run", async () => {
    const setup = `CREATE TABLE first_t (id int PRIMARY KEY, v int); INSERT INTO first_t VALUES (1, 1);
CREATE TABLE second_t (id int PRIMARY KEY, v int); INSERT INTO second_t VALUES (1, 1);`;
    const target = await createTestDatabase('check_locks');
    await target.sql(setup);
    const dir = writeMigrations({ setup, migration: 'ALTER TABLE second_t ALTER COLUMN v TYPE text USING (v::text || pg_sleep(2)::text);\n' }, { withSetup: false });
    writeFileSync(path.join(dir, 'migrations', '001_first.sql'), 'ALTER TABLE first_t ADD CONSTRAINT first_t_v_check CHECK (v > 0);\n');
    const running = check(target, dir, { preChecksOnly: true });
    const probe = new pg.Client({ connectionString: target.url });
    await probe.connect();
    try {
      let sleeping = false;
      for (let i = 0; i < 100 && !sleeping; i++) {
        const { rows } = await probe.query(`SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%pg_sleep(2)%' AND pid <> pg_backend_pid() AND state = 'active'`);
        sleeping = rows.length > 0;
        if (!sleeping) await new Promise((r) => setTimeout(r, 50));
      }
      expect(sleeping).toBe(true);
      await probe.query('BEGIN');
      // Fails with 55P03 when the first migration's ACCESS SHARE lock is still held.
      await probe.query('LOCK TABLE first_t IN ACCESS EXCLUSIVE MODE NOWAIT');
      await probe.query('ROLLBACK');
    } finally {
      await probe.end();
    }
    const report = await running;
    expect(report.mode).toBe('pre-checks');
    expect(report.migrations).toHaveLength(2);
  }, 20_000);

  it('on production the pre-checks run with statement_timeout at most 30 s', async () => {
    const { target, dir } = await setUp(CONTACTS, `ALTER TABLE contacts ALTER COLUMN email SET NOT NULL;\n`);
    const db = await openDb(target.url, { settings: { statementTimeoutMs: 0 } });
    try {
      await markIdentity(db, { kind: 'production', name: 'prod' });
      const report = await runCheck({ files: await discoverMigrations([path.join(dir, 'migrations')]), db, select: { kind: 'all' } });
      expect(report.mode).toBe('pre-checks');
      expect(report.statementTimeoutMs).toBe(30_000);
    } finally {
      await db.close();
    }
  });
});
