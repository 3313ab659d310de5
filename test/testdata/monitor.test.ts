import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { evaluateAlert, runDashboard, type TestDataAlert } from '../../src/testdata/monitor.js';
import { testDataSettings } from '../../src/testdata/settings.js';
import { testDataSummary } from '../../src/testdata/summary.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { runCli } from '../helpers/cli.js';

let target: TestDatabase;
let db: Db;
let dir: string;
const settings = testDataSettings({ tables: ['bookings'], statusColumn: 'status' });
const BIN = path.resolve('bin/prodguard.js');

beforeAll(async () => {
  target = await createTestDatabase('td_monitor');
  db = await openDb(target.url);
  await target.sql(`
    CREATE TABLE bookings (id int PRIMARY KEY, status text, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false);
    INSERT INTO bookings SELECT g, CASE WHEN g % 4 = 0 THEN 'cancelled' ELSE 'active' END, now() - ((g + 0.5) || ' hours')::interval, g % 2 = 0
      FROM generate_series(1, 40) g;`);
  dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-monitor-'));
  writeFileSync(path.join(dir, 'prodguard.config.yaml'), 'testData:\n  tables: [bookings]\n  statusColumn: status\n');
});
afterAll(() => db?.close());

describe('monitor', () => {
  it('snapshot and export show totals, active vs cancelled, stale, storage and the 24 h trend', async () => {
    const snap = await runCli(['monitor', 'snapshot', '--db', target.url], { cwd: dir });
    expect(snap.code, snap.stderr).toBe(0);
    expect(snap.stdout).toMatch(/test rows\s+20/);
    expect(snap.stdout).toMatch(/active\s+10/);
    expect(snap.stdout).toMatch(/cancelled\s+10/);
    expect(snap.stdout).toMatch(/stale \(> 24 h\)\s+9/);
    expect(snap.stdout).toMatch(/storage \(est\.\)\s+\d/);
    const exported = await runCli(['monitor', 'export', '--db', target.url, '--output', 'out.json'], { cwd: dir });
    expect(exported.code).toBe(0);
    const json = JSON.parse(readFileSync(path.join(dir, 'out.json'), 'utf8'));
    const direct = await testDataSummary(db, settings);
    expect(Object.keys(json)).toEqual(Object.keys(direct));
    expect(json).toMatchObject({ total: 20, stale: 9, status: { column: 'status', active: 10, cancelled: 10, other: 0 }, tables: direct.tables });
    expect(json.trend).toHaveLength(24);
  });

  it('watch exits 1 on an alert and pipes the alert JSON to --alert-command', async () => {
    const out = path.join(dir, 'alert.json');
    const run = await runCli(
      ['monitor', 'watch', '--db', target.url, '--interval', '50ms', '--alert-threshold', '15', '--max-stale', '100', '--alert-command', `cat > '${out}'`],
      { cwd: dir },
    );
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('ALERT: 20 test rows, more than the threshold of 15');
    const alert = JSON.parse(readFileSync(out, 'utf8')) as TestDataAlert;
    expect(alert).toMatchObject({ kind: 'prodguard.testdata.alert', total: 20, stale: 9, alertThreshold: 15, maxStale: 100 });
    expect(alert.target).not.toContain('@127.0.0.1:5432/x');
  });

  it('watch without an alert polls --iterations times and exits 0; --keep-going keeps polling after alerts', async () => {
    const quiet = await runCli(['monitor', 'watch', '--db', target.url, '--interval', '20ms', '--max-stale', '9', '--iterations', '3'], { cwd: dir });
    expect(quiet.code).toBe(0);
    expect(quiet.stdout.trim().split('\n')).toHaveLength(3);
    const going = await runCli(['monitor', 'watch', '--db', target.url, '--interval', '20ms', '--keep-going', '--iterations', '3'], { cwd: dir });
    expect(going.code).toBe(1);
    // Three polls in the same alert: each line says ALERT, the alert itself is raised once.
    expect(going.stdout.match(/  ALERT\n/g)).toHaveLength(3);
    expect(going.stdout.match(/ALERT: 9 stale/g)).toHaveLength(1);
  });

  it('bad flags are usage errors (exit 2)', async () => {
    expect((await runCli(['monitor', 'watch', '--db', target.url, '--interval', 'often'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['monitor', 'watch', '--db', target.url, '--alert-threshold', '-1'], { cwd: dir })).code).toBe(2);
  });

  it('evaluateAlert: threshold and stale rules', async () => {
    const s = await testDataSummary(db, settings);
    expect(evaluateAlert(s, { alertThreshold: 20, maxStale: 9 }, 'x')).toBeUndefined();
    expect(evaluateAlert(s, { alertThreshold: 19, maxStale: 9 }, 'x')?.reasons).toHaveLength(1);
    expect(evaluateAlert(s, {}, 'x')?.reasons[0]).toMatch(/9 stale/);
  });

  it('dashboard draws frames with histogram, sparkline, alerts and recommendations, and quits on q', async () => {
    const input = new PassThrough();
    let output = '';
    const running = runDashboard(db, settings, { intervalMs: 30, input, write: (t) => (output += t) });
    await waitFor(() => (output.match(/\x1b\[2J/g) ?? []).length >= 2);
    input.write('q');
    const { frames } = await running;
    expect(frames).toBeGreaterThanOrEqual(2);
    expect(output).toContain('Age:');
    expect(output).toMatch(/1–7 d\s+█+\s+9/);
    expect(output).toMatch(/Created per hour, last 24 h: [ ▁▂▃▄▅▆▇█]{24}/);
    expect(output).toContain('ALERT: 9 stale test rows');
    expect(output).toContain('run prodguard testdata cleanup --no-dry-run');
    expect(output.endsWith('\x1b[?25h\x1b[?1049l')).toBe(true);
  });

  it('dashboard quits on Ctrl-C in raw mode and restores the terminal', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true, modes: [] as boolean[], setRawMode(mode: boolean) { this.modes.push(mode); } });
    let output = '';
    const running = runDashboard(db, settings, { intervalMs: 30, input, write: (t) => (output += t) });
    await waitFor(() => output.includes('Recommendations'));
    input.write('\x03');
    await running;
    expect(input.modes).toEqual([true, false]);
  });

  it('dashboard in a pseudo-terminal (script) quits cleanly on q', async () => {
    const child = spawn('script', ['-qfec', `node ${BIN} monitor dashboard --db ${target.url} --interval 200ms`, '/dev/null'], {
      cwd: dir,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('Recommendations'), 20_000);
    child.stdin.write('q');
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(output).toContain('q or Ctrl-C to quit');
    expect(output).toContain('\x1b[?1049l');
  }, 30_000);
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
