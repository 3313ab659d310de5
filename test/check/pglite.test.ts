import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../src/check/run.js';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { runCli } from '../helpers/cli.js';
import { finding, SEED, statement, writeMigrations } from './scenarios.js';
import { scenarioTests } from './shared.js';

// One PGlite instance for the file (opening one takes seconds): every scenario has its own tables.
let shared: Db;
const openShadow = async (): Promise<Db> => Object.create(shared, { close: { value: async () => undefined } }) as Db;

beforeAll(async () => {
  shared = await openDb('pglite://memory');
}, 60_000);
afterAll(() => shared.close());

describe('check: shadow replay on PGlite', () => {
  scenarioTests(async (scenario) => {
    const dir = writeMigrations(scenario, { withSetup: true });
    const files = await discoverMigrations(['migrations'], { cwd: dir });
    const report = await runCheck({ files, select: { kind: 'last', count: 1 }, openShadow });
    expect(report.mode).toBe('shadow');
    return report;
  });

  it('a failing setup migration stops the replay and is reported with its file and line', async () => {
    const dir = writeMigrations({ setup: 'CREATE TABLE ok_one (id int);\nCREATE TABLE ok_one (id int);\n', migration: 'SELECT 1;\n' }, { withSetup: true });
    const files = await discoverMigrations(['migrations'], { cwd: dir });
    const report = await runCheck({ files, select: { kind: 'last', count: 1 }, openShadow });
    expect(report.migrations[0]).toMatchObject({ role: 'replayed', status: 'failed', path: 'migrations/001_setup.sql' });
    expect(report.migrations[0]!.statements[0]!.error).toMatchObject({ line: 2, sqlState: '42P07' });
    expect(report.migrations[1]).toMatchObject({ path: 'migrations/002_change.sql', status: 'not-run' });
    expect(report.verdict).toBe('fail');
  });

  it('malformed SQL in a replayed migration stops the replay at its line and column', async () => {
    const dir = writeMigrations({ setup: 'CREATE TABLE fine_t (id int);\nCREATE TABLE broken_t (id int,, name text);\n', migration: 'SELECT 1;\n' }, { withSetup: true });
    const report = await runCheck({ files: await discoverMigrations(['migrations'], { cwd: dir }), select: { kind: 'last', count: 1 }, openShadow });
    const failed = report.migrations[0]!;
    expect(failed).toMatchObject({ role: 'replayed', status: 'failed', path: 'migrations/001_setup.sql' });
    expect(failed.statements[0]!.error).toMatchObject({ line: 2, column: 31, sqlState: '42601' });
    expect(failed.statements[0]!.error!.message).toMatch(/syntax error at or near ","/);
    expect(report.verdict).toBe('fail');
  });

  it('text output shows control characters from the migrations instead of sending them to the terminal', async () => {
    const dir = writeMigrations(
      { setup: 'CREATE TABLE "no\u001b[2Jtes" (body text);\n', migration: 'INSERT INTO "no\u001b[2Jtes" VALUES (\'a\u001b]0;pwned\u0007b\');\nALTER TABLE "no\u001b[2Jtes" ADD COLUMN n int NOT NULL DEFAULT 0;\n' },
      { withSetup: true },
    );
    const run = await runCli(['check', 'migrations', '--last', '1'], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(run.stdout).not.toMatch(/[\u001b\u0007]/);
    expect(run.stdout).toContain("VALUES ('a\u241b]0;pwned\u2407b')");
    expect(run.stdout).toContain('no\u241b[2Jtes');
  }, 60_000);

  it('end to end through the CLI (its own shadow database): exit 1 naming the value, the rows and the function', async () => {
    const dir = writeMigrations(SEED, { withSetup: true });
    const run = await runCli(['check', 'migrations', '--last', '1'], { cwd: dir });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain("'member_program_item_schedule'");
    expect(run.stdout).toContain('3 rows hold it');
    expect(run.stdout).toContain('function log_schedule_item()');
    expect(run.stdout).toContain('trigger trg_log_schedule_item on program_items');
    expect(run.stdout).toMatch(/FAIL 1 migration/);
    const json = await runCli(['check', 'migrations', '--last', '1', '--format', 'json'], { cwd: dir });
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout);
    expect(report.verdict).toBe('fail');
    expect(report.mode).toBe('shadow');
    expect(report.replayed).toBe(1);
  }, 60_000);

  it('a migration that creates a table passes, with the new table and its locks reported', async () => {
    // Regression: the shadow commits each statement, and the size of a table the statement locked
    // used to be read outside a transaction (SAVEPOINT error, exit 3).
    const dir = writeMigrations({ setup: 'SELECT 1;\n', migration: 'CREATE TABLE fresh_t (id int PRIMARY KEY);\n' }, { withSetup: true });
    const report = await runCheck({ files: await discoverMigrations(['migrations'], { cwd: dir }), select: { kind: 'last', count: 1 }, openShadow });
    expect(report.verdict).toBe('pass');
    const created = statement(report, 'CREATE TABLE fresh_t');
    expect(created.status).toBe('ok');
    expect(created.locks.map((l) => `${l.mode} ${l.relation}`)).toContain('AccessExclusiveLock fresh_t');
    expect(created.tables.map((t) => t.table)).toEqual(['fresh_t']);
  });

  it('a new CHECK on a column that already has one counts as a replacement', async () => {
    const dir = writeMigrations(
      {
        setup: `CREATE TABLE tickets (id int PRIMARY KEY, prio text CHECK (prio IN ('low', 'high', 'urgent')));\nINSERT INTO tickets VALUES (1, 'urgent'), (2, 'low');`,
        migration: `ALTER TABLE tickets ADD CONSTRAINT tickets_prio_two CHECK (prio IN ('low', 'high')) NOT VALID;\n`,
      },
      { withSetup: true },
    );
    const report = await runCheck({ files: await discoverMigrations(['migrations'], { cwd: dir }), select: { kind: 'last', count: 1 }, openShadow });
    expect(finding(report, 'check-value-removed').removedValues).toEqual([{ column: 'prio', value: 'urgent', rows: 1, usedBy: [] }]);
    // NOT VALID: the statement applies, the violation is a warning for the later VALIDATE.
    expect(finding(report, 'check-violation').severity).toBe('warning');
  });

  it('BEGIN / COMMIT in a file are not run: the check supplies the transaction', async () => {
    const dir = writeMigrations({ setup: 'CREATE TABLE tx_t (id int);', migration: 'BEGIN;\nALTER TABLE tx_t ADD COLUMN n int;\nCOMMIT;\n' }, { withSetup: true });
    const report = await runCheck({ files: await discoverMigrations(['migrations'], { cwd: dir }), select: { kind: 'last', count: 1 }, openShadow });
    expect(statement(report, 'BEGIN')).toMatchObject({ status: 'not-rehearsed', reason: expect.stringContaining('transaction control') });
    expect(statement(report, 'ADD COLUMN n').status).toBe('ok');
    expect(report.verdict).toBe('pass');
  });

  it('--since REF: earlier migrations are replayed, only the changed ones are checked', async () => {
    const dir = writeMigrations(SEED, { withSetup: true });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, stdio: 'pipe' });
    git('init', '-q');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'add', 'migrations/001_setup.sql');
    git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'setup');
    writeFileSync(path.join(dir, 'migrations', '003_more.sql'), 'ALTER TABLE program_items ADD COLUMN note text;\n');
    const run = await runCli(['check', 'migrations', '--since', 'HEAD', '--format', 'json'], { cwd: dir });
    const report = JSON.parse(run.stdout);
    expect(report.selection).toBe('since');
    expect(report.replayed).toBe(1);
    expect(report.migrations.map((m: { path: string }) => m.path)).toEqual(['migrations/002_change.sql', 'migrations/003_more.sql']);
    expect(run.code).toBe(1);
  }, 60_000);

  it('a clean migration exits 0; bad flags exit 2', async () => {
    const dir = writeMigrations({ setup: 'CREATE TABLE clean_t (id int PRIMARY KEY);', migration: 'ALTER TABLE clean_t ADD COLUMN note text;\n' }, { withSetup: true });
    const files = await discoverMigrations(['migrations'], { cwd: dir });
    const report = await runCheck({ files, select: { kind: 'last', count: 1 }, openShadow });
    expect(report.verdict).toBe('pass');
    expect((await runCli(['check', 'migrations', '--last', 'two'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['check', 'migrations', '--pending'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['check', 'migrations', '--last', '1', '--since', 'HEAD'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['check', 'nowhere'], { cwd: dir })).code).toBe(2);
  });
});
