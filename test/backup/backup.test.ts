import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BackupManifest } from '../../src/backup/manifest.js';
import { createIo } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let source: TestDatabase;
let dir: string;
let dumpPath: string;

function tmp(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'prodguard-backup-'));
}

beforeAll(async () => {
  source = await createTestDatabase('backup_src');
  await source.sql(`
    CREATE TABLE customers (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL);
    INSERT INTO customers (email) SELECT 'c' || g || '@example.test' FROM generate_series(1, 300) g;
    CREATE TABLE orders (customer_id uuid, n int, total numeric(10,2), PRIMARY KEY (customer_id, n));
    INSERT INTO orders SELECT id, g, g * 1.5 FROM customers, generate_series(1, 3) g;
    CREATE TABLE log (line text);
    INSERT INTO log SELECT 'line ' || g FROM generate_series(1, 50) g;`);
  await runCli(['env', 'mark', '--db', source.url, '--as', 'production', '--name', 'prod-like']);
  dir = tmp();
  const run = await runCli(['backup', 'create', '--db', source.url, '--dir', 'backups', '--format', 'json'], { cwd: dir });
  expect(run.code, run.stderr).toBe(0);
  dumpPath = JSON.parse(run.stdout).dump;
});

describe('backup create / verify / status / restore', () => {
  it('create writes the dump and a manifest read in the same snapshot', () => {
    const manifest = JSON.parse(readFileSync(dumpPath.replace(/\.dump$/, '.manifest.json'), 'utf8')) as BackupManifest;
    expect(manifest).toMatchObject({ format: 'prodguard-backup', database: source.name, identity: { name: 'prod-like', kind: 'production' } });
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.size).toBeGreaterThan(0);
    expect(manifest.pgDump?.major ?? 0).toBeGreaterThanOrEqual(manifest.server.major);
    expect(manifest.snapshotId).toMatch(/^[0-9A-F-]+$/);
    expect(manifest.snapshot.tables.map((t) => [t.name, t.rows])).toEqual([
      ['customers', 300],
      ['log', 50],
      ['orders', 900],
    ]);
    expect(JSON.stringify(manifest)).not.toMatch(/postgres(ql)?:\/\//);
  });

  it('verify with a restore into an empty scratch database: verified; the scratch db keeps no production identity', async () => {
    const scratch = await createTestDatabase('backup_scratch');
    const run = await runCli(['backup', 'verify', dumpPath, '--restore-to', scratch.url], { cwd: dir });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/PASS\s+checksum/);
    expect(run.stdout).toMatch(/PASS\s+table of contents/);
    expect(run.stdout).toMatch(/PASS\s+restored data\s+3 tables and entities match the manifest snapshot/);
    expect(await scratch.sql(`SELECT count(*)::int AS n FROM orders`)).toEqual([{ n: 900 }]);
    expect(await scratch.sql(`SELECT to_regclass('prodguard.environment') AS t`)).toEqual([{ t: null }]);

    // A second verify into the same (now full) database is refused.
    const again = await runCli(['backup', 'verify', dumpPath, '--restore-to', scratch.url], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('a verify restore needs an empty scratch database');

    const status = await runCli(['backup', 'status', '--dir', 'backups', '--format', 'json'], { cwd: dir });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).newest).toMatchObject({ verified: true });
  });

  it('verify refuses a target marked production', async () => {
    const run = await runCli(['backup', 'verify', dumpPath, '--restore-to', source.url], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is marked production');
  });

  it('one corrupted byte: verify fails (exit 1) and says the file differs', async () => {
    const copyDir = tmp();
    const bytes = readFileSync(dumpPath);
    const name = path.basename(dumpPath);
    const middle = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle);
    writeFileSync(path.join(copyDir, name), bytes);
    writeFileSync(path.join(copyDir, name.replace(/\.dump$/, '.manifest.json')), readFileSync(dumpPath.replace(/\.dump$/, '.manifest.json')));
    const run = await runCli(['backup', 'verify', path.join(copyDir, name)], { cwd: copyDir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+checksum\s+file differs from the manifest/);
  });

  it('status: exit 1 when the newest backup is older than --max-age, and when there is none', async () => {
    const old = await runCli(['backup', 'status', '--dir', 'backups', '--max-age', '1ms'], { cwd: dir });
    expect(old.code).toBe(1);
    expect(old.stdout).toMatch(/^FAIL: newest backup .* old \(max 0s\)/);
    const none = await runCli(['backup', 'status', '--dir', 'nowhere'], { cwd: tmp() });
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('no backup in nowhere');
  });

  it('restore: dry run without --yes, refuses production without --allow-production, restores with --yes', async () => {
    const target = await createTestDatabase('backup_restore');
    const dry = await runCli(['backup', 'restore', dumpPath, '--to', target.url], { cwd: dir });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run');
    await runCli(['env', 'mark', '--db', target.url, '--as', 'production']);
    const refused = await runCli(['backup', 'restore', dumpPath, '--to', target.url, '--yes'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('marked production');
    const done = await runCli(['backup', 'restore', dumpPath, '--to', target.url, '--yes', '--allow-production'], { cwd: dir });
    expect(done.code, done.stderr).toBe(0);
    expect(await target.sql(`SELECT count(*)::int AS n FROM customers`)).toEqual([{ n: 300 }]);
  });

  it('compare names the restore command of the newest backup in ROLLBACK RECOMMENDED', async () => {
    writeFileSync(path.join(dir, 'prodguard.config.yaml'), 'backup:\n  dir: backups\n');
    const snap = await runCli(['snapshot', '--db', source.url, '--out', 'before.json'], { cwd: dir });
    expect(snap.code).toBe(0);
    await source.sql(`DELETE FROM log WHERE line = 'line 1'`);
    const run = await runCli(['compare', 'before.json', '--db', source.url], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(
      /^ROLLBACK RECOMMENDED: data lost in public\.log \(shrank\); restore with: prodguard backup restore backups\/.*\.dump --to .* --clean --yes --allow-production$/,
    );
  });

  it('create shows pg_dump progress on a terminal (stderr) and clears the line at the end', async () => {
    let out = '';
    let err = '';
    const io = createIo({ write: (t: string) => (out += t), isTTY: false }, { write: (t: string) => (err += t), isTTY: true }, { NO_COLOR: '1' });
    const code = await main(['backup', 'create', '--db', source.url, '--dir', path.join(tmp(), 'b')], { io });
    expect(code, err).toBe(0);
    expect(out).toContain('backup of');
    const updates = err.split('\r\x1b[K').filter(Boolean);
    expect(updates).toEqual(expect.arrayContaining(['backup: dumping public.customers', 'backup: dumping public.orders']));
    expect(err.endsWith('\r\x1b[K')).toBe(true);
  });

  it('pg_dump missing from PATH: exit 3 with a clear message', async () => {
    const run = await runCli(['backup', 'create', '--db', source.url, '--dir', 'b2'], { cwd: tmp(), env: { PATH: '/nonexistent' } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('[PRODGUARD_MISSING_BINARY] pg_dump was not found on PATH');
    const help = await runCli(['backup', 'create', '--help']);
    expect(help.stdout).toContain('Examples:');
    expect(help.stdout).toContain('prodguard backup create');
  });

  it('pg_dump older than the server: exit 3 naming both versions', async () => {
    const binDir = tmp();
    writeFileSync(path.join(binDir, 'pg_dump'), '#!/bin/sh\necho "pg_dump (PostgreSQL) 12.22"\n', { mode: 0o755 });
    const run = await runCli(['backup', 'create', '--db', source.url, '--dir', 'b3'], { cwd: tmp(), env: { PATH: `${binDir}:${process.env.PATH}` } });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/\[PRODGUARD_TOOL_TOO_OLD\] pg_dump 12\.22 is older than the server \(PostgreSQL 1\d\.\d+\)/);
  });
});
