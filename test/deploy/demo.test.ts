import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { DemoResult } from '../../src/deploy/demo.js';
import { runCli } from '../helpers/cli.js';

describe('prodguard demo', () => {
  it('deploys the safe migration, stops each bad one at the phase that catches it, in under 30 s', async () => {
    // A directory an older demo left behind (only backups in it) is cleaned up.
    const old = mkdtempSync(path.join(os.tmpdir(), 'prodguard-demo-'));
    writeFileSync(path.join(old, 'demo-20260101T000000Z.pglite.tar.gz'), 'x');
    const started = performance.now();
    const run = await runCli(['demo', '--format', 'json']);
    const wall = performance.now() - started;
    expect(run.code, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as DemoResult;
    expect(result.ok).toBe(true);
    expect(result.backupDir).toBe(path.join(os.tmpdir(), 'prodguard-demo'));
    expect(existsSync(old)).toBe(false);
    expect(readdirSync(result.backupDir).some((f) => f.endsWith('.pglite.tar.gz'))).toBe(true);
    expect(result.scenarios.map((s) => [s.file, s.report.outcome, s.report.failedPhase])).toEqual([
      ['001_add_booking_notes.sql', 'passed', null],
      ['002_drop_customer_phone.sql', 'failed', 'lint'],
      ['003_tighten_booking_event_kinds.sql', 'failed', 'check'],
      ['004_archive_cancelled_bookings.sql', 'failed', 'compare'],
    ]);
    expect(result.scenarios[1]!.stoppedBy).toBe('lint: ban-drop-column');
    // Lint's finding was suppressed in the file; the live check names the value, the rows and the trigger.
    expect(result.scenarios[2]!.stoppedBy).toBe('check: check-value-removed');
    const check = result.scenarios[2]!.report.phases.find((p) => p.phase === 'check')!;
    expect(check.details.join('\n')).toMatch(/no longer allows 'booking_created'.*120 rows hold it; still written by function log_booking_created\(\), trigger bookings_log_created/);
    expect(result.scenarios[3]!.stoppedBy).toBe('compare: data lost in public.booking_events (shrank), public.bookings (shrank)');
    expect(result.scenarios[3]!.report.rollback?.reason).toContain('compare failed after the migrate');
    // Nothing after the stopping phase ran; the run was recorded.
    for (const s of result.scenarios.slice(1)) {
      const stop = s.report.phases.findIndex((p) => p.status === 'fail');
      expect(s.report.phases.slice(stop + 1, -1).every((p) => p.status === 'not-run')).toBe(true);
      expect(s.report.runId).not.toBeNull();
    }
    expect(result.totalMs).toBeLessThan(30_000);
    expect(wall).toBeLessThan(30_000);

    // The lossy migration's backup, made before its migrate, restores the bookings it deleted.
    const restore = result.scenarios[3]!.report.rollback!.restoreCommand!;
    expect(restore).toMatch(/^prodguard backup restore \S+\.pglite\.tar\.gz --to pglite:\/\/\.\/booking-restored --clean --yes$/);
    // Into an absolute directory: a relative pglite:// path resolves against the process's directory.
    const into = path.join(mkdtempSync(path.join(os.tmpdir(), 'prodguard-demo-restore-')), 'booking-restored');
    const restored = await runCli(restore.replace('pglite://./booking-restored', `pglite://${into}`).split(' ').slice(1));
    expect(restored.code, restored.stderr).toBe(0);
    const db = await openDb(`pglite://${into}`);
    try {
      expect((await db.query<{ n: number }>('SELECT count(*)::int AS n FROM bookings')).rows).toEqual([{ n: 120 }]);
    } finally {
      await db.close();
      rmSync(path.dirname(into), { recursive: true, force: true });
    }
  }, 120_000);

  it('text: each phase, ROLLBACK RECOMMENDED for the lossy one, a summary table and the total time', async () => {
    const backupDir = path.join(os.tmpdir(), 'prodguard-demo');
    mkdirSync(backupDir, { recursive: true });
    writeFileSync(path.join(backupDir, 'from-the-last-demo'), 'x');
    const run = await runCli(['demo']);
    expect(run.code).toBe(0);
    // One fixed place, replaced on each run: the last demo's backups, no pile-up.
    expect(run.stdout).toContain(`backups of this demo: ${backupDir} (replaced by the next demo)`);
    expect(existsSync(path.join(backupDir, 'from-the-last-demo'))).toBe(false);
    expect(run.stdout).toMatch(/▶ 4\/4 {2}004_archive_cancelled_bookings\.sql: deletes rows by mistake/);
    expect(run.stdout).toMatch(/FAIL\s+compare\s+data lost in public\.booking_events \(shrank\), public\.bookings \(shrank\)/);
    expect(run.stdout).toContain('ROLLBACK RECOMMENDED');
    expect(run.stdout).toMatch(/002_drop_customer_phone\.sql\s+drops a column that still holds data\s+STOPPED\s+lint: ban-drop-column\s+as expected/);
    expect(run.stdout).toMatch(/PASS: 4\/4 as expected; demo finished in \d+(\.\d)? m?s/);
  });
});
