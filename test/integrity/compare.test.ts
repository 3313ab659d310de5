import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { compareSnapshots } from '../../src/integrity/compare.js';
import { takeSnapshot } from '../../src/integrity/snapshot.js';
import type { SnapshotDocument } from '../../src/integrity/types.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let target: TestDatabase;
let db: Db;
let schemaCounter = 0;

beforeAll(async () => {
  target = await createTestDatabase('integrity');
  db = await openDb(target.url, { settings: { maxConnections: 4 } });
});
afterAll(async () => {
  await db?.close();
});

/** A fresh schema with `setup` run in it; returns its name. */
async function schema(setup: string): Promise<string> {
  const name = `s${++schemaCounter}`;
  await target.sql(`CREATE SCHEMA ${name}; SET search_path = ${name}; ${setup}`);
  return name;
}

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'prodguard-integrity-'));
}

async function cliSnapshot(dir: string, s: string, extra: string[] = []): Promise<string> {
  const out = path.join(dir, `before-${s}.json`);
  const run = await runCli(['snapshot', '--db', target.url, '--schema', s, '--out', out, ...extra], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  return out;
}

async function cliCompare(dir: string, before: string, extra: string[] = []) {
  return runCli(['compare', before, '--db', target.url, ...extra], { cwd: dir });
}

describe('snapshot and compare against a live database', () => {
  it('no change: exit 0, every table unchanged', async () => {
    const s = await schema(`CREATE TABLE users (id bigserial PRIMARY KEY, email text); INSERT INTO users (email) SELECT 'u' || g FROM generate_series(1, 500) g;`);
    const dir = tmp();
    const before = await cliSnapshot(dir, s);
    const doc = JSON.parse(readFileSync(before, 'utf8')) as SnapshotDocument;
    expect(doc.format).toBe('prodguard-snapshot');
    expect(doc.tables).toHaveLength(1);
    expect(doc.tables[0]).toMatchObject({ schema: s, name: 'users', rows: 500, weak: false, fingerprint: { method: 'primary-key', columns: ['id'], hashes: ['int8'] } });
    expect(doc.tables[0]?.columns).toEqual([{ name: 'id', type: 'bigint' }, { name: 'email', type: 'text' }]);
    const run = await cliCompare(dir, before);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('PASS');
    expect(run.stdout).not.toContain('ROLLBACK');
  });

  it('one row deleted and one inserted (same count): changed, exit 1, ROLLBACK RECOMMENDED', async () => {
    const s = await schema(`CREATE TABLE orders (id int PRIMARY KEY, total numeric); INSERT INTO orders SELECT g, g FROM generate_series(1, 300) g;`);
    const dir = tmp();
    const before = await cliSnapshot(dir, s);
    await target.sql(`DELETE FROM ${s}.orders WHERE id = 17; INSERT INTO ${s}.orders VALUES (1000, 1);`);
    const run = await cliCompare(dir, before);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(new RegExp(`LOSS\\s+${s}\\.orders\\s+changed: same count \\(300\\)`));
    const lines = run.stdout.trim().split('\n');
    expect(lines.at(-1)).toBe(`ROLLBACK RECOMMENDED: data lost in ${s}.orders (changed)`);
  });

  it('a snapshot from before xor was dropped (xor in the document) still compares on count and sum', async () => {
    const s = await schema(`CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT g FROM generate_series(1, 50) g;`);
    const now = await takeSnapshot(db, { schemas: [s], buckets: 4 });
    const table = now.tables[0]!;
    expect(table.xor).toBeUndefined();
    expect(table.buckets?.every((b) => b.length === 2)).toBe(true);
    // An older document carries an xor per table and bucket: with no xor on the other side it is ignored.
    const older: SnapshotDocument = JSON.parse(JSON.stringify(now));
    older.tables[0]!.xor = '12345';
    older.tables[0]!.buckets = older.tables[0]!.buckets!.map(([rows, sum]) => [rows, sum, '6789']);
    expect(compareSnapshots(older, now).items.find((t) => t.id === `${s}.items`)?.verdict).toBe('unchanged');
    // Two older documents that disagree on xor alone still differ.
    const olderChanged: SnapshotDocument = JSON.parse(JSON.stringify(older));
    olderChanged.tables[0]!.xor = '54321';
    expect(compareSnapshots(older, olderChanged).items.find((t) => t.id === `${s}.items`)?.verdict).toBe('changed');
  });

  it('rows only inserted: grew, exit 0', async () => {
    const s = await schema(`CREATE TABLE events (id bigint PRIMARY KEY); INSERT INTO events SELECT generate_series(1, 100);`);
    const dir = tmp();
    const before = await cliSnapshot(dir, s);
    await target.sql(`INSERT INTO ${s}.events SELECT generate_series(101, 150);`);
    const run = await cliCompare(dir, before, ['--format', 'json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.items[0]).toMatchObject({ id: `${s}.events`, verdict: 'grew', status: 'ok', rowsBefore: 100, rowsAfter: 150 });
    expect(report.rollback).toBeNull();
  });

  it('fewer rows: shrank with how many; a dropped column and a retyped column: exit 1', async () => {
    const s = await schema(`
      CREATE TABLE a (id int PRIMARY KEY, note text); INSERT INTO a SELECT g, 'x' FROM generate_series(1, 50) g;
      CREATE TABLE b (id int PRIMARY KEY, legacy text, amount int); INSERT INTO b SELECT g, 'x', g FROM generate_series(1, 20) g;`);
    const dir = tmp();
    const before = await cliSnapshot(dir, s);
    await target.sql(`DELETE FROM ${s}.a WHERE id <= 3; ALTER TABLE ${s}.b DROP COLUMN legacy; ALTER TABLE ${s}.b ALTER COLUMN amount TYPE text;`);
    const run = await cliCompare(dir, before, ['--format', 'json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    const byId = Object.fromEntries(report.items.map((i: { id: string }) => [i.id, i]));
    expect(byId[`${s}.a`]).toMatchObject({ verdict: 'shrank', status: 'loss', rowsBefore: 50, rowsAfter: 47 });
    expect(byId[`${s}.a`].message).toContain('shrank by 3');
    expect(byId[`${s}.b`]).toMatchObject({ verdict: 'missing column', status: 'loss', missingColumns: ['legacy'] });
    expect(byId[`${s}.b`].retypedColumns).toEqual([{ name: 'amount', before: 'integer', after: 'text' }]);
    expect(report.rollback).toMatch(/^ROLLBACK RECOMMENDED: data lost in .*\.a \(shrank\), .*\.b \(missing column\)/);
  });

  it('a dropped table: missing table, exit 1', async () => {
    const s = await schema(`CREATE TABLE gone (id int PRIMARY KEY); INSERT INTO gone VALUES (1); CREATE TABLE kept (id int PRIMARY KEY);`);
    const dir = tmp();
    const before = await cliSnapshot(dir, s);
    await target.sql(`DROP TABLE ${s}.gone;`);
    const run = await cliCompare(dir, before);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('missing table');
  });

  it('a soft delete in a critical entity (table keeps its count): exit 1', async () => {
    const s = await schema(`
      CREATE TABLE "CustomerTask" (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), "deletedAt" timestamptz);
      INSERT INTO "CustomerTask" ("deletedAt") SELECT NULL FROM generate_series(1, 40);`);
    const dir = tmp();
    writeFileSync(
      path.join(dir, 'prodguard.config.yaml'),
      `integrity:\n  critical:\n    - name: CustomerTask\n      table: '${s}."CustomerTask"'\n      where: '"deletedAt" IS NULL'\n`,
    );
    const before = await cliSnapshot(dir, s);
    const doc = JSON.parse(readFileSync(before, 'utf8')) as SnapshotDocument;
    expect(doc.critical).toMatchObject([{ name: 'CustomerTask', rows: 40, fingerprint: { hashes: ['uuid'] } }]);
    await target.sql(`UPDATE ${s}."CustomerTask" SET "deletedAt" = now() WHERE id = (SELECT id FROM ${s}."CustomerTask" LIMIT 1)`);
    const run = await cliCompare(dir, before);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(/LOSS\s+CustomerTask\s+shrank: shrank by 1 \(40 → 39\) \[critical\]/);
    expect(run.stdout).toMatch(/ROLLBACK RECOMMENDED: data lost in CustomerTask \(shrank\)/);
  });

  it('declared changes are reported, not failed: config expect and --allow-shrink', async () => {
    const s = await schema(`
      CREATE TABLE sessions (id int PRIMARY KEY); INSERT INTO sessions SELECT generate_series(1, 30);
      CREATE TABLE audit_log (id int PRIMARY KEY); INSERT INTO audit_log SELECT generate_series(1, 30);
      CREATE TABLE carts (id int PRIMARY KEY); INSERT INTO carts SELECT generate_series(1, 30);`);
    const dir = tmp();
    writeFileSync(path.join(dir, 'prodguard.config.yaml'), `integrity:\n  expect:\n    sessions: may-shrink\n    audit_log: may-change\n`);
    const before = await cliSnapshot(dir, s);
    await target.sql(`DELETE FROM ${s}.sessions WHERE id < 10; DELETE FROM ${s}.audit_log WHERE id = 1; INSERT INTO ${s}.audit_log VALUES (99); DELETE FROM ${s}.carts WHERE id = 1;`);
    const failing = await cliCompare(dir, before);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/ROLLBACK RECOMMENDED: data lost in s\d+\.carts \(shrank\)$/m);
    expect(failing.stdout).toMatch(/EXPT\s+s\d+\.sessions\s+shrank.*\[expected: may-shrink\]/);
    const passing = await cliCompare(dir, before, ['--allow-shrink', 'carts']);
    expect(passing.code, passing.stdout).toBe(0);
  });

  it('composite and uuid keys: a replaced row is caught and, with --keys-up-to, named', async () => {
    const s = await schema(`
      CREATE TABLE membership (org_id int, user_id uuid, role text, PRIMARY KEY (org_id, user_id));
      INSERT INTO membership SELECT g % 7, md5(g::text)::uuid, 'member' FROM generate_series(1, 200) g;
      CREATE TABLE tags (slug varchar(40) PRIMARY KEY); INSERT INTO tags SELECT 'tag-' || g FROM generate_series(1, 50) g;`);
    const dir = tmp();
    const before = await cliSnapshot(dir, s, ['--keys-up-to', '1000']);
    const doc = JSON.parse(readFileSync(before, 'utf8')) as SnapshotDocument;
    const membership = doc.tables.find((t) => t.name === 'membership');
    expect(membership?.fingerprint).toEqual({ method: 'primary-key', columns: ['org_id', 'user_id'], hashes: ['int8', 'uuid'] });
    expect(membership?.keys).toHaveLength(200);
    await target.sql(`
      DELETE FROM ${s}.membership WHERE org_id = 1 AND user_id = md5('1')::uuid;
      INSERT INTO ${s}.membership VALUES (2, md5('1')::uuid, 'member');
      UPDATE ${s}.tags SET slug = 'renamed' WHERE slug = 'tag-7';`);
    const run = await cliCompare(dir, before, ['--format', 'json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    const byId = Object.fromEntries(report.items.map((i: { id: string }) => [i.id, i]));
    expect(byId[`${s}.membership`]).toMatchObject({ verdict: 'changed', missingKeys: [`(1,${md5uuid('1')})`] });
    expect(byId[`${s}.tags`]).toMatchObject({ verdict: 'changed', missingKeys: ['tag-7'] });
  });

  it('the composite fingerprint depends on column order: (1,2) and (2,1) are different keys', async () => {
    const s = await schema(`CREATE TABLE pairs (a int, b int, PRIMARY KEY (a, b)); INSERT INTO pairs VALUES (1, 2);`);
    const before = await takeSnapshot(db, { schemas: [s] });
    await target.sql(`UPDATE ${s}.pairs SET a = 2, b = 1`);
    const after = await takeSnapshot(db, { schemas: [s], guide: before });
    expect(compareSnapshots(before, after).items[0]?.verdict).toBe('changed');
  });

  it('tables without a primary key: whole-row fingerprint, flagged weak; an added column is not a loss', async () => {
    const s = await schema(`CREATE TABLE log (at int, msg text); INSERT INTO log SELECT g, 'm' || g FROM generate_series(1, 100) g;`);
    const dir = tmp();
    const before = await cliSnapshot(dir, s);
    expect(JSON.parse(readFileSync(before, 'utf8')).tables[0]).toMatchObject({ weak: true, fingerprint: { method: 'whole-row', columns: ['at', 'msg'] } });
    await target.sql(`ALTER TABLE ${s}.log ADD COLUMN level text DEFAULT 'info'`);
    const unchanged = await cliCompare(dir, before);
    expect(unchanged.code, unchanged.stdout).toBe(0);
    await target.sql(`UPDATE ${s}.log SET msg = 'replaced' WHERE at = 5`);
    const changed = await cliCompare(dir, before);
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/changed: .*\(no primary key: whole-row fingerprint\)/);
  });

  it('buckets say where rows went even when the table grew overall', async () => {
    const s = await schema(`CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items SELECT generate_series(1, 1000);`);
    const before = await takeSnapshot(db, { schemas: [s], buckets: 64 });
    expect(before.tables[0]?.buckets).toHaveLength(64);
    await target.sql(`DELETE FROM ${s}.items WHERE id = 500; INSERT INTO ${s}.items SELECT generate_series(2000, 2010);`);
    const after = await takeSnapshot(db, { guide: before });
    const item = compareSnapshots(before, after).items[0];
    expect(item).toMatchObject({ verdict: 'changed', status: 'loss', rowsBefore: 1000, rowsAfter: 1010 });
    expect(item?.lostBuckets?.length).toBeGreaterThanOrEqual(1);
    expect(item?.message).toContain('grew (1000 → 1010) but rows were removed');
  });

  it('--jobs 2 gives the same figures as --jobs 1, and the workers share one snapshot', async () => {
    const s = await schema(`
      CREATE TABLE t1 (id int PRIMARY KEY); INSERT INTO t1 SELECT generate_series(1, 2000);
      CREATE TABLE t2 (id text PRIMARY KEY); INSERT INTO t2 SELECT 'k' || generate_series(1, 1500);
      CREATE TABLE t3 (x int); INSERT INTO t3 SELECT generate_series(1, 700);`);
    const one = await takeSnapshot(db, { schemas: [s], jobs: 1 });
    const two = await takeSnapshot(db, { schemas: [s], jobs: 2 });
    expect(two.options.jobs).toBe(2);
    expect(two.tables).toEqual(one.tables);

    // A snapshot read through an exported snapshot sees the data as of the export, not later writes.
    const holder = await openDb(target.url);
    try {
      await holder.transaction(
        async (tx) => {
          const id = (await tx.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]?.id ?? '';
          await target.sql(`DELETE FROM ${s}.t1 WHERE id <= 100`);
          const old = await takeSnapshot(db, { schemas: [s], jobs: 2, snapshotId: id });
          expect(old.tables).toEqual(one.tables);
        },
        { isolation: 'repeatable read', readOnly: true },
      );
    } finally {
      await holder.close();
    }
  });

  it('include/exclude globs; compare of two files; junit output', async () => {
    const s = await schema(`CREATE TABLE keep_a (id int PRIMARY KEY); CREATE TABLE keep_b (id int PRIMARY KEY); CREATE TABLE skip_c (id int PRIMARY KEY);
      INSERT INTO keep_a VALUES (1), (2); INSERT INTO keep_b VALUES (1);`);
    const dir = tmp();
    const before = await cliSnapshot(dir, s, ['--include', 'keep_*', '--include', `${s}.skip_c`, '--exclude', '*_b']);
    const doc = JSON.parse(readFileSync(before, 'utf8')) as SnapshotDocument;
    expect(doc.tables.map((t) => t.name)).toEqual(['keep_a', 'skip_c']);
    await target.sql(`DELETE FROM ${s}.keep_a WHERE id = 1`);
    const after = path.join(dir, 'after.json');
    const snap = await runCli(['snapshot', '--db', target.url, '--schema', s, '--include', 'keep_*', '--out', after], { cwd: dir });
    expect(snap.code).toBe(0);
    const run = await runCli(['compare', before, after, '--format', 'junit'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('<testsuite name="prodguard compare" tests="3" failures="2">');
    expect(run.stdout).toContain(`<failure message="shrank: shrank by 1 (2 → 1)"`);
    expect(run.stdout).toContain('missing table');
    expect(run.stdout).toContain('<system-out>new table: new table (1 row)</system-out>');
  });

  it('bad input: a file that is not a snapshot is a usage error', async () => {
    const dir = tmp();
    writeFileSync(path.join(dir, 'x.json'), '{"hello": 1}');
    const run = await runCli(['compare', 'x.json', '--db', target.url], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('is not a prodguard snapshot');
    const missing = await runCli(['compare', 'nope.json', '--db', target.url], { cwd: dir });
    expect(missing.code).toBe(2);
    const help = await runCli(['compare', '--help']);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('prodguard compare');
    const snapHelp = await runCli(['snapshot', '--help']);
    expect(snapHelp.stdout).toContain('prodguard snapshot');
  });
});

function md5uuid(text: string): string {
  // md5('1') = c4ca4238a0b923820dcc509a6f75849b
  const known: Record<string, string> = { '1': 'c4ca4238-a0b9-2382-0dcc-509a6f75849b' };
  return known[text] ?? '';
}
