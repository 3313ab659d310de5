import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/registry.js';
import { selectDetectors } from '../../src/redact/detectors.js';
import { findSecrets } from '../../src/redact/find.js';
import { redactText } from '../../src/redact/secrets.js';
import { EMBEDDED_PASSWORD } from '../setup/postgres.js';
import { createTestDatabase, withPassword } from '../helpers/pg.js';
import { runCli } from '../helpers/cli.js';
import { inject } from 'vitest';

/**
 * The contract "secrets are never printed": every command runs with a password in its database
 * URL — against a reachable server, an unreachable one, a config environment and DATABASE_URL —
 * and neither stdout nor stderr may contain it, nor anything our own detectors would redact.
 */
const PASSWORD = inject('pgSource') === 'embedded' ? EMBEDDED_PASSWORD : 'Sup3rSecret-t0ken';

/** Invocations per command; every registered command must appear here. */
function invocations(url: string): Record<string, string[][]> {
  return {
    preflight: [['preflight', '--db', url], ['preflight', '--db', url, '--format', 'json'], ['preflight', '--env', 'staging'], ['preflight']],
    env: [
      ['env', 'show', '--db', url],
      ['env', 'mark', '--db', url, '--as', 'staging', '--name', 'staging'],
      ['env', 'mark', '--db', url, '--as', 'staging', '--format', 'json'],
      ['env', 'show', '--env', 'staging', '--format', 'json'],
    ],
    // The migration's source line (shown under a finding) carries the URL with its password.
    lint: [['lint', 'migrations'], ['lint', 'migrations', '--format', 'json'], ['lint', 'migrations', '--format', 'sarif'], ['lint', 'migrations', '--format', 'github'], ['lint', 'migrations', '--report', 'lint.html']],
    check: [
      ['check', 'migrations'],
      ['check', 'migrations', '--db', url, '--last', '1'],
      ['check', 'migrations', '--db', url, '--pending', '--format', 'json'],
      ['check', 'migrations', '--env', 'staging', '--pre-checks-only'],
      ['check', 'migrations', '--db', url, '--report', 'check.html'],
      ['check', 'migrations', '--db', url, '--rollback'],
    ],
    rules: [['rules'], ['rules', '--format', 'json']],
    explain: [['explain', 'ban-drop-table']],
    snapshot: [['snapshot', '--db', url], ['snapshot', '--env', 'staging', '--out', 'before.json', '--jobs', '2']],
    compare: [
      ['snapshot', '--db', url, '--out', 'before.json'],
      ['compare', 'before.json', '--db', url],
      ['compare', 'before.json', '--env', 'staging', '--format', 'json'],
      ['compare', 'before.json', '--format', 'junit'],
      ['compare', 'before.json', '--db', url, '--report', 'compare.html'],
    ],
    // serve is long-running; --check starts it, requests the page and every endpoint, and stops.
    serve: [['serve', '--db', url, '--port', '0', '--check'], ['serve', '--env', 'staging', '--port', '0', '--check', '--token', 'T0ken-for-secrets-test'], ['serve', '--port', '0', '--check']],
    verify: [
      ['verify', '--db', url],
      ['verify', '--env', 'staging', '--format', 'json', '--record'],
      ['verify', '--format', 'junit'],
      ['verify', '--format', 'github', '--no-record'],
      ['verify', '--env', 'staging', '--report', 'verify.html'],
    ],
    // The migration file holds the URL with its password: scan-logs must report it masked.
    'scan-logs': [['scan-logs', 'migrations'], ['scan-logs', 'migrations', '--format', 'json'], ['scan-logs', 'migrations', '--format', 'sarif']],
    testdata: [
      ['testdata', 'count', '--db', url],
      ['testdata', 'list', '--db', url, '--format', 'json'],
      ['testdata', 'summary', '--env', 'staging'],
      ['testdata', 'verify', '--db', url, '--format', 'json'],
      ['testdata', 'audit', '--db', url, '--since', '1h'],
      ['testdata', 'cleanup', '--db', url],
      ['testdata', 'cleanup', '--db', url, '--no-dry-run', '--format', 'json'],
      ['testdata', 'install', '--db', url, '--tables', 'users'],
    ],
    monitor: [
      ['monitor', 'snapshot', '--db', url],
      ['monitor', 'export', '--env', 'staging'],
      ['monitor', 'watch', '--db', url, '--interval', '10ms', '--iterations', '1', '--alert-threshold', '0'],
    ],
    backup: [
      ['backup', 'create', '--db', url, '--dir', 'backups'],
      ['backup', 'create', '--env', 'staging', '--dir', 'backups', '--format', 'json'],
      ['backup', 'status', '--dir', 'backups'],
      ['backup', 'verify', 'missing.dump', '--restore-to', url],
      ['backup', 'restore', 'missing.dump', '--to', url],
    ],
    // The migrate command echoes DATABASE_URL (the target's URL, password included) into the output.
    deploy: [
      ['deploy', '--env', 'staging', '--migrations', 'migrations', '--dry-run'],
      ['env', 'mark', '--env', 'staging', '--as', 'staging', '--name', 'staging'],
      ['deploy', '--env', 'staging', '--migrations', 'migrations', '--skip', 'lint', '--reason', 'secrets test', '--report', 'deploy.json', '--', 'sh', '-c', 'echo "migrating $DATABASE_URL"'],
      ['deploy', '--env', 'staging', '--migrations', 'migrations', '--format', 'json', '--', 'sh', '-c', 'echo "migrating $DATABASE_URL"; exit 1'],
      ['deploy', '--env', 'staging', '--migrations', 'migrations', '--report', 'deploy.html', '--', 'sh', '-c', 'echo "migrating $DATABASE_URL"; exit 1'],
    ],
    history: [['history', '--db', url], ['history', '--env', 'staging', '--format', 'json'], ['history']],
    demo: [['demo']],
  };
}

function assertClean(output: string, label: string): void {
  expect(output, label).not.toContain(PASSWORD);
  expect(output, label).not.toContain(encodeURIComponent(PASSWORD));
  expect(redactText(output), `${label}: our detectors still find a secret`).toBe(output);
  // DESIGN.md: all output is also scanned with the project's own PII/secret detectors.
  const found = findSecrets(output, DETECTORS_ON).map((m) => `${m.detector}: ${output.slice(m.start, m.end)}`);
  expect(found, `${label}: scan-logs detectors find`).toEqual([]);
}

const DETECTORS_ON = selectDetectors();

describe('no command prints a password', () => {
  it('every registered command has invocations in this test', () => {
    const listed = Object.keys(invocations('postgresql://x'));
    expect(listed.sort()).toEqual(COMMANDS.map((c) => c.name).sort());
  });

  it.each(COMMANDS.map((c) => c.name))('%s with a password in a reachable URL', async (name) => {
    const target = await createTestDatabase(`secret_${name}`);
    const url = withPassword(target.url, PASSWORD);
    expect(url).toContain(PASSWORD);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-secrets-'));
    writeFileSync(
      path.join(dir, 'prodguard.config.yaml'),
      'environments:\n  - name: staging\n    url: ${STAGING_URL}\n' +
        'verify:\n  checks:\n    - name: db\n      sql: { url: "${STAGING_URL}", query: "SELECT 1 AS n" }\n      fail: ["[ROWS][0].n == 1"]\n',
    );
    mkdirSync(path.join(dir, 'migrations'));
    writeFileSync(path.join(dir, 'migrations', '001_move.sql'), `DROP TABLE users; -- moved to ${url}\n`);
    for (const args of invocations(url)[name] ?? []) {
      // TMPDIR of its own: the demo empties <temp>/prodguard-demo, which test/deploy/demo.test.ts uses at the same time.
      const run = await runCli(args, { cwd: dir, env: { STAGING_URL: url, DATABASE_URL: url, TMPDIR: dir } });
      expect(run.code, `${args.join(' ')}\n${run.stderr}`).toBeLessThan(3);
      assertClean(run.stdout + run.stderr, args.join(' '));
      // HTML reports are output too.
      const report = args.indexOf('--report');
      if (report >= 0) assertClean(readFileSync(path.join(dir, args[report + 1] ?? ''), 'utf8'), `${args.join(' ')}: the report file`);
    }
  });

  it.each(COMMANDS.map((c) => c.name))('%s with a password in an unreachable URL', async (name) => {
    const url = `postgresql://postgres:${PASSWORD}@127.0.0.1:1/x`;
    for (const args of invocations(url)[name] ?? []) {
      if (!args.includes(url)) continue;
      const run = await runCli(args, { cwd: mkdtempSync(path.join(os.tmpdir(), 'prodguard-secrets-')) });
      expect(run.code, args.join(' ')).toBe(3);
      assertClean(run.stdout + run.stderr, args.join(' '));
    }
  });
});

/**
 * Secrets in migrations and in the environment, through lint's every output format: none may show,
 * and every report must still parse as its format.
 */
describe('lint output keeps secrets out and stays valid', () => {
  function project(files: Record<string, string>): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-secrets-lint-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
    return dir;
  }

  /** The data a report page embeds, parsed: it must be JSON after the page is redacted. */
  function embeddedJson(html: string): unknown {
    const m = /<script type="application\/json" id="prodguard-config">([\s\S]*?)<\/script>/.exec(html);
    return JSON.parse(m?.[1] ?? '') as unknown;
  }

  it('scrubs the password of a keyword/value DATABASE_URL', async () => {
    const dir = project({ 'k.sql': 'ALTER TABLE users DROP COLUMN "Zq9LongSecret";\nALTER TABLE users DROP COLUMN "quoted \' value";\n' });
    for (const url of ['host=db user=app password=Zq9LongSecret dbname=x', "host=db password='quoted \\' value' dbname=x"]) {
      const run = await runCli(['lint', 'k.sql'], { cwd: dir, env: { DATABASE_URL: url } });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('DROP COLUMN "***"');
      expect(run.stdout + run.stderr).not.toContain(url.includes('Zq9') ? 'Zq9LongSecret' : "quoted ' value");
    }
  });

  it('keeps a PGPASSWORD with % and : out of GitHub annotations (the runner decodes %25)', async () => {
    const dir = project({ 'g.sql': 'ALTER TABLE users DROP COLUMN "Pw%9x:Q";\n' });
    const run = await runCli(['lint', 'g.sql', '--format', 'github'], { cwd: dir, env: { PGPASSWORD: 'Pw%9x:Q' } });
    expect(run.stdout).toContain('Dropping column "***"');
    expect(run.stdout + run.stderr).not.toMatch(/Pw%(25)?9x/);
  });

  it('writes SARIF, JSON and an HTML report that parse, with password= values in identifiers', async () => {
    const dir = project({
      'up.sql': 'CREATE INDEX i ON users (email) WHERE password = "legacy";\n',
      'a.sql': 'ALTER TABLE users DROP COLUMN "password=abc";\n',
      't.sql': 'ALTER TABLE users DROP COLUMN "password=a\tb";\n',
    });
    const sarif = await runCli(['lint', 'up.sql', 'a.sql', 't.sql', '--format', 'sarif'], { cwd: dir });
    expect(() => JSON.parse(sarif.stdout) as unknown, sarif.stdout).not.toThrow();
    const json = await runCli(['lint', 'up.sql', 'a.sql', 't.sql', '--format', 'json'], { cwd: dir });
    expect(() => JSON.parse(json.stdout) as unknown, json.stdout).not.toThrow();
    const html = await runCli(['lint', 'a.sql', 't.sql', '--report', 'r.html'], { cwd: dir });
    expect(html.code).toBe(1);
    const page = readFileSync(path.join(dir, 'r.html'), 'utf8');
    expect(JSON.stringify(embeddedJson(page))).toContain('Dropping column \\"password=***\\"');
    for (const out of [sarif.stdout, json.stdout, page]) expect(out).not.toMatch(/password=abc|password=a\t/);
  });

  it('redacts an HTML report\'s title before it is HTML-escaped', async () => {
    const { CliContext } = await import('../../src/cli/context.js');
    const { memoryIo } = await import('../../src/cli/io.js');
    const { writeHtmlReport } = await import('../../src/cli/report-file.js');
    const dir = project({});
    const cli = new CliContext(memoryIo({ PGPASSWORD: 'Ti"tle<S3cret' }), dir);
    await writeHtmlReport(cli, 'r.html', { title: 'deploy Ti"tle<S3cret', views: {} });
    const page = readFileSync(path.join(dir, 'r.html'), 'utf8');
    expect(page).toContain('<title>deploy ***</title>');
    expect(page).not.toContain('S3cret');
    expect(embeddedJson(page)).toMatchObject({ title: 'deploy ***' });
  });

  it('quotes no part of a password in a config error', async () => {
    const dir = project({
      'prodguard.config.json': JSON.stringify({
        environments: { production: { name: 'production', url: 'postgres://administrator:Sup3rS3cretPassw0rdXYZ@db.example.com/prod' } },
      }),
      'a.sql': 'SELECT 1;\n',
    });
    const run = await runCli(['lint', 'a.sql'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('postgres://administrator:***@');
    expect(run.stderr).not.toContain('Sup3r');
  });
});
