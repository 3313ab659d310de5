import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { flywayChecksum, pendingMigrations, readAppliedMigrations } from '../../src/migrations/ledger.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-ledger-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

async function pendingNames(db: Db, dir: string, input: string): Promise<string[]> {
  const files = await discoverMigrations([input], { cwd: dir });
  const ledger = await readAppliedMigrations(db, files[0]!.layout);
  return pendingMigrations(files, ledger).map((f) => f.path);
}

describe('migration ledgers: which migrations are pending', () => {
  let target: TestDatabase;
  let db: Db;
  beforeAll(async () => {
    target = await createTestDatabase('ledger');
    db = await openDb(target.url);
  });
  afterAll(() => db.close());

  it('Prisma: _prisma_migrations, finished and not rolled back', async () => {
    const dir = tree({
      'prisma/migrations/20240101000000_init/migration.sql': 'SELECT 1;',
      'prisma/migrations/20240201000000_failed/migration.sql': 'SELECT 2;',
      'prisma/migrations/20240301000000_new/migration.sql': 'SELECT 3;',
    });
    const files = await discoverMigrations(['prisma/migrations'], { cwd: dir });
    expect(files[0]!.layout).toBe('prisma');
    expect((await readAppliedMigrations(db, 'prisma')).table).toBeUndefined();
    expect(pendingMigrations(files, await readAppliedMigrations(db, 'prisma'))).toHaveLength(3);
    await target.sql(`CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz,
      migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count int NOT NULL DEFAULT 0);
      INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('a', 'x', now(), '20240101000000_init'), ('b', 'y', NULL, '20240201000000_failed');`);
    const ledger = await readAppliedMigrations(db, 'prisma');
    expect(ledger.failed).toEqual(['20240201000000_failed']);
    expect(await pendingNames(db, dir, 'prisma/migrations')).toEqual([
      'prisma/migrations/20240201000000_failed/migration.sql',
      'prisma/migrations/20240301000000_new/migration.sql',
    ]);
  });

  it('Flyway: flyway_schema_history by numeric version, failed rows are pending', async () => {
    const dir = tree({ 'sql/V1__init.sql': 'SELECT 1;', 'sql/V1.1__more.sql': 'SELECT 2;', 'sql/V2__next.sql': 'SELECT 3;', 'sql/V10__later.sql': 'SELECT 4;' });
    await target.sql(`CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
      type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum int, installed_by varchar(100) NOT NULL,
      installed_on timestamp NOT NULL DEFAULT now(), execution_time int NOT NULL, success boolean NOT NULL);
      INSERT INTO flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 1, 'me', now(), 1, true),
        (2, '1.1', 'more', 'SQL', 'V1.1__more.sql', 1, 'me', now(), 1, true), (3, '2', 'next', 'SQL', 'V2__next.sql', 1, 'me', now(), 1, false);`);
    expect(await pendingNames(db, dir, 'sql')).toEqual(['sql/V2__next.sql', 'sql/V10__later.sql']);
  });

  it('golang-migrate: schema_migrations (version, dirty); a dirty version is pending', async () => {
    const dir = tree({ 'db/1_init.up.sql': 'SELECT 1;', 'db/1_init.down.sql': 'SELECT 0;', 'db/2_two.up.sql': 'SELECT 2;', 'db/3_three.up.sql': 'SELECT 3;' });
    const scratch = await createTestDatabase('golang');
    const own = await openDb(scratch.url);
    try {
      await scratch.sql(`CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (2, false);`);
      expect(await pendingNames(own, dir, 'db')).toEqual(['db/3_three.up.sql']);
      await scratch.sql(`UPDATE schema_migrations SET dirty = true`);
      expect(await pendingNames(own, dir, 'db')).toEqual(['db/2_two.up.sql', 'db/3_three.up.sql']);
    } finally {
      await own.close();
    }
  });

  it('dbmate: schema_migrations (version) rows', async () => {
    const dir = tree({
      'db/migrations/20240101_a.sql': '-- migrate:up\nSELECT 1;\n-- migrate:down\n',
      'db/migrations/20240102_b.sql': '-- migrate:up\nSELECT 2;\n-- migrate:down\n',
    });
    const scratch = await createTestDatabase('dbmate');
    const own = await openDb(scratch.url);
    try {
      await scratch.sql(`CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101');`);
      expect(await pendingNames(own, dir, 'db/migrations')).toEqual(['db/migrations/20240102_b.sql']);
    } finally {
      await own.close();
    }
  });

  it('node-pg-migrate: pgmigrations names', async () => {
    const dir = tree({
      'migrations/1700000000000_create-users.sql': '-- Up Migration\nSELECT 1;\n-- Down Migration\n',
      'migrations/1700000000001_add-email.sql': '-- Up Migration\nSELECT 2;\n-- Down Migration\n',
    });
    const files = await discoverMigrations(['migrations'], { cwd: dir });
    expect(files.map((f) => f.layout)).toEqual(['node-pg-migrate', 'node-pg-migrate']);
    await target.sql(`CREATE TABLE pgmigrations (id serial PRIMARY KEY, name varchar(255) NOT NULL, run_on timestamp NOT NULL);
      INSERT INTO pgmigrations (name, run_on) VALUES ('1700000000000_create-users', now());`);
    expect(await pendingNames(db, dir, 'migrations')).toEqual(['migrations/1700000000001_add-email.sql']);
  });

  it('Supabase and Drizzle', async () => {
    const supa = tree({ 'supabase/migrations/20240101000000_a.sql': 'SELECT 1;', 'supabase/migrations/20240102000000_b.sql': 'SELECT 2;' });
    await target.sql(`CREATE SCHEMA supabase_migrations; CREATE TABLE supabase_migrations.schema_migrations (version text PRIMARY KEY, statements text[], name text);
      INSERT INTO supabase_migrations.schema_migrations (version) VALUES ('20240101000000');`);
    expect(await pendingNames(db, supa, 'supabase/migrations')).toEqual(['supabase/migrations/20240102000000_b.sql']);

    const first = 'CREATE TABLE a (id int);';
    const drizzle = tree({
      'drizzle/0000_first.sql': first,
      'drizzle/0001_second.sql': 'CREATE TABLE b (id int);',
      'drizzle/meta/_journal.json': JSON.stringify({ entries: [{ idx: 0, tag: '0000_first', when: 1700000000000 }, { idx: 1, tag: '0001_second', when: 1700000001000 }] }),
    });
    const hash = createHash('sha256').update(first).digest('hex');
    await target.sql(`CREATE SCHEMA drizzle; CREATE TABLE drizzle.__drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint);
      INSERT INTO drizzle.__drizzle_migrations (hash, created_at) VALUES ('${hash}', 1700000000000);`);
    expect(await pendingNames(db, drizzle, 'drizzle')).toEqual(['drizzle/0001_second.sql']);
  });

  it('check --pending rehearses only what the ledger has not applied', async () => {
    const scratch = await createTestDatabase('pending');
    const dir = tree({
      'db/1_init.up.sql': 'CREATE TABLE items (id int PRIMARY KEY, name text);',
      'db/2_fill.up.sql': "INSERT INTO items VALUES (1, NULL), (2, 'b');",
      'db/3_require.up.sql': 'ALTER TABLE items ALTER COLUMN name SET NOT NULL;',
    });
    await scratch.sql(`CREATE TABLE items (id int PRIMARY KEY, name text); INSERT INTO items VALUES (1, NULL), (2, 'b');
      CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (2, false);`);
    const run = await runCli(['check', 'db', '--db', scratch.url, '--format', 'json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.selection).toBe('pending');
    expect(report.ledger).toEqual({ layout: 'golang-migrate', layouts: ['golang-migrate'], table: 'public.schema_migrations', applied: 2, pending: 1, problems: [] });
    expect(report.migrations.map((m: { path: string }) => m.path)).toEqual(['db/3_require.up.sql']);
    const findings = report.migrations[0].statements[0].findings;
    expect(findings.map((f: { id: string }) => f.id)).toEqual(['migration-failed', 'not-null-violation']);
    expect(findings[1]).toMatchObject({ count: 1, examples: ['id=1'] });
  });
});

describe('migration ledgers: schemas, baselines, checksums and broken states', () => {
  it("Flyway's checksum: CRC32 of the lines without line breaks or BOM, as a signed int", () => {
    const expected = crc32(Buffer.from('SELECT 1;SELECT 2;é', 'utf8')) | 0;
    for (const text of ['SELECT 1;\nSELECT 2;é', 'SELECT 1;\r\nSELECT 2;é\r\n', '\uFEFFSELECT 1;\rSELECT 2;é\n']) {
      expect(flywayChecksum(text), JSON.stringify(text)).toBe(expected);
    }
    expect(flywayChecksum('SELECT 1;')).not.toBe(flywayChecksum('SELECT 2;'));
  });

  it('Prisma keeps _prisma_migrations in a non-public schema: found there', async () => {
    const target = await createTestDatabase('ledger_schema');
    const db = await openDb(target.url);
    try {
      const dir = tree({
        'prisma/migrations/20240101000000_init/migration.sql': 'SELECT 1;',
        'prisma/migrations/20240301000000_new/migration.sql': 'SELECT 3;',
      });
      await target.sql(`CREATE SCHEMA app; CREATE TABLE app._prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz,
        migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count int NOT NULL DEFAULT 0);
        INSERT INTO app._prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('a', 'x', now(), '20240101000000_init');`);
      expect((await readAppliedMigrations(db, 'prisma')).table).toBe('app._prisma_migrations');
      expect(await pendingNames(db, dir, 'prisma/migrations')).toEqual(['prisma/migrations/20240301000000_new/migration.sql']);
    } finally {
      await db.close();
    }
  });

  it('Flyway: versions up to the BASELINE are applied; a repeatable whose checksum changed is pending', async () => {
    const target = await createTestDatabase('ledger_flyway');
    const db = await openDb(target.url);
    try {
      const views = 'CREATE OR REPLACE VIEW v AS SELECT 1 AS one;\n';
      const dir = tree({ 'sql/V1__a.sql': 'SELECT 1;', 'sql/V2__b.sql': 'SELECT 2;', 'sql/V3__c.sql': 'SELECT 3;', 'sql/R__views.sql': views });
      await target.sql(`CREATE TABLE flyway_schema_history (installed_rank int PRIMARY KEY, version varchar(50), description varchar(200) NOT NULL,
        type varchar(20) NOT NULL, script varchar(1000) NOT NULL, checksum int, installed_by varchar(100) NOT NULL, installed_on timestamp NOT NULL DEFAULT now(),
        execution_time int NOT NULL, success boolean NOT NULL);
        INSERT INTO flyway_schema_history VALUES (1, '2', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'me', now(), 0, true),
          (2, NULL, 'views', 'SQL', 'R__views.sql', ${flywayChecksum(views)}, 'me', now(), 1, true);`);
      expect(await pendingNames(db, dir, 'sql')).toEqual(['sql/V3__c.sql']);
      writeFileSync(path.join(dir, 'sql/R__views.sql'), 'CREATE OR REPLACE VIEW v AS SELECT 2 AS two;\n');
      expect(await pendingNames(db, dir, 'sql')).toEqual(['sql/V3__c.sql', 'sql/R__views.sql']);
    } finally {
      await db.close();
    }
  });

  it('a dirty golang-migrate version and a failed Prisma migration: the output says the tool will refuse', async () => {
    const target = await createTestDatabase('ledger_dirty');
    const dir = tree({ 'db/1_init.up.sql': 'CREATE TABLE items (id int);', 'db/2_more.up.sql': 'ALTER TABLE items ADD COLUMN name text;' });
    await target.sql(`CREATE TABLE items (id int); CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (1, true);`);
    const run = await runCli(['check', 'db', '--db', target.url], { cwd: dir });
    expect(run.stdout).toMatch(/version 1 is dirty.*migrate refuses to run/);
    const prisma = tree({ 'prisma/migrations/20240101000000_init/migration.sql': 'SELECT 1;' });
    await target.sql(`CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz,
      migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count int NOT NULL DEFAULT 0);
      INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('a', 'x', NULL, '20240101000000_init');`);
    const json = await runCli(['check', 'prisma/migrations', '--db', target.url, '--format', 'json'], { cwd: prisma });
    expect(JSON.parse(json.stdout).ledger.problems).toEqual([expect.stringMatching(/20240101000000_init failed: prisma migrate deploy refuses to run/)]);
  });

  it('plain SQL with --pending is a usage error (exit 2); named plain files are all checked', async () => {
    const target = await createTestDatabase('ledger_plain');
    const dir = tree({ 'sql/001_a.sql': 'CREATE TABLE a (id int);', 'sql/002_b.sql': 'CREATE TABLE b (id int);' });
    const run = await runCli(['check', 'sql', '--db', target.url, '--pending'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/no ledger/);
    expect(run.stderr).toMatch(/--last N, --since REF or explicit file paths/);
    const named = await runCli(['check', 'sql/002_b.sql', '--db', target.url, '--format', 'json'], { cwd: dir });
    expect(named.code, named.stderr).toBe(0);
    expect(JSON.parse(named.stdout).selection).toBe('all');
  });
});
