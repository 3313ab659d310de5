import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { createIo } from '../../src/cli/io.js';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { takeSnapshot } from '../../src/integrity/snapshot.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase, withPassword } from '../helpers/pg.js';

// Session settings of the snapshot's connections, the TTY progress line, and the failure paths
// of snapshot/compare that the other integrity tests do not reach.

let target: TestDatabase;
let db: Db;

beforeAll(async () => {
  target = await createTestDatabase('integrity_sessions');
  await target.sql(`
    CREATE TABLE a (id int PRIMARY KEY); INSERT INTO a SELECT generate_series(1, 3000);
    CREATE TABLE b (id int PRIMARY KEY); INSERT INTO b SELECT generate_series(1, 2000);
    CREATE TABLE c (id int PRIMARY KEY); INSERT INTO c SELECT generate_series(1, 1000);`);
  db = await openDb(target.url, { settings: { maxConnections: 4 } });
});
afterAll(async () => {
  await db?.close();
});

/**
 * A critical entity whose filter reads the session's max_parallel_workers_per_gather: it counts
 * every row of `a` exactly when the session that measures it has the expected setting.
 */
function probe(expected: string) {
  return [{ name: 'probe', table: 'a', where: `current_setting('max_parallel_workers_per_gather') = '${expected}'` }];
}

describe('snapshot sessions', () => {
  it('with --jobs 2 every session runs without parallel workers (the jobs are the parallelism)', async () => {
    const server = (await db.query<{ v: string }>(`SELECT current_setting('max_parallel_workers_per_gather') AS v`)).rows[0]?.v;
    expect(server).not.toBe('0');
    const two = await takeSnapshot(db, { jobs: 2, critical: probe('0') });
    expect(two.critical[0]?.rows).toBe(3000);
    const one = await takeSnapshot(db, { jobs: 1, critical: probe(server ?? '') });
    expect(one.critical[0]?.rows).toBe(3000);
    // The figures are the same either way.
    expect(two.tables).toEqual(one.tables);
  });

  it('parallelWorkersPerGather overrides the default, and bad values are usage errors', async () => {
    const kept = await takeSnapshot(db, { jobs: 2, parallelWorkersPerGather: 'server', critical: probe('0') });
    expect(kept.critical[0]?.rows).toBe(0);
    const three = await takeSnapshot(db, { jobs: 1, parallelWorkersPerGather: 3, critical: probe('3') });
    expect(three.critical[0]?.rows).toBe(3000);
    await expect(takeSnapshot(db, { parallelWorkersPerGather: -1 })).rejects.toThrow(/parallelWorkersPerGather/);
  });
});

describe('snapshot progress and failures', () => {
  it('shows a progress line on a terminal (stderr) and nothing when stderr is not one', async () => {
    let out = '';
    let err = '';
    const io = createIo({ write: (t: string) => (out += t), isTTY: false }, { write: (t: string) => (err += t), isTTY: true }, { NO_COLOR: '1' });
    const code = await main(['snapshot', '--db', target.url, '--jobs', '2'], { io });
    expect(code).toBe(0);
    expect(JSON.parse(out).tables).toHaveLength(3);
    const updates = err.split('\r\x1b[K').filter(Boolean);
    expect(updates).toEqual(expect.arrayContaining([expect.stringMatching(/^snapshot 1\/3 public\.[abc]$/), expect.stringMatching(/^snapshot 3\/3 public\.[abc]$/)]));
    expect(err.endsWith('\r\x1b[K')).toBe(true);

    const quiet = await runCli(['snapshot', '--db', target.url]);
    expect(quiet.code).toBe(0);
    expect(quiet.stderr).toBe('');
  });

  it('never writes the password of the URL into the document or the summary', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-snapshot-secret-'));
    // Trust authentication ignores the password, so the URL connects as it is.
    const url = withPassword(target.url, 'Sn4pSecret99');
    const run = await runCli(['snapshot', '--db', url, '--out', 'snap.json'], { cwd: dir });
    expect(run.code, run.stderr).toBe(0);
    const doc = readFileSync(path.join(dir, 'snap.json'), 'utf8');
    expect(doc + run.stdout + run.stderr).not.toContain('Sn4pSecret99');
    expect(doc).not.toMatch(/postgres(ql)?:\/\//);
  });

  it('an unreachable database: exit 3 for snapshot and for compare --db, without the password', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-snapshot-down-'));
    const down = 'postgresql://postgres:Dn4Secret@127.0.0.1:1/nowhere';
    const snap = await runCli(['snapshot', '--db', down], { cwd: dir });
    expect(snap.code).toBe(3);
    expect(snap.stderr).toContain('cannot connect to postgresql://postgres:***@127.0.0.1:1/nowhere');
    const ok = await runCli(['snapshot', '--db', target.url, '--out', 'before.json'], { cwd: dir });
    expect(ok.code).toBe(0);
    const compare = await runCli(['compare', 'before.json', '--db', down], { cwd: dir });
    expect(compare.code).toBe(3);
    expect(snap.stderr + compare.stderr).not.toContain('Dn4Secret');
  });
});
