import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load.js';
import { resolveTarget, kindFromName } from '../../src/config/target.js';
import { ConfigError, UsageError } from '../../src/errors.js';

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'prodguard-config-'));
}

const YAML = `environments:
  - name: test
    url: \${TEST_DATABASE_URL}
  - name: staging
    url: \${STAGING_DATABASE_URL}
  - name: production
    url: \${PRODUCTION_DATABASE_URL}
    protected: true
migrations: prisma/migrations
session:
  lockTimeout: 3s
testData:
  tables: [users, bookings]
`;

describe('loadConfig', () => {
  it('finds prodguard.config.yaml from a subdirectory upward and interpolates ${ENV}', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'prodguard.config.yaml'), YAML);
    const sub = path.join(root, 'a', 'b');
    mkdirSync(sub, { recursive: true });
    const loaded = await loadConfig({ cwd: sub, env: { TEST_DATABASE_URL: 'postgresql://t@localhost/test' } });
    expect(loaded.file).toBe(path.join(root, 'prodguard.config.yaml'));
    expect(loaded.config.environments.map((e) => e.name)).toEqual(['test', 'staging', 'production']);
    expect(loaded.config.environments[0]?.url).toBe('postgresql://t@localhost/test');
    expect(loaded.config.session.lockTimeout).toBe(3000);
    expect(loaded.config.testData).toMatchObject({ tables: ['users', 'bookings'], column: 'is_test_data', retentionHours: 24 });
  });

  it('defers unset variables in environment URLs until that environment is used', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'prodguard.config.yaml'), YAML);
    const env = { TEST_DATABASE_URL: 'postgresql://t@localhost/test' };
    const loaded = await loadConfig({ cwd: root, env });
    expect(resolveTarget({ env: 'test' }, loaded.config, loaded.file, env).url).toBe('postgresql://t@localhost/test');
    let error: unknown;
    try {
      resolveTarget({ env: 'production' }, loaded.config, loaded.file, env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain('environments.2.url: environment variable PRODUCTION_DATABASE_URL is not set');
  });

  it('reports every problem at once with its key path and the bad value', async () => {
    const root = tempDir();
    writeFileSync(
      path.join(root, 'prodguard.config.yaml'),
      `environments:
  - name: test
    url: postgresql://localhost/test
    kind: testing
  - name: test
    protected: "yes"
session:
  lockTimeout: soon
testData:
  tables: users
pgVersion: 99
colour: blue
`,
    );
    let error: unknown;
    try {
      await loadConfig({ cwd: root, env: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.map((p) => p.path);
    expect(problems).toEqual(
      expect.arrayContaining([
        'environments.0.kind',
        'environments.1.name',
        'environments.1.protected',
        'session.lockTimeout',
        'testData.tables',
        'pgVersion',
        '',
      ]),
    );
    const text = (error as ConfigError).message;
    expect(text).toContain('(got "testing")');
    expect(text).toContain('(got "soon")');
    expect(text).toContain('(got 99)');
    expect(text).toContain('unknown key "colour"');
    expect(text).toContain('duplicate environment name');
    expect((error as ConfigError).code).toBe('PRODGUARD_CONFIG_INVALID');
    expect((error as ConfigError).exitCode).toBe(2);
  });

  it('gives line and column for YAML and JSON syntax errors', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'prodguard.config.yaml'), 'environments:\n  - name: test\n    url: [unclosed\n');
    await expect(loadConfig({ cwd: root, env: {} })).rejects.toThrow(/invalid YAML at line \d+, column \d+/);
    const other = tempDir();
    writeFileSync(path.join(other, 'prodguard.config.json'), '{ "environments": [ }');
    await expect(loadConfig({ cwd: other, env: {} })).rejects.toThrow(/invalid JSON at line 1, column \d+/);
  });

  it('loads a TypeScript config written with defineConfig', async () => {
    const root = tempDir();
    writeFileSync(
      path.join(root, 'prodguard.config.ts'),
      `import { defineConfig } from '${path.resolve('src/config/schema.ts').replace(/\\/g, '/')}';
interface Extra { n: number }
const extra: Extra = { n: 7 };
export default defineConfig({
  environments: [{ name: 'staging', url: 'postgresql://s@localhost/staging', kind: 'staging' }],
  pgVersion: 10 + extra.n,
});
`,
    );
    const loaded = await loadConfig({ cwd: root, env: {} });
    expect(loaded.config.pgVersion).toBe(17);
    expect(loaded.config.environments[0]?.kind).toBe('staging');
  });

  it('loads an ES module config and a JSON config', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'prodguard.config.mjs'), `export default { environments: [{ name: 'dev', url: process.env.X ?? 'pglite://memory' }] };\n`);
    expect((await loadConfig({ cwd: root, env: {} })).config.environments[0]?.name).toBe('dev');
    const other = tempDir();
    writeFileSync(path.join(other, 'prodguard.config.json'), JSON.stringify({ lint: { rules: { 'ban-drop-table': 'warning' } } }));
    expect((await loadConfig({ cwd: other, env: {} })).config.lint.rules['ban-drop-table']).toBe('warning');
  });

  it('an explicit --config that does not exist is a config error', async () => {
    await expect(loadConfig({ cwd: tempDir(), file: 'nope.yaml', env: {} })).rejects.toBeInstanceOf(ConfigError);
  });

  it('supports ${VAR:-default} and $${ literals', async () => {
    const root = tempDir();
    writeFileSync(
      path.join(root, 'prodguard.config.yaml'),
      'session:\n  applicationName: "${APP:-prodguard-ci}"\nlint:\n  templateValues:\n    a: "$${literal}"\n',
    );
    const loaded = await loadConfig({ cwd: root, env: {} });
    expect(loaded.config.session.applicationName).toBe('prodguard-ci');
    expect(loaded.config.lint.templateValues.a).toBe('${literal}');
  });

  it('an unset variable outside environments is a problem with its path', async () => {
    const root = tempDir();
    writeFileSync(path.join(root, 'prodguard.config.yaml'), 'session:\n  applicationName: ${MISSING_APP}\n');
    await expect(loadConfig({ cwd: root, env: {} })).rejects.toThrow(/session\.applicationName: environment variable MISSING_APP is not set/);
  });

  it('quotes a bad value redacted before it is shortened: no part of a password shows', async () => {
    const root = tempDir();
    writeFileSync(
      path.join(root, 'prodguard.config.json'),
      JSON.stringify({
        environments: { production: { name: 'production', url: 'postgres://administrator:Sup3rS3cretPassw0rdXYZ@db.example.com/prod' } },
        verify: { checks: { password: 'hunter2-hunter2' } },
      }),
    );
    const error = await loadConfig({ cwd: root, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toContain('(got {"production":{"name":"production","url":"postgres://administrator:***@db.exa...)');
    expect(text).toContain('(got {"password":"***"})');
    expect(text).not.toMatch(/Sup3r|hunter2/);
  });

  it('hides a bad value of any type under a secret-like name', async () => {
    const root = tempDir();
    writeFileSync(
      path.join(root, 'prodguard.config.json'),
      JSON.stringify({ lint: { templateValues: { dbPassword: 98765432101234, apiToken: ['hunter2secret'] } } }),
    );
    const error = await loadConfig({ cwd: root, env: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    const text = (error as ConfigError).message;
    expect(text).toContain('lint.templateValues.dbPassword');
    expect(text).toContain('(got ***)');
    expect(text).not.toMatch(/98765432101234|hunter2secret/);
  });
});

describe('resolveTarget', () => {
  const config = {
    environments: [
      { name: 'test', url: 'postgresql://t@h/test' },
      { name: 'production', url: 'postgresql://p@h/prod' },
    ],
    session: {},
    lint: { rules: {}, templateValues: {}, failOn: 'error' as const },
    preflight: { longTransaction: 60_000 },
    integrity: { critical: [], expect: {}, dir: '.prodguard/snapshots' },
    backup: { dir: '.prodguard/backups', maxAge: 86_400_000 },
  };

  it('prefers --db, then --env, then DATABASE_URL, then the first environment', () => {
    expect(resolveTarget({ db: 'postgresql://x@h/x' }, config, undefined, { DATABASE_URL: 'postgresql://d@h/d' }).source).toBe('--db');
    expect(resolveTarget({ env: 'production' }, config, undefined, { DATABASE_URL: 'postgresql://d@h/d' }).url).toBe('postgresql://p@h/prod');
    expect(resolveTarget({}, config, undefined, { DATABASE_URL: 'postgresql://d@h/d' }).source).toBe('DATABASE_URL');
    const first = resolveTarget({}, config, undefined, {});
    expect(first.environment?.name).toBe('test');
    expect(first.expectedKind).toBe('test');
  });

  it('an unknown --env or no database at all is a usage error naming what exists', () => {
    expect(() => resolveTarget({ env: 'stage' }, config, undefined, {})).toThrow(UsageError);
    expect(() => resolveTarget({ env: 'stage' }, config, undefined, {})).toThrow(/unknown environment "stage"/);
    expect(() => resolveTarget({}, { ...config, environments: [] }, undefined, {})).toThrow(/no database given/);
  });

  it('infers kinds from whole words of a name, not substrings', () => {
    expect(kindFromName('myapp_prod')).toBe('production');
    expect(kindFromName('products')).toBeUndefined();
    expect(kindFromName('shopStaging')).toBe('staging');
    expect(kindFromName('ci-test-42')).toBe('test');
    expect(kindFromName('latest')).toBeUndefined();
    expect(kindFromName('dev')).toBe('development');
  });
});
