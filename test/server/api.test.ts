import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { EnvironmentsView, IntegrityView, LintView, TestdataView } from '../../src/html/types.js';
import { selectDetectors } from '../../src/redact/detectors.js';
import { findSecrets } from '../../src/redact/find.js';
import { redactText } from '../../src/redact/secrets.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase, withPassword } from '../helpers/pg.js';
import { EMBEDDED_PASSWORD } from '../setup/postgres.js';
import { type ServeProcess, startServe } from './serve-process.js';

const PASSWORD = inject('pgSource') === 'embedded' ? EMBEDDED_PASSWORD : 'Dashb0ard-Secret-pw';

let db: TestDatabase;
let dir: string;
let url: string;
let serve: ServeProcess;

async function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Headers }> {
  const response = await fetch(new URL(pathname, serve.url), { headers });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

async function getJson<T>(pathname: string): Promise<T> {
  const response = await get(pathname);
  expect(response.status, `${pathname}: ${response.text}`).toBe(200);
  expect(response.headers.get('content-type')).toContain('application/json');
  return JSON.parse(response.text) as T;
}

beforeAll(async () => {
  db = await createTestDatabase('serve_api');
  url = withPassword(db.url, PASSWORD);
  await db.sql(`CREATE TABLE users (id int PRIMARY KEY, email text); INSERT INTO users SELECT g, 'u' || g || '@example.com' FROM generate_series(1, 50) g`);
  dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-serve-'));
  writeFileSync(
    path.join(dir, 'prodguard.config.yaml'),
    'environments:\n  - name: staging\n    url: ${STAGING_URL}\n  - name: production\n    url: ${PRODUCTION_URL}\nmigrations: migrations\n',
  );
  mkdirSync(path.join(dir, 'migrations'));
  writeFileSync(path.join(dir, 'migrations', '001_drop_email.sql'), 'ALTER TABLE users DROP COLUMN email;\n');
  const env = { STAGING_URL: url };
  expect((await runCli(['env', 'mark', '--env', 'staging', '--as', 'staging', '--name', 'staging-eu'], { cwd: dir, env })).code).toBe(0);
  mkdirSync(path.join(dir, '.prodguard', 'snapshots'), { recursive: true });
  expect((await runCli(['snapshot', '--env', 'staging', '--out', '.prodguard/snapshots/1-before.json', '--keys-up-to', '100'], { cwd: dir, env })).code).toBe(0);
  await db.sql('DELETE FROM users WHERE id > 40');
  expect((await runCli(['snapshot', '--env', 'staging', '--out', '.prodguard/snapshots/2-after.json', '--keys-up-to', '100'], { cwd: dir, env })).code).toBe(0);
  serve = await startServe([], { cwd: dir, env: { STAGING_URL: url, PRODUCTION_URL: '', DATABASE_URL: '' } });
});

afterAll(async () => {
  await serve?.stop();
});

describe('prodguard serve: the JSON API against a real PostgreSQL', () => {
  it('prints its URL on loopback and lists the endpoints at /api', async () => {
    expect(serve.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(serve.stdout()).toContain('watching: staging, production');
    const index = await getJson<{ endpoints: { path: string }[]; environments: string[] }>('/api');
    expect(index.environments).toEqual(['staging', 'production']);
    expect(index.endpoints.map((e) => e.path)).toEqual(expect.arrayContaining(['/api/environments', '/api/integrity', '/api/lint']));
  });

  it('GET /api/environments: identity, reachability and the unresolvable environment, URLs redacted', async () => {
    const view = await getJson<EnvironmentsView>('/api/environments');
    const [staging, production] = view.environments;
    expect(staging).toMatchObject({
      name: 'staging',
      kind: 'staging',
      reachable: true,
      error: null,
      identity: { name: 'staging-eu', kind: 'staging' },
      identityMatches: true,
    });
    expect(staging?.url).toContain(':***@');
    expect(staging?.serverVersion).toMatch(/^\d+/);
    expect(production).toMatchObject({ name: 'production', kind: 'production', protected: true, reachable: false, url: null });
    expect(production?.error).toContain('PRODUCTION_URL');
  });

  it('GET /api/integrity: stored snapshots and their comparison, with the loss and the missing keys', async () => {
    const view = await getJson<IntegrityView>('/api/integrity');
    expect(view.snapshots.map((s) => s.file)).toEqual(['2-after.json', '1-before.json']);
    expect(view.snapshots[1]).toMatchObject({ database: db.name, rows: 50, tables: 1, identity: { name: 'staging-eu' } });
    expect(view.comparisons).toHaveLength(1);
    const comparison = view.comparisons[0];
    expect(comparison?.source).toBe('1-before.json → 2-after.json');
    expect(comparison?.report.verdict).toBe('fail');
    const users = comparison?.report.items.find((i) => i.id === 'public.users');
    expect(users).toMatchObject({ status: 'loss', verdict: 'shrank', rowsBefore: 50, rowsAfter: 40 });
    expect(users?.missingKeys).toEqual(['41', '42', '43', '44', '45', '46', '47', '48', '49', '50']);
    expect(comparison?.rollback).toContain('ROLLBACK RECOMMENDED: data lost in public.users');
  });

  it('GET /api/lint: findings of the configured migrations with the rule pages', async () => {
    const view = await getJson<LintView>('/api/lint');
    expect(view.error).toBeNull();
    expect(view.lint?.summary.errors).toBe(1);
    expect(view.lint?.findings.map((f) => f.rule)).toContain('ban-drop-column');
    expect(view.lint?.files.map((f) => f.path)).toEqual([expect.stringContaining('001_drop_email.sql')]);
    expect(view.rules['ban-drop-column']?.doc).toMatch(/^# /);
  });

  it('GET /api/testdata of an environment that cannot be read says why', async () => {
    const view = await getJson<TestdataView>('/api/testdata?env=production');
    expect(view).toMatchObject({ environment: 'production', summary: null, alerts: [] });
    expect(view.error).toContain('PRODUCTION_URL');
  });

  it('GET /api/deploys?run=ID of an environment that cannot be read: 503 with the reason', async () => {
    const response = await get('/api/deploys?env=production&run=1');
    expect(response.status).toBe(503);
    expect((JSON.parse(response.text) as { error: string }).error).toMatch(/cannot read the ledger of "production": .*PRODUCTION_URL/);
  });

  it('the page is self-contained: inline script and style under a nonce CSP, no external URL', async () => {
    const page = await get('/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const csp = page.headers.get('content-security-policy') ?? '';
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(page.text).toContain(`<script nonce="${nonce}">`);
    expect(csp).toContain("default-src 'none'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('unknown paths, environments and methods get JSON errors', async () => {
    expect((await get('/api/nope')).status).toBe(404);
    const unknownEnv = await get('/api/testdata?env=nope');
    expect(unknownEnv.status).toBe(404);
    expect(JSON.parse(unknownEnv.text)).toEqual({ error: 'unknown environment "nope" (watched: staging, production)' });
    const post = await fetch(new URL('/api/environments', serve.url), { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });

  it('refuses a Host header that is not loopback (DNS rebinding)', async () => {
    const response = await new Promise<number>((resolve, reject) => {
      const target = new URL('/api/environments', serve.url);
      import('node:http')
        .then(({ request }) => {
          const req = request({ host: target.hostname, port: target.port, path: target.pathname, headers: { Host: 'attacker.example' } }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        })
        .catch(reject);
    });
    expect(response).toBe(403);
  });

  it('no response contains the password or anything our detectors would redact', async () => {
    for (const pathname of ['/', '/api', '/api/environments', '/api/integrity', '/api/lint', '/api/testdata?env=staging', '/api/verify?env=staging', '/api/deploys?env=staging']) {
      const { text } = await get(pathname);
      expect(text, pathname).not.toContain(PASSWORD);
      expect(redactText(text), pathname).toBe(text);
      expect(findSecrets(text, selectDetectors()).map((m) => text.slice(m.start, m.end)), pathname).toEqual([]);
    }
    expect(serve.stdout() + serve.stderr()).not.toContain(PASSWORD);
  });
});

describe('prodguard serve: stopping and binding', () => {
  it('stops cleanly on SIGTERM (exit 0)', async () => {
    const other = await startServe(['--db', url], { cwd: dir });
    expect(other.stdout()).toContain('watching: db');
    expect(await other.stop()).toBe(0);
    expect(other.stdout()).toContain('prodguard serve: stopped');
  });

  it('a port in use is exit 3 with a hint', async () => {
    const port = new URL(serve.url).port;
    const run = await runCli(['serve', '--port', port], { cwd: dir, env: { STAGING_URL: url } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('PRODGUARD_CANNOT_LISTEN');
    expect(run.stderr).toContain('--port 0');
  });

  it('--check requests every endpoint once and exits 0 when everything answered', async () => {
    const run = await runCli(['serve', '--port', '0', '--check', '--db', url], { cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^200 GET \/api\/environments/m);
    expect(run.stdout).toMatch(/reachable\s+db/);
    expect(run.stdout).not.toContain(PASSWORD);
  });

  it('--check exits 3 when a watched database is unreachable', async () => {
    const run = await runCli(['serve', '--port', '0', '--check', '--db', `postgresql://postgres:${PASSWORD}@127.0.0.1:1/x`], { cwd: dir });
    expect(run.code).toBe(3);
    expect(run.stdout).toMatch(/unreachable db: cannot connect to postgresql:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/x/);
    expect(run.stdout).not.toContain(PASSWORD);
  });

  it('an unknown --env is a usage error (exit 2)', async () => {
    const run = await runCli(['serve', '--env', 'nope', '--check'], { cwd: dir, env: { STAGING_URL: url } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown environment "nope"');
  });
});
