import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { runCli } from '../helpers/cli.js';

let target: TestDatabase;
let dir: string;

function configDir(yaml: string): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'prodguard-tdcli-'));
  writeFileSync(path.join(d, 'prodguard.config.yaml'), yaml);
  return d;
}

beforeAll(async () => {
  target = await createTestDatabase('td_cli');
  await target.sql(`
    CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL, updated_at timestamptz, is_test_data boolean NOT NULL DEFAULT false);
    CREATE INDEX ON users (id) WHERE is_test_data;
    CREATE TABLE bookings (id bigint PRIMARY KEY, user_id bigint REFERENCES users ON DELETE CASCADE, created_at timestamptz NOT NULL,
      is_test_data boolean NOT NULL DEFAULT false);
    CREATE INDEX ON bookings (id) WHERE is_test_data;
    INSERT INTO users VALUES (1, now() - interval '2 days', NULL, true), (2, now() - interval '2 days', NULL, true), (3, now(), now(), false);
    INSERT INTO bookings VALUES (10, 2, now() - interval '2 days', false);`);
  dir = configDir('testData:\n  tables: [users, bookings]\n');
});

describe('prodguard testdata (CLI)', () => {
  it('count, summary and list print figures (exit 0)', async () => {
    const count = await runCli(['testdata', 'count', '--db', target.url], { cwd: dir });
    expect(count.code).toBe(0);
    expect(count.stdout).toMatch(/public\.users\s+2\n/);
    expect(count.stdout).toMatch(/total\s+2\n/);
    const summary = await runCli(['testdata', 'summary', '--db', target.url], { cwd: dir });
    expect(summary.stdout).toMatch(/1–7 d\s+█+\s+2/);
    expect(summary.stdout).toContain('Oldest: ');
    const json = JSON.parse((await runCli(['testdata', 'count', '--db', target.url, '--format', 'json'], { cwd: dir })).stdout);
    expect(json.total).toBe(2);
    const list = await runCli(['testdata', 'list', '--db', target.url, '--older-than', '24'], { cwd: dir });
    expect(list.stdout).toContain('2 test rows');
  });

  it('verify says Cleanup recommended: YES and exits 1 while stale rows exist', async () => {
    const run = await runCli(['testdata', 'verify', '--db', target.url], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('Cleanup recommended: YES');
  });

  it('cleanup is a dry run by default, names the kept row and its referrer, and --no-dry-run deletes', async () => {
    const dry = await runCli(['testdata', 'cleanup', '--db', target.url], { cwd: dir });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('DRY RUN');
    expect(dry.stdout).toContain('public.users key 2 ← public.bookings key 10 (a non-test row, bookings_user_id_fkey)');
    expect(dry.stdout).toContain('Would delete 1 rows');
    expect(await target.sql(`SELECT id FROM users ORDER BY id`)).toHaveLength(3);
    const real = await runCli(['testdata', 'cleanup', '--db', target.url, '--no-dry-run', '--format', 'json'], { cwd: dir });
    expect(real.code, real.stderr).toBe(0);
    expect(JSON.parse(real.stdout)).toMatchObject({ dryRun: false, deleted: 1, blocked: 1 });
    expect((await target.sql(`SELECT id::int FROM users ORDER BY id`)).map((r) => r.id)).toEqual([2, 3]);
    const verify = await runCli(['testdata', 'verify', '--db', target.url], { cwd: dir });
    expect(verify.stdout).toContain('Cleanup recommended: YES'); // user 2 is still stale, kept on purpose
  });

  it('cleanup shows progress on a terminal (stderr), not in pipes', async () => {
    const db = await createTestDatabase('td_cli_progress');
    await db.sql(`CREATE TABLE users (id int PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
      INSERT INTO users SELECT g, now() - interval '3 days', true FROM generate_series(1, 50) g;`);
    let out = '';
    let err = '';
    const io = createIo({ write: (t: string) => (out += t), isTTY: true }, { write: (t: string) => (err += t), isTTY: true }, { NO_COLOR: '1' });
    const code = await main(['testdata', 'cleanup', '--db', db.url, '--no-dry-run', '--batch-size', '10'], { io, cwd: dir });
    expect(code).toBe(0);
    expect(err).toContain('\rpublic.users: 10/50 deleted (total 10/50)');
    expect(err).toContain('public.users: 50/50 deleted (total 50/50)');
    expect(out).toContain('Deleted 50 rows in 5 batches');
  });

  it('warns when testData.tables is empty', async () => {
    const run = await runCli(['testdata', 'count', '--db', target.url], { cwd: configDir('{}\n') });
    expect(run.code).toBe(0);
    expect(run.stderr).toContain('no testData.tables in config');
  });

  it('audit counts real rows changed in the window (user 3, inserted now, once)', async () => {
    const run = await runCli(['testdata', 'audit', '--db', target.url, '--since', '1h'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('public.users: 1 inserted, 0 updated');
    expect((await runCli(['testdata', 'audit', '--db', target.url, '--since', 'lately'], { cwd: dir })).code).toBe(2);
  });

  it('refuses cleanup --no-dry-run on a database marked production (exit 1) unless allowOnProduction', async () => {
    const prod = await createTestDatabase('td_cli_prod');
    await prod.sql(`CREATE TABLE users (id int PRIMARY KEY, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
      INSERT INTO users VALUES (1, now() - interval '3 days', true);`);
    expect((await runCli(['env', 'mark', '--db', prod.url, '--as', 'production'])).code).toBe(0);
    const refused = await runCli(['testdata', 'cleanup', '--db', prod.url, '--no-dry-run'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('PRODGUARD_PROTECTED');
    expect(refused.stderr).toContain('allowOnProduction');
    expect(await prod.sql(`SELECT id FROM users`)).toHaveLength(1);
    const optedIn = configDir('testData:\n  tables: [users]\n  allowOnProduction: true\n');
    const allowed = await runCli(['testdata', 'cleanup', '--db', prod.url, '--no-dry-run'], { cwd: optedIn });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(await prod.sql(`SELECT id FROM users`)).toHaveLength(0);
  });

  it('an unreachable database exits 3 with a clear message', async () => {
    for (const args of [['testdata', 'count'], ['testdata', 'cleanup', '--no-dry-run'], ['monitor', 'snapshot']]) {
      const run = await runCli([...args, '--db', 'postgresql://postgres@127.0.0.1:1/nowhere'], { cwd: dir });
      expect(run.code, args.join(' ')).toBe(3);
      expect(run.stderr).toContain('PRODGUARD_CONNECTION_FAILED');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a bad testData config exits 2 naming the key', async () => {
    const bad = configDir('testData:\n  tables: [users]\n  batchSize: 0\n  lockTimeout: soon\n');
    const run = await runCli(['testdata', 'count', '--db', target.url], { cwd: bad });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('testData.batchSize');
    expect(run.stderr).toContain('testData.lockTimeout');
  });

  it('bad flags exit 2', async () => {
    expect((await runCli(['testdata', 'cleanup', '--db', target.url, '--batch-size', '0'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['testdata', 'list', '--db', target.url, '--older-than', 'old'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['testdata', 'install'], { cwd: configDir('{}\n') })).code).toBe(2);
    const noDir = await runCli(['testdata', 'install', '--tables', 'users', '--out', 'no/such/dir/x.sql'], { cwd: dir });
    expect(noDir.code).toBe(2);
    expect(noDir.stderr).toContain('cannot write');
  });
});
