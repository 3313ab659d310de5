import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackupManifest } from '../../src/backup/manifest.js';
import { openDb } from '../../src/db/open.js';
import { runCli } from '../helpers/cli.js';

// PGlite backups: PGlite's own dumpDataDir tarball with the shared manifest. Every CLI run opens
// the data directory itself (one connection), so the test never holds it open across runs.

let work: string;
let url: string;
let dumpPath: string;

async function sql(text: string): Promise<Record<string, unknown>[]> {
  const db = await openDb(url);
  try {
    return (await db.query(text)).rows;
  } finally {
    await db.close();
  }
}

async function exec(text: string): Promise<void> {
  const db = await openDb(url);
  try {
    await db.exec(text);
  } finally {
    await db.close();
  }
}

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'prodguard-pglite-backup-'));
  url = `pglite://${path.join(work, 'data')}`;
  await exec(`
    CREATE TABLE customers (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), email text NOT NULL);
    INSERT INTO customers (email) SELECT 'c' || g || '@example.test' FROM generate_series(1, 120) g;
    CREATE TABLE notes (line text);
    INSERT INTO notes SELECT 'line ' || g FROM generate_series(1, 30) g;`);
  const run = await runCli(['backup', 'create', '--db', url, '--dir', 'backups', '--format', 'json'], { cwd: work });
  expect(run.code, run.stderr).toBe(0);
  dumpPath = JSON.parse(run.stdout).dump;
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('backups of PGlite databases', () => {
  it('create writes a data-directory tarball and the shared manifest with its snapshot', () => {
    expect(dumpPath).toMatch(/\.pglite\.tar\.gz$/);
    const manifest = JSON.parse(readFileSync(dumpPath.replace(/\.pglite\.tar\.gz$/, '.manifest.json'), 'utf8')) as BackupManifest;
    expect(manifest).toMatchObject({ format: 'prodguard-backup', version: 1, kind: 'pglite', file: path.basename(dumpPath) });
    expect(manifest.pgDump).toBeUndefined();
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.size).toBe(readFileSync(dumpPath).length);
    expect(manifest.snapshot.tables.map((t) => [t.name, t.rows])).toEqual([
      ['customers', 120],
      ['notes', 30],
    ]);
  });

  it('verify --restore-to pglite://memory restores it in memory and matches the manifest; status then says verified', async () => {
    const run = await runCli(['backup', 'verify', dumpPath, '--restore-to', 'pglite://memory'], { cwd: work });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/PASS\s+checksum/);
    expect(run.stdout).toMatch(/PASS\s+table of contents\s+the data directory tarball lists \d+ entries/);
    expect(run.stdout).toMatch(/PASS\s+restored data\s+2 tables and entities match the manifest snapshot/);
    const status = await runCli(['backup', 'status', '--dir', 'backups', '--format', 'json'], { cwd: work });
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout).newest).toMatchObject({ verified: true, lastVerification: { restoredTo: 'pglite://memory' } });
  }, 120_000);

  it('a PostgreSQL --restore-to is a usage error for a PGlite backup', async () => {
    const run = await runCli(['backup', 'verify', dumpPath, '--restore-to', 'postgresql://postgres@127.0.0.1:1/x'], { cwd: work });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('use --restore-to pglite://memory');
  });

  it('one corrupted byte: checksum and table of contents fail, exit 1, no restore attempted', async () => {
    const copyDir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-pglite-corrupt-'));
    const bytes = readFileSync(dumpPath);
    const middle = Math.floor(bytes.length / 2);
    bytes.writeUInt8(bytes.readUInt8(middle) ^ 0xff, middle);
    const name = path.basename(dumpPath);
    writeFileSync(path.join(copyDir, name), bytes);
    const manifestName = name.replace(/\.pglite\.tar\.gz$/, '.manifest.json');
    writeFileSync(path.join(copyDir, manifestName), readFileSync(path.join(path.dirname(dumpPath), manifestName)));
    const run = await runCli(['backup', 'verify', path.join(copyDir, name), '--restore-to', 'pglite://memory'], { cwd: copyDir });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+checksum\s+file differs from the manifest/);
    expect(run.stdout).toMatch(/FAIL\s+table of contents\s+not a PGlite data directory backup/);
    expect(run.stdout).toMatch(/SKIP\s+restore/);
    rmSync(copyDir, { recursive: true, force: true });
  });

  it('restore: refuses memory, refuses a database without --clean, replaces it with --clean --yes', async () => {
    const memory = await runCli(['backup', 'restore', dumpPath, '--to', 'pglite://memory', '--yes'], { cwd: work });
    expect(memory.code).toBe(2);
    expect(memory.stderr).toContain('would vanish');

    await exec(`DELETE FROM notes WHERE line <> 'line 1'; INSERT INTO customers (email) VALUES ('new@example.test')`);
    const noClean = await runCli(['backup', 'restore', dumpPath, '--to', url, '--yes'], { cwd: work });
    expect(noClean.code).toBe(1);
    expect(noClean.stderr).toContain('pass --clean to replace it');

    const dry = await runCli(['backup', 'restore', dumpPath, '--to', url, '--clean'], { cwd: work });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: would restore');
    expect(await sql('SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 1 }]);

    const done = await runCli(['backup', 'restore', dumpPath, '--to', url, '--clean', '--yes'], { cwd: work });
    expect(done.code, done.stderr).toBe(0);
    expect(await sql('SELECT (SELECT count(*)::int FROM notes) AS notes, (SELECT count(*)::int FROM customers) AS customers')).toEqual([
      { notes: 30, customers: 120 },
    ]);
  }, 120_000);

  it('restore keeps the target marked production unless --allow-production; it keeps its own identity', async () => {
    const mark = await runCli(['env', 'mark', '--db', url, '--as', 'production', '--name', 'demo-prod'], { cwd: work });
    expect(mark.code, mark.stderr).toBe(0);
    const refused = await runCli(['backup', 'restore', dumpPath, '--to', url, '--clean', '--yes'], { cwd: work });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('is marked production ("demo-prod")');
    const done = await runCli(['backup', 'restore', dumpPath, '--to', url, '--clean', '--yes', '--allow-production'], { cwd: work });
    expect(done.code, done.stderr).toBe(0);
    expect(await sql('SELECT name, kind FROM prodguard.environment')).toEqual([{ name: 'demo-prod', kind: 'production' }]);
  }, 120_000);

  it('compare after a loss names the PGlite restore command in ROLLBACK RECOMMENDED', async () => {
    writeFileSync(path.join(work, 'prodguard.config.yaml'), 'backup:\n  dir: backups\n');
    // The advice names the newest backup of this database with the same identity: make one now it is marked.
    const backup = await runCli(['backup', 'create', '--db', url], { cwd: work });
    expect(backup.code, backup.stderr).toBe(0);
    const snap = await runCli(['snapshot', '--db', url, '--out', 'before.json'], { cwd: work });
    expect(snap.code, snap.stderr).toBe(0);
    await exec(`DELETE FROM notes WHERE line = 'line 2'`);
    const run = await runCli(['compare', 'before.json', '--db', url], { cwd: work });
    expect(run.code).toBe(1);
    expect(run.stdout.trim().split('\n').at(-1)).toMatch(
      /^ROLLBACK RECOMMENDED: data lost in public\.notes \(shrank\); restore with: prodguard backup restore backups\/.*\.pglite\.tar\.gz --to pglite:\/\/\S+ --clean --yes --allow-production$/,
    );
  }, 120_000);
});
