/**
 * The guarded deploy end to end against real PostgreSQL: three databases as test, staging and
 * production (identities marked), a config listing them in promotion order, and psql as the
 * team's migrate command.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import { readPromotionGates } from '../../src/deploy/gate.js';
import type { DeployReport } from '../../src/deploy/types.js';
import { runCli } from '../helpers/cli.js';
import { adminUrl } from '../helpers/pg.js';
import { ADD_NOTES, history, project, psql, readReport } from './project.js';


describe('prodguard deploy: the promotion gate', () => {
  it('refuses production before staging passed the same migration set, allows it after', async () => {
    const p = await project();
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    const migrate = psql('migrations/001_add_notes.sql');

    const refused = await p.run(['deploy', '--env', 'production', '--report', 'refused.json', '--', ...migrate]);
    expect(refused.code, refused.stdout + refused.stderr).toBe(1);
    expect(refused.stdout).toMatch(/FAIL\s+gate\s+refused: deploying to "production" needs a passing deploy of this migration set to "staging" first; "staging" has none/);
    expect(refused.stdout).toContain('migrations/001_add_notes.sql');
    expect(refused.stdout).toContain('prodguard deploy --env staging');
    expect(await p.dbs.production.sql(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'customers' AND column_name = 'notes'`)).toEqual([{ n: 0 }]);
    const refusedReport = readReport(p, 'refused.json');
    expect(refusedReport).toMatchObject({ outcome: 'failed', failedPhase: 'gate', exitCode: 1, environment: 'production' });
    expect(refusedReport.phases.find((ph) => ph.phase === 'migrate')?.status).toBe('not-run');

    // Staging before test is refused just the same.
    const stagingFirst = await p.run(['deploy', '--env', 'staging', '--', ...migrate]);
    expect(stagingFirst.code).toBe(1);
    expect(stagingFirst.stdout).toContain('needs a passing deploy of this migration set to "test" first');

    const test = await p.run(['deploy', '--env', 'test', '--', ...migrate]);
    expect(test.code, test.stdout + test.stderr).toBe(0);
    expect(test.stdout).toMatch(/PASS\s+gate\s+"test" is the first environment/);
    const staging = await p.run(['deploy', '--env', 'staging', '--', ...migrate]);
    expect(staging.code, staging.stdout + staging.stderr).toBe(0);
    expect(staging.stdout).toMatch(/PASS\s+gate\s+"test" passed this migration set/);
    const production = await p.run(['deploy', '--env', 'production', '--report', 'prod.json', '--', ...migrate]);
    expect(production.code, production.stdout + production.stderr).toBe(0);
    expect(production.stdout).toMatch(/PASS\s+gate\s+"staging" passed this migration set \([0-9a-f]{12}\) in run #\d+/);
    expect(production.stdout).toMatch(/PASS: deployed migration set [0-9a-f]{12} \(1 file\) to production/);
    expect(await p.dbs.production.sql(`SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'customers' AND column_name = 'notes'`)).toEqual([{ n: 1 }]);

    const report = readReport(p, 'prod.json');
    expect(report.phases.map((ph) => [ph.phase, ph.status])).toEqual([
      ['preflight', 'warn'], // connected as a superuser: a warning, not a stop
      ['gate', 'pass'],
      ['lint', 'pass'],
      ['check', report.phases[3]!.status],
      ['backup', 'pass'],
      ['snapshot', 'pass'],
      ['migrate', 'pass'],
      ['compare', 'pass'],
      ['verify', report.phases[8]!.status],
      ['record', 'pass'],
    ]);
    expect(report.migrationSet.files).toEqual([expect.objectContaining({ path: 'migrations/001_add_notes.sql', sha256: expect.stringMatching(/^[0-9a-f]{64}$/) })]);
    expect(report.migrationSet.hash).toBe(refusedReport.migrationSet.hash);
    expect(report.backup?.path).toMatch(/backups\/.*\.dump$/);
    expect(report.actor).toBe('ci-bot');
    expect(report.migrate).toMatchObject({ exitCode: 0 });

    // The ledger read back by history: newest first, with phases and outcomes.
    const prodRuns = await history(p, 'production');
    expect(prodRuns.map((r) => [r.outcome, r.failedPhase])).toEqual([
      ['passed', null],
      ['failed', 'gate'],
    ]);
    expect(prodRuns[0]).toMatchObject({ environment: 'production', actor: 'ci-bot', migrationSet: report.migrationSet.hash, backupPath: report.backup?.path });
    expect(prodRuns[0]!.phases).toHaveLength(10);
    expect(prodRuns[0]!.migrations).toEqual(report.migrationSet.files);
    const text = await p.run(['history']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/#\d+ .* production {2}passed/);
    expect(text.stdout).toMatch(/production {2}failed at gate/);
    expect(text.stdout.indexOf('production  passed')).toBeLessThan(text.stdout.indexOf('production  failed at gate'));

    // The gate state the dashboard shows: test → staging and staging → production open and promoted.
    const dbs = await Promise.all([p.dbs.test, p.dbs.staging, p.dbs.production].map((d) => openDb(d.url)));
    try {
      const byName = { test: dbs[0]!, staging: dbs[1]!, production: dbs[2]! } as const;
      const gates = await readPromotionGates(
        [{ name: 'test', kind: 'test' }, { name: 'staging', kind: 'staging' }, { name: 'production', kind: 'production' }],
        async (name) => byName[name as keyof typeof byName],
      );
      expect(gates.map((g) => [g.from, g.to, g.open, g.promoted, g.migrationSet])).toEqual([
        ['test', 'staging', true, true, report.migrationSet.hash],
        ['staging', 'production', true, true, report.migrationSet.hash],
      ]);
    } finally {
      await Promise.all(dbs.map((d) => d.close()));
    }

    // Applied files count as applied next time: nothing pending, nothing to promote.
    const again = await p.run(['deploy', '--env', 'production', '--', 'true']);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('0 pending migrations');
  });
});

describe('prodguard deploy: failures and their record', () => {
  it('a migration that loses rows is stopped at compare with exit 1, and the printed restore command brings the data back', async () => {
    const p = await project({ backupDir: 'my backups' });
    p.write('migrations/001_purge.sql', 'DELETE FROM customers WHERE id > 150;\n');
    const run = await p.run(['deploy', '--env', 'test', '--report', 'r.json', '--', ...psql('migrations/001_purge.sql')]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+compare\s+data lost in public\.customers \(shrank\)/);
    expect(run.stdout).toContain('ROLLBACK RECOMMENDED: compare failed after the migrate');
    const line = run.stdout.split('\n').find((l) => l.trim().startsWith('prodguard backup restore'));
    // Absolute and quoted: it works pasted anywhere, also with a space in the backup directory.
    expect(line).toMatch(/^ {4}prodguard backup restore '\/\S+\/my backups\/\S+\.dump' --env test --clean --yes$/);
    expect(run.stdout).toContain(`migrate    sh -c 'for f in migrations/001_purge.sql; do psql "$DATABASE_URL"`);
    expect(await p.dbs.test.sql(`SELECT count(*)::int AS n FROM customers`)).toEqual([{ n: 150 }]);

    // The same command again must not re-run the file, snapshot after the loss and pass: the
    // environment is blocked until the failure is resolved.
    const rerun = await p.run(['deploy', '--env', 'test', '--', ...psql('migrations/001_purge.sql')]);
    expect(rerun.code, rerun.stdout).toBe(1);
    expect(rerun.stdout).toMatch(/FAIL\s+preflight\s+1 failed deploy after the migrate ran is not resolved: run #\d+ \(failed at compare\)/);
    expect(rerun.stdout).toContain('prodguard deploy --env test --resolve --reason');
    expect(rerun.stdout).not.toMatch(/PASS: deployed/);
    // (a failed preflight is not recorded: see the preflight test)
    expect((await history(p, 'test')).map((r) => [r.outcome, r.failedPhase, r.blocking])).toEqual([['failed', 'compare', true]]);
    expect((await p.run(['history', '--env', 'test'])).stdout).toContain('blocks deploys until resolved: restore its backup, or prodguard deploy --env test --resolve');

    // Run exactly as printed, through a shell, with `prodguard` on PATH.
    const shim = path.join(p.dir, 'bin');
    mkdirSync(shim);
    writeFileSync(path.join(shim, 'prodguard'), `#!/bin/sh\nexec "${process.execPath}" "${path.resolve('bin/prodguard.js')}" "$@"\n`, { mode: 0o755 });
    const restore = spawnSync('sh', ['-c', line!.trim()], { cwd: p.dir, env: { ...process.env, ...p.env, PATH: `${shim}:${process.env.PATH}` }, encoding: 'utf8' });
    expect(restore.status, restore.stdout + restore.stderr).toBe(0);
    expect(restore.stdout).toMatch(/resolved failed deploy run #\d+: the files it applied count as pending again/);
    expect(await p.dbs.test.sql(`SELECT count(*)::int AS n FROM customers`)).toEqual([{ n: 200 }]);

    const report = readReport(p, 'r.json');
    expect(report).toMatchObject({ outcome: 'failed', failedPhase: 'compare', exitCode: 1, losses: ['public.customers (shrank)'] });
    expect(report.rollback).toMatchObject({ restoreCommand: line!.trim(), autoRollback: { requested: false, restored: false } });
    // The restore forgot the file the failed deploy applied: it is pending again.
    const dry = await p.run(['deploy', '--env', 'test', '--dry-run']);
    expect(dry.code, dry.stdout).toBe(0);
    expect(dry.stdout).toContain('pending: migrations/001_purge.sql');

    // Failing again, then accepting the state: --resolve unblocks, and the file stays applied.
    expect((await p.run(['deploy', '--env', 'test', '--', ...psql('migrations/001_purge.sql')])).code).toBe(1);
    expect((await p.run(['deploy', '--env', 'test', '--resolve'])).code).toBe(2);
    const resolved = await p.run(['deploy', '--env', 'test', '--resolve', '--reason', 'the purged rows were fixtures']);
    expect(resolved.code, resolved.stdout + resolved.stderr).toBe(0);
    expect(resolved.stdout).toMatch(/resolved run #\d+ on test \(the purged rows were fixtures\)/);
    const after = await p.run(['deploy', '--env', 'test', '--dry-run']);
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).toContain('0 pending migrations');
    const runs = await history(p, 'test');
    expect(runs.map((r) => [r.blocking, r.resolution])).toEqual([
      [false, 'acknowledged by ci-bot: the purged rows were fixtures'],
      [false, expect.stringMatching(/^restored \S+\.dump$/)],
    ]);
  });

  it('--auto-rollback restores the backup itself when nothing was written since the migrate', async () => {
    const p = await project();
    p.write('migrations/001_purge.sql', 'DELETE FROM customers WHERE id <= 20;\n');
    const run = await p.run(['deploy', '--env', 'test', '--auto-rollback', '--report', 'r.json', '--', ...psql('migrations/001_purge.sql')]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('--auto-rollback: the backup was restored');
    expect(await p.dbs.test.sql(`SELECT count(*)::int AS n FROM customers`)).toEqual([{ n: 200 }]);
    expect(readReport(p, 'r.json').rollback?.autoRollback).toEqual({ requested: true, attempted: true, restored: true, refusedReason: null });
    // Restored: the environment is not blocked, and the file is pending again.
    const dry = await p.run(['deploy', '--env', 'test', '--dry-run']);
    expect(dry.code, dry.stdout).toBe(0);
    expect(dry.stdout).toContain('pending: migrations/001_purge.sql');
  });

  it('--skip needs --reason, and the reason is recorded', async () => {
    const p = await project();
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    const noReason = await p.run(['deploy', '--env', 'test', '--skip', 'backup', '--', ...psql('migrations/001_add_notes.sql')]);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toContain('needs --reason');
    const badPhase = await p.run(['deploy', '--env', 'test', '--skip', 'record', '--reason', 'x', '--', 'true']);
    expect(badPhase.code).toBe(2);

    const run = await p.run(['deploy', '--env', 'test', '--skip', 'backup', '--reason', 'test data is disposable', '--', ...psql('migrations/001_add_notes.sql')]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/SKIP\s+backup\s+skipped: test data is disposable/);
    const [recorded] = await history(p, 'test');
    expect(recorded!.skips).toEqual([{ phase: 'backup', reason: 'test data is disposable' }]);
    expect(recorded!.phases.find((ph) => ph.phase === 'backup')).toMatchObject({ status: 'skip', skipReason: 'test data is disposable' });
    const text = await p.run(['history', '--env', 'test']);
    expect(text.stdout).toContain('skipped backup: test data is disposable');
  });

  it('production refuses to skip its gate, backup, snapshot or compare', async () => {
    const p = await project({ config: 'deploy:\n  promotion: [production]\n' });
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    const run = await p.run(['deploy', '--env', 'production', '--skip', 'backup', '--reason', 'in a hurry', '--', ...psql('migrations/001_add_notes.sql')]);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+preflight\s+production cannot skip backup: --skip is refused \(reason given: in a hurry\)/);
    for (const phase of ['gate', 'snapshot', 'compare']) {
      const skipped = await p.run(['deploy', '--env', 'production', '--skip', phase, '--reason', 'in a hurry', '--', ...psql('migrations/001_add_notes.sql')]);
      expect(skipped.code, skipped.stdout).toBe(1);
      expect(skipped.stdout).toMatch(new RegExp(`FAIL\\s+preflight\\s+production cannot skip ${phase}: --skip is refused`));
    }
    expect(await p.dbs.production.sql(`SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'notes'`)).toEqual([{ n: 0 }]);
  });

  it('a failing migrate command is recorded as failed, with its exit code and output', async () => {
    const p = await project();
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    const run = await p.run(['deploy', '--env', 'test', '--report', 'r.json', '--', 'sh', '-c', 'echo "applying 001_add_notes"; echo "ERROR: relation does not exist" >&2; exit 7']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('│ ERROR: relation does not exist');
    expect(run.stdout).toMatch(/FAIL\s+migrate\s+the migrate command exited with code 7/);
    expect(run.stdout).toContain('ROLLBACK RECOMMENDED: migrate failed');
    const report = readReport(p, 'r.json');
    expect(report.migrate).toMatchObject({ exitCode: 7, outputTail: expect.arrayContaining(['ERROR: relation does not exist']) });
    const [recorded] = await history(p, 'test');
    expect(recorded).toMatchObject({ outcome: 'failed', failedPhase: 'migrate' });
    expect(recorded!.phases.find((ph) => ph.phase === 'compare')?.status).toBe('not-run');

    // The migrate command ran (exit 7): the environment waits for a decision before the next deploy.
    const blocked = await p.run(['deploy', '--env', 'test', '--', 'no-such-migrate-tool-xyz']);
    expect(blocked.code).toBe(1);
    expect(blocked.stdout).toMatch(/FAIL\s+preflight\s+1 failed deploy after the migrate ran is not resolved/);
    expect((await p.run(['deploy', '--env', 'test', '--resolve', '--reason', 'nothing was applied'])).code).toBe(0);
    const missing = await p.run(['deploy', '--env', 'test', '--', 'no-such-migrate-tool-xyz']);
    expect(missing.code).toBe(3);
    expect(missing.stdout).toContain('migrate command "no-such-migrate-tool-xyz" was not found');
  });

  it('a file changed after it was applied is an error, not a silent re-run', async () => {
    const p = await project();
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    expect((await p.run(['deploy', '--env', 'test', '--', ...psql('migrations/001_add_notes.sql')])).code).toBe(0);
    p.write('migrations/001_add_notes.sql', `${ADD_NOTES}ALTER TABLE customers ADD COLUMN vip boolean;\n`);
    const run = await p.run(['deploy', '--env', 'test', '--', 'true']);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+preflight\s+1 migration changed after it was applied: migrations\/001_add_notes\.sql/);
    expect(run.stdout).toContain('write a new migration instead of editing an applied one');
  });

  it('--dry-run runs phases 1–6, applies and records nothing', async () => {
    const p = await project();
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    const run = await p.run(['deploy', '--env', 'test', '--dry-run', '--format', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as DeployReport;
    expect(report.outcome).toBe('dry-run');
    expect(report.phases.filter((ph) => ph.status !== 'not-run').map((ph) => ph.phase)).toEqual(['preflight', 'gate', 'lint', 'check', 'backup', 'snapshot']);
    expect(report.runId).toBeNull();
    expect(await history(p, 'test')).toEqual([]);
    expect(await p.dbs.test.sql(`SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'notes'`)).toEqual([{ n: 0 }]);
  });

  it('preflight stops a deploy whose URL points at another environment, and lint stops an error', async () => {
    const p = await project();
    p.write('migrations/001_drop.sql', 'ALTER TABLE customers DROP COLUMN phone;\n');
    const wrong = await runCli(['deploy', '--env', 'test', '--report', 'wrong.json', '--', 'true'], { cwd: p.dir, env: { ...p.env, TEST_URL: p.dbs.staging.url } });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/FAIL\s+preflight\s+expected environment "test", but the database is marked "staging"/);
    // Nothing was written into the database that turned out to be another environment.
    expect(await p.dbs.staging.sql(`SELECT to_regclass('prodguard.runs') IS NULL AS absent`)).toEqual([{ absent: true }]);
    expect(readReport(p, 'wrong.json')).toMatchObject({ outcome: 'failed', failedPhase: 'preflight', runId: null });
    const lint = await p.run(['deploy', '--env', 'test', '--', ...psql('migrations/001_drop.sql')]);
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(/FAIL\s+lint\s+1 file, 1 error/);
    expect(lint.stdout).toContain('ban-drop-column');
    expect(await p.dbs.test.sql(`SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'phone'`)).toEqual([{ n: 1 }]);
  });

  it('lint reads the applied migrations as the existing schema: a widening of a type they declared passes', async () => {
    const p = await project();
    p.write('migrations/001_gadgets.sql', 'CREATE TABLE gadgets (id bigint PRIMARY KEY, name varchar(50));\n');
    const first = await p.run(['deploy', '--env', 'test', '--', ...psql('migrations/001_gadgets.sql')]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    p.write('migrations/002_widen.sql', "SET lock_timeout = '1s';\nSET statement_timeout = '1min';\nALTER TABLE gadgets ALTER COLUMN name TYPE varchar(100);\n");
    p.write('migrations/003_drop.sql', 'DROP TABLE gadgets;\n');
    const second = await p.run(['deploy', '--env', 'test', '--dry-run']);
    // 001 is applied: the drop of its table is reported; the widening of its column is known to be safe.
    expect(second.code).toBe(1);
    expect(second.stdout).toContain('ban-drop-table');
    expect(second.stdout).not.toContain('changing-column-type');
    expect(second.stdout).toMatch(/FAIL\s+lint\s+2 files, 1 error/);
  });

  it('deploy.requireRollback: a migration without a down script fails lint; one with it passes', async () => {
    const p = await project({ config: 'deploy:\n  requireRollback: true\n' });
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    const missing = await p.run(['deploy', '--env', 'test', '--dry-run']);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('require-rollback migrations/001_add_notes.sql: no down migration');
    p.write('migrations/001_add_notes.sql', `-- migrate:up\n${ADD_NOTES}\n-- migrate:down\nALTER TABLE customers DROP COLUMN notes;\n`);
    const present = await p.run(['deploy', '--env', 'test', '--dry-run']);
    expect(present.code, present.stdout).toBe(0);
  });

  it('deploy.verifyRestoreTo: each backup is restore-tested in a throwaway database on that server', async () => {
    const p = await project({ config: `deploy:\n  verifyRestoreTo: ${adminUrl()}\n` });
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    const run = await p.run(['deploy', '--env', 'test', '--report', 'r.json', '--', ...psql('migrations/001_add_notes.sql')]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/PASS\s+backup\s+\S+\.dump, verified by a full restore/);
    expect(run.stdout).toMatch(/PASS restored data: 1 tables and entities match the manifest snapshot/);
    expect(readReport(p, 'r.json').backup).toMatchObject({ verified: true, restoredCheck: true });
    // The throwaway database it restored into is gone again.
    const scratch = /restored into \S+\/(prodguard_verify_[0-9a-f]+)/.exec(run.stdout)?.[1];
    expect(scratch).toBeDefined();
    expect(await p.dbs.test.sql(`SELECT count(*)::int AS n FROM pg_database WHERE datname = $1`, [scratch])).toEqual([{ n: 0 }]);
    // DROP DATABASE waits for a checkpoint, which a busy shared server can make slow.
  }, 180_000);

  it('one deploy at a time: a second deploy to the same database while one runs stops at preflight', async () => {
    const p = await project();
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    // The first deploy's migrate waits for a file the test writes once the second deploy is done,
    // so the overlap does not depend on how fast this machine is.
    const slow = p.run(['deploy', '--env', 'test', '--', 'sh', '-c', 'while [ ! -f release ]; do sleep 0.1; done']);
    let held = false;
    for (let i = 0; i < 600 && !held; i++) {
      const rows = await p.dbs.test.sql(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND classid = 1886547812 AND objid = 1 AND granted`);
      held = rows[0]?.n === 1;
      if (!held) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(held, 'the first deploy took the lock').toBe(true);
    const second = await p.run(['deploy', '--env', 'test', '--', 'true']);
    p.write('release', '');
    expect(second.code, second.stdout).toBe(1);
    expect(second.stdout).toMatch(/FAIL\s+preflight\s+another prodguard deploy is running against this database/);
    const first = await slow;
    expect(first.code, first.stdout + first.stderr).toBe(0);
    // Released at the end: the next deploy gets past preflight.
    const third = await p.run(['deploy', '--env', 'test', '--dry-run']);
    expect(third.stdout).toMatch(/(PASS|WARN)\s+preflight/);
  });

  it('an unreachable environment: exit 3 with the redacted URL, and usage errors exit 2', async () => {
    const p = await project();
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    const down = await runCli(['deploy', '--env', 'test', '--', 'true'], { cwd: p.dir, env: { ...p.env, TEST_URL: 'postgresql://postgres:hunter2pass@127.0.0.1:1/x' } });
    expect(down.code).toBe(3);
    expect(down.stderr).toContain('cannot connect to');
    expect(down.stderr).not.toContain('hunter2pass');
    expect((await p.run(['deploy', '--env', 'nowhere', '--', 'true'])).code).toBe(2);
    expect((await p.run(['deploy', '--env', 'test'])).code).toBe(2);
  });
});
