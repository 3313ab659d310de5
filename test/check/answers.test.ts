/**
 * Answers `check` used to get wrong, on a real PostgreSQL server (and the shadow where it matters).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run.js';
import type { CheckReport } from '../../src/check/types.js';
import { openDb } from '../../src/db/open.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { allFindings, ENUM_MAPPED, finding, SEED, statement } from './scenarios.js';

/** A database with `setup` applied and a migrations directory holding `files` (name → SQL). */
async function setUp(setup: string, files: Record<string, string>): Promise<{ target: TestDatabase; dir: string }> {
  const target = await createTestDatabase('check_answers');
  await target.sql(setup);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-check-'));
  mkdirSync(path.join(dir, 'migrations'));
  for (const [name, sql] of Object.entries(files)) writeFileSync(path.join(dir, 'migrations', name), sql);
  return { target, dir };
}

async function check(target: TestDatabase, dir: string, options: Partial<Parameters<typeof runCheck>[0]> = {}): Promise<CheckReport> {
  const db = await openDb(target.url);
  try {
    const files = await discoverMigrations([path.join(dir, 'migrations')]);
    return await runCheck({ files, db, select: { kind: 'all' }, ...options });
  } finally {
    await db.close();
  }
}

describe('check: a CHECK dropped by one migration and re-added by the next', () => {
  const files = {
    '002_drop.sql': 'ALTER TABLE schedule_items DROP CONSTRAINT schedule_items_kind_check;\n',
    '003_add.sql': "ALTER TABLE schedule_items ADD CONSTRAINT schedule_items_kind_check CHECK (kind IN ('member_program_item', 'coach_note'));\n",
  };
  for (const preChecksOnly of [false, true]) {
    it(`the second migration still sees the old definition (${preChecksOnly ? 'pre-checks' : 'rehearsal'})`, async () => {
      const { target, dir } = await setUp(SEED.setup, files);
      const report = await check(target, dir, { preChecksOnly });
      const removed = finding(report, 'check-value-removed');
      expect(removed.severity).toBe('error');
      expect(removed.removedValues?.map((v) => [v.value, v.rows])).toEqual([['member_program_item_schedule', 3]]);
      expect(removed.removedValues?.[0]?.usedBy.map((u) => u.name)).toContain('log_schedule_item()');
    });
  }
});

describe('check: UNIQUE NULLS NOT DISTINCT counts NULL keys as duplicates', () => {
  const setup = `CREATE TABLE handles (id int PRIMARY KEY, org int, h text);
INSERT INTO handles VALUES (1, 1, NULL), (2, 1, NULL), (3, 1, 'a'), (4, 2, NULL);`;
  it('ADD CONSTRAINT ... UNIQUE NULLS NOT DISTINCT and CREATE UNIQUE INDEX ... NULLS NOT DISTINCT', async () => {
    const { target, dir } = await setUp(setup, {
      '001_index.sql': 'CREATE UNIQUE INDEX handles_h_key ON handles (h) NULLS NOT DISTINCT;\n',
      '002_constraint.sql': 'ALTER TABLE handles ADD CONSTRAINT handles_org_h_key UNIQUE NULLS NOT DISTINCT (org, h);\n',
    });
    const report = await check(target, dir, { preChecksOnly: true });
    const [index, constraint] = allFindings(report).filter((f) => f.id === 'unique-duplicates');
    expect(index).toMatchObject({ count: 1, examples: ['(h)=(NULL) ×3'] });
    expect(index!.message).toContain('2 extra rows');
    expect(constraint).toMatchObject({ count: 1, examples: ['(org, h)=(1, NULL) ×2'] });
    // Without NULLS NOT DISTINCT the same NULLs are not duplicates.
    const plain = await setUp(setup, { '001_index.sql': 'CREATE UNIQUE INDEX handles_h_key ON handles (h);\n' });
    expect(allFindings(await check(plain.target, plain.dir, { preChecksOnly: true })).filter((f) => f.id === 'unique-duplicates')).toEqual([]);
  });
});

describe('check: ADD COLUMN defaults', () => {
  it('a serial PRIMARY KEY fills existing rows (no finding); DEFAULT NULL is no default (finding)', async () => {
    const setup = `CREATE TABLE legacy (name text); INSERT INTO legacy VALUES ('a'), ('b');
CREATE TABLE legacy2 (name text); INSERT INTO legacy2 VALUES ('a');`;
    const { target, dir } = await setUp(setup, {
      '001_serial.sql': 'ALTER TABLE legacy ADD COLUMN id bigserial PRIMARY KEY;\n',
      '002_null_default.sql': 'ALTER TABLE legacy2 ADD COLUMN code text NOT NULL DEFAULT NULL;\n',
    });
    for (const preChecksOnly of [true, false]) {
      const report = await check(target, dir, { preChecksOnly });
      const ids = report.migrations.map((m) => m.statements.flatMap((s) => s.findings.map((f) => f.id)));
      expect(ids[0], 'serial').not.toContain('required-column-on-nonempty-table');
      expect(ids[0]).not.toContain('not-null-violation');
      expect(ids[1], 'DEFAULT NULL').toContain('required-column-on-nonempty-table');
    }
  });
});

describe('check: template values are substituted in what the server runs', () => {
  it('{{ placeholders }} are replaced; a server error position points into the file', async () => {
    const setup = `CREATE SCHEMA app; CREATE TABLE app.items (id int PRIMARY KEY);`;
    const { target, dir } = await setUp(setup, {
      '001_ok.sql': 'ALTER TABLE {{ schema }}.items ADD COLUMN note text;\n',
      '002_bad.sql': 'ALTER TABLE {{ schema }}.items\n  ADD COLUMN price nosuchtype;\n',
    });
    const report = await check(target, dir, { templateValues: { schema: 'app' } });
    expect(statement(report, 'ADD COLUMN note')).toMatchObject({ status: 'ok' });
    expect(statement(report, 'ADD COLUMN note').locks).toContainEqual({ relation: 'app.items', relationKind: 'table', mode: 'AccessExclusiveLock' });
    const bad = report.migrations[1]!.statements[0]!;
    expect(bad.status).toBe('failed');
    expect(bad.error?.message).toMatch(/type "nosuchtype" does not exist/);
    expect(bad.error).toMatchObject({ line: 2, column: 20 });
  });
});

describe('check: statements that cannot run in a transaction, beyond the known list', () => {
  it('DETACH PARTITION ... CONCURRENTLY (from the tree) and REINDEX DATABASE (from SQLSTATE 25001) are not rehearsed, later statements run', async () => {
    const setup = `CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE events_2020 PARTITION OF events FOR VALUES FROM ('2020-01-01') TO ('2021-01-01');`;
    const { target, dir } = await setUp(setup, {});
    const sql = `ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;\nREINDEX DATABASE ${target.name};\nALTER TABLE events ADD COLUMN note text;\n`;
    writeFileSync(path.join(dir, 'migrations', '001_detach.sql'), sql);
    const report = await check(target, dir);
    const detach = statement(report, 'DETACH PARTITION');
    expect(detach.status).toBe('not-rehearsed');
    expect(detach.reason).toContain('CONCURRENTLY cannot run inside a transaction block');
    const reindex = statement(report, 'REINDEX DATABASE');
    expect(reindex.status).toBe('not-rehearsed');
    expect(reindex.reason).toMatch(/cannot run inside a transaction block/);
    expect(statement(report, 'ADD COLUMN note').status).toBe('ok');
    expect(report.summary.failedMigrations).toBe(0);
  });
});

describe('check: backfills', () => {
  const setup = `CREATE TABLE contacts (id int PRIMARY KEY, email text); INSERT INTO contacts VALUES (1, 'a@example.com'), (2, NULL);
CREATE FUNCTION fill_emails() RETURNS void LANGUAGE sql AS $$ UPDATE contacts SET email = 'x' WHERE email IS NULL $$;`;
  it('in a rehearsal, counts after a backfill are exact: still errors', async () => {
    const { target, dir } = await setUp(setup, { '001.sql': 'UPDATE contacts SET email = NULL WHERE id = 1;\nALTER TABLE contacts ALTER COLUMN email SET NOT NULL;\n' });
    const report = await check(target, dir);
    expect(finding(report, 'not-null-violation')).toMatchObject({ severity: 'error', count: 2 });
  });

  for (const [name, backfill] of [
    ['MERGE', "MERGE INTO contacts c USING (SELECT 2 AS id) s ON c.id = s.id WHEN MATCHED THEN UPDATE SET email = 'x';"],
    ['a data-modifying WITH', "WITH u AS (UPDATE contacts SET email = 'x' WHERE email IS NULL RETURNING 1) SELECT count(*) FROM u;"],
    ['DO', "DO $$ BEGIN UPDATE contacts SET email = 'x' WHERE email IS NULL; END $$;"],
    ['SELECT fn()', 'SELECT fill_emails();'],
  ]) {
    it(`in pre-checks, a backfill by ${name} makes the later count a warning`, async () => {
      const { target, dir } = await setUp(setup, { '001.sql': `${backfill}\nALTER TABLE contacts ALTER COLUMN email SET NOT NULL;\n` });
      const report = await check(target, dir, { preChecksOnly: true });
      expect(finding(report, 'not-null-violation')).toMatchObject({ severity: 'warning', count: 1 });
    });
  }
});

describe('check: enum changes with USING (pre-checks, the new enum not live yet)', () => {
  it('a USING that maps the removed value loses nothing; one that passes it through loses its rows', async () => {
    const { target, dir } = await setUp(ENUM_MAPPED.setup, { '001.sql': ENUM_MAPPED.migration });
    const mapped = await check(target, dir, { preChecksOnly: true });
    expect(allFindings(mapped).map((f) => f.id)).not.toContain('values-lost');
    writeFileSync(
      path.join(dir, 'migrations', '001.sql'),
      ENUM_MAPPED.migration.replace("THEN 'DONE' ELSE", "THEN 'ARCHIVED' ELSE"),
    );
    const passed = await check(target, dir, { preChecksOnly: true });
    expect(finding(passed, 'values-lost').removedValues?.map((v) => [v.value, v.rows])).toEqual([['ARCHIVED', 1]]);
  });
});

describe('check: where a removed CHECK value is still used', () => {
  const setup = `CREATE TABLE items (id int PRIMARY KEY, kind text CONSTRAINT items_kind_check CHECK (kind IN ('a', 'b', 'gone')));
INSERT INTO items VALUES (1, 'a');
CREATE FUNCTION noop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;`;
  const migration = "ALTER TABLE items DROP CONSTRAINT items_kind_check, ADD CONSTRAINT items_kind_check CHECK (kind IN ('a', 'b'));\n";

  it('a BEGIN ATOMIC function writing it and a trigger WHEN clause on the table: errors naming both', async () => {
    const { target, dir } = await setUp(
      `${setup}
CREATE FUNCTION add_gone() RETURNS void LANGUAGE sql BEGIN ATOMIC INSERT INTO items VALUES (9, 'gone'); END;
CREATE TRIGGER items_gone BEFORE UPDATE ON items FOR EACH ROW WHEN (NEW.kind = 'gone') EXECUTE FUNCTION noop();`,
      { '001.sql': migration },
    );
    const removed = finding(await check(target, dir, { preChecksOnly: true }), 'check-value-removed');
    expect(removed.severity).toBe('error');
    expect(removed.removedValues?.[0]?.usedBy).toEqual([
      { kind: 'function', name: 'add_gone()' },
      { kind: 'trigger', name: 'items_gone on items (WHEN clause)' },
    ]);
  });

  it('a function that holds the literal but does not name the table: a warning, marked weak', async () => {
    const { target, dir } = await setUp(`${setup}\nCREATE FUNCTION label(k text) RETURNS text LANGUAGE sql AS $$ SELECT CASE WHEN k = 'gone' THEN 'Gone' END $$;`, {
      '001.sql': migration,
    });
    const removed = finding(await check(target, dir, { preChecksOnly: true }), 'check-value-removed');
    expect(removed.severity).toBe('warning');
    expect(removed.removedValues?.[0]?.usedBy).toEqual([{ kind: 'function', name: 'label(text)', weak: true }]);
  });
});

describe('check: small answers', () => {
  it('MATCH FULL: a partly NULL key is a violation, in ADD and in VALIDATE (columns read from pg_constraint)', async () => {
    const setup = `CREATE TABLE parents (a int, b int, PRIMARY KEY (a, b)); INSERT INTO parents VALUES (1, 1);
CREATE TABLE kids (id int PRIMARY KEY, "A x" int, b int); INSERT INTO kids VALUES (1, 1, 1), (2, 1, NULL), (3, NULL, NULL);
CREATE TABLE kids2 (id int PRIMARY KEY, "A x" int, b int); INSERT INTO kids2 VALUES (1, 1, 1), (2, NULL, 5);
ALTER TABLE kids2 ADD CONSTRAINT kids2_fk FOREIGN KEY ("A x", b) REFERENCES parents (a, b) MATCH FULL NOT VALID;`;
    const { target, dir } = await setUp(setup, {
      '001.sql': 'ALTER TABLE kids ADD CONSTRAINT kids_fk FOREIGN KEY ("A x", b) REFERENCES parents (a, b) MATCH FULL;\n',
      '002.sql': 'ALTER TABLE kids2 VALIDATE CONSTRAINT kids2_fk;\n',
    });
    const report = await check(target, dir, { preChecksOnly: true });
    const [added, validated] = allFindings(report).filter((f) => f.id === 'fk-orphans');
    expect(added).toMatchObject({ count: 1, examples: ['id=2'] });
    expect(validated).toMatchObject({ count: 1, examples: ['id=2'] });
  });

  it('a partial index on the FK column does not count as its index', async () => {
    const setup = `CREATE TABLE owners (id int PRIMARY KEY); CREATE TABLE pets (id int PRIMARY KEY, owner_id int);
CREATE INDEX pets_owner_partial ON pets (owner_id) WHERE owner_id > 100;`;
    const { target, dir } = await setUp(setup, { '001.sql': 'ALTER TABLE pets ADD CONSTRAINT pets_owner_fk FOREIGN KEY (owner_id) REFERENCES owners (id);\n' });
    expect(finding(await check(target, dir, { preChecksOnly: true }), 'fk-unindexed').severity).toBe('warning');
  });

  it('examples are in key order (2 before 10)', async () => {
    const setup = `CREATE TABLE nums (id int PRIMARY KEY, v text); INSERT INTO nums SELECT g, NULL FROM generate_series(12, 1, -1) g; DELETE FROM nums WHERE id < 9 AND id <> 2;`;
    const { target, dir } = await setUp(setup, { '001.sql': 'ALTER TABLE nums ALTER COLUMN v SET NOT NULL;\n' });
    expect(finding(await check(target, dir, { preChecksOnly: true }), 'not-null-violation').examples).toEqual(['id=2', 'id=9', 'id=10', 'id=11', 'id=12']);
  });

  it('large-table-lock says "rewrites" only when a rewrite was measured ("may rewrite" when not run)', async () => {
    const setup = `CREATE TABLE big (id int PRIMARY KEY, v varchar(10), n int); INSERT INTO big VALUES (1, 'a', 1);
UPDATE pg_class SET reltuples = 2000000 WHERE oid = 'big'::regclass;`;
    const { target, dir } = await setUp(setup, { '001.sql': 'ALTER TABLE big ALTER COLUMN v TYPE text;\nALTER TABLE big ALTER COLUMN n TYPE bigint;\n' });
    const rehearsal = await check(target, dir);
    const [noRewrite, rewrite] = allFindings(rehearsal).filter((f) => f.id === 'large-table-lock');
    expect(noRewrite!.message).toMatch(/TYPE text: locks ACCESS EXCLUSIVE big/);
    expect(rewrite!.message).toMatch(/TYPE bigint: rewrites big/);
    const preChecks = await check(target, dir, { preChecksOnly: true });
    expect(allFindings(preChecks).filter((f) => f.id === 'large-table-lock').map((f) => /may rewrite/.test(f.message))).toEqual([true, true]);
  });
});
