import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/registry.js';
import { createTestDatabase } from '../helpers/pg.js';
import { runCli } from '../helpers/cli.js';

function emptyDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'prodguard-cli-'));
}

describe('prodguard CLI', () => {
  it('--help lists every command and the exit codes', async () => {
    const run = await runCli(['--help'], { cwd: emptyDir() });
    expect(run.code).toBe(0);
    for (const command of COMMANDS) expect(run.stdout).toContain(command.name);
    expect(run.stdout).toContain('Exit codes: 0 passed, 1 failed, 2 usage or configuration error, 3 could not run');
  });

  it.each(COMMANDS.map((c) => c.name))('%s --help shows examples', async (name) => {
    const run = await runCli([name, '--help'], { cwd: emptyDir() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Examples:');
    expect(run.stdout).toContain(`prodguard ${name}`);
  });

  it('an unknown command or option is a usage error (exit 2) with a suggestion', async () => {
    const run = await runCli(['prefligth'], { cwd: emptyDir() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('preflight');
    const option = await runCli(['preflight', '--dbb', 'x'], { cwd: emptyDir() });
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/unknown option/);
  });

  it('no database anywhere is a usage error that says how to give one', async () => {
    const run = await runCli(['preflight'], { cwd: emptyDir(), env: {} });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('PRODGUARD_NO_DATABASE');
    expect(run.stderr).toContain('--db');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('preflight against pglite://memory prints the checklist and exits 0', async () => {
    const run = await runCli(['preflight', '--db', 'pglite://memory'], { cwd: emptyDir() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/PASS\s+database reachable/);
    expect(run.stdout).toMatch(/WARN\s+recorded identity/);
    expect(run.stdout).toMatch(/^WARN: \d+ passed, 1 warning/m);
  });

  it('--fail-on warning turns warnings into exit 1', async () => {
    const run = await runCli(['preflight', '--db', 'pglite://memory', '--fail-on', 'warning'], { cwd: emptyDir() });
    expect(run.code).toBe(1);
  });

  it('preflight --format json gives the same checks as data', async () => {
    const run = await runCli(['preflight', '--db', 'pglite://memory', '--format', 'json'], { cwd: emptyDir() });
    const report = JSON.parse(run.stdout) as { verdict: string; checks: { id: string; status: string }[]; server: { major: number } };
    expect(report.verdict).toBe('warn');
    expect(report.checks.map((c) => c.id)).toEqual(
      expect.arrayContaining(['connection', 'server-version', 'user', 'identity', 'name-heuristic', 'long-transactions', 'lock-waits']),
    );
    expect(report.server.major).toBeGreaterThanOrEqual(14);
  });

  it('a database marked production fails preflight --env test (exit 1)', async () => {
    const target = await createTestDatabase('cli_prod');
    const marked = await runCli(['env', 'mark', '--db', target.url, '--as', 'production', '--name', 'production']);
    expect(marked.code).toBe(0);
    expect(marked.stdout).toContain('as "production" (production)');
    const dir = emptyDir();
    writeFileSync(
      path.join(dir, 'prodguard.config.yaml'),
      `environments:\n  - name: test\n    url: \${TEST_DATABASE_URL}\n  - name: production\n    url: \${PRODUCTION_DATABASE_URL}\n`,
    );
    const run = await runCli(['preflight', '--env', 'test'], { cwd: dir, env: { TEST_DATABASE_URL: target.url } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+recorded identity\s+this database is PRODUCTION/);
    expect(run.stdout).toMatch(/^FAIL:/m);
  });

  it('env mark refuses to re-mark production without --force (exit 1), env show reads it', async () => {
    const target = await createTestDatabase('cli_mark');
    expect((await runCli(['env', 'show', '--db', target.url])).code).toBe(1);
    expect((await runCli(['env', 'mark', '--db', target.url, '--as', 'production'])).code).toBe(0);
    const refused = await runCli(['env', 'mark', '--db', target.url, '--as', 'test']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('PRODGUARD_PROTECTED');
    expect(refused.stderr).toContain('--force');
    const forced = await runCli(['env', 'mark', '--db', target.url, '--as', 'test', '--name', 'ci', '--force']);
    expect(forced.code).toBe(0);
    const show = await runCli(['env', 'show', '--db', target.url, '--format', 'json']);
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout).identity).toMatchObject({ name: 'ci', kind: 'test' });
  });

  it('a broken config exits 2 listing every problem with its key path', async () => {
    const dir = emptyDir();
    writeFileSync(
      path.join(dir, 'prodguard.config.yaml'),
      'environments:\n  - name: test\n    kind: qa\n    protected: maybe\nsession:\n  statementTimeout: forever\ntypo: 1\n',
    );
    const run = await runCli(['preflight', '--db', 'pglite://memory'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('PRODGUARD_CONFIG_INVALID');
    expect(run.stderr).toContain('4 problems');
    expect(run.stderr).toContain('environments.0.kind:');
    expect(run.stderr).toContain('environments.0.protected:');
    expect(run.stderr).toContain('session.statementTimeout:');
    expect(run.stderr).toContain('unknown key "typo"');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it('--config points at a file explicitly', async () => {
    const dir = emptyDir();
    writeFileSync(path.join(dir, 'custom.yaml'), 'environments:\n  - name: local\n    url: pglite://memory\n    kind: development\n');
    const run = await runCli(['--config', path.join(dir, 'custom.yaml'), 'preflight', '--env', 'local'], { cwd: emptyDir() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(environment local)');
  });

  it('an unreachable server exits 3 with the reason and the redacted URL', async () => {
    const run = await runCli(['preflight', '--db', 'postgresql://postgres:Sup3rSecret@127.0.0.1:1/x'], { cwd: emptyDir() });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('PRODGUARD_CONNECTION_FAILED');
    expect(run.stderr).toContain('postgresql://postgres:***@127.0.0.1:1/x');
    expect(run.stderr).toContain('ECONNREFUSED');
    expect(run.stdout + run.stderr).not.toContain('Sup3rSecret');
  });
});
