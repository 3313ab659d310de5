import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isLoopbackHost, tokenMatches, unprotectedBind } from '../../src/server/auth.js';
import { runCli } from '../helpers/cli.js';
import { type ServeProcess, startServe } from './serve-process.js';

const TOKEN = 'dash-T0ken-4f9c2b7e1a';

describe('binding and tokens', () => {
  it('refuses a non-loopback --host without a token (exit 2), before binding anything', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'prodguard-auth-'));
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) {
      const run = await runCli(['serve', '--host', host, '--port', '0'], { cwd });
      expect(run.code, host).toBe(2);
      expect(run.stderr).toContain('PRODGUARD_TOKEN_REQUIRED');
      expect(run.stderr).toContain('--token');
    }
  });

  it('refuses a token too short to be one (exit 2)', async () => {
    const run = await runCli(['serve', '--host', '0.0.0.0', '--token', 'abc'], { cwd: os.tmpdir() });
    expect(run.code).toBe(2);
  });

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'app.localhost', '::ffff:127.0.0.1']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com', 'localhost.example.com']) expect(isLoopbackHost(host), host).toBe(false);
  });

  it('tokenMatches is plain equality (property), whatever the lengths', () => {
    fc.assert(fc.property(fc.string(), fc.string(), (a, b) => tokenMatches(a, b) === (a === b)));
    fc.assert(fc.property(fc.string(), (a) => tokenMatches(a, a)));
    expect(tokenMatches(undefined, TOKEN)).toBe(false);
  });
});

describe('a non-loopback bind with --token: every request is checked', () => {
  let serve: ServeProcess;
  let base: string;

  beforeAll(async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'prodguard-auth-'));
    serve = await startServe(['--host', '0.0.0.0', '--token', TOKEN], { cwd, env: { DATABASE_URL: '' } });
    base = `http://127.0.0.1:${new URL(serve.url).port}`;
  });
  afterAll(async () => {
    await serve?.stop();
  });

  it('prints where it listens and how to authenticate, never the token', () => {
    expect(serve.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+\/$/);
    expect(serve.stdout()).toContain('token required');
    expect(serve.stdout() + serve.stderr()).not.toContain(TOKEN);
  });

  it('401 without a token or with a wrong one, on the page, the API and the event stream', async () => {
    for (const pathname of ['/', '/api', '/api/environments', '/api/lint', '/api/events', '/favicon.ico', '/nope']) {
      const none = await fetch(base + pathname);
      expect(none.status, pathname).toBe(401);
      expect(none.headers.get('www-authenticate')).toContain('Bearer');
      expect(await none.text()).not.toContain(TOKEN);
      expect((await fetch(base + pathname, { headers: { Authorization: `Bearer ${TOKEN}x` } })).status, pathname).toBe(401);
      expect((await fetch(`${base}${pathname}?token=${TOKEN.slice(0, -1)}`)).status, pathname).toBe(401);
      expect((await fetch(base + pathname, { headers: { Authorization: `Basic ${TOKEN}` } })).status, pathname).toBe(401);
    }
  });

  it('200 with the token as a bearer header or as ?token=', async () => {
    const api = await fetch(`${base}/api/environments`, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(api.status).toBe(200);
    expect(await api.json()).toMatchObject({ environments: [] });
    const page = await fetch(`${base}/?token=${TOKEN}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>prodguard</title>');
  });

  it('a wrong bearer header is not rescued by a right ?token=', async () => {
    const response = await fetch(`${base}/api?token=${TOKEN}`, { headers: { Authorization: 'Bearer wrong-token-1234' } });
    expect(response.status).toBe(401);
  });
});

describe('the bound address, not the name asked for, decides whether a token is needed', () => {
  it('a name that resolved to a public address needs a token; loopback addresses and tokens pass', () => {
    expect(unprotectedBind('192.0.2.2', undefined)).toContain('192.0.2.2');
    expect(unprotectedBind('0.0.0.0', undefined)).toContain('not loopback');
    expect(unprotectedBind('::', undefined)).toContain('not loopback');
    expect(unprotectedBind('192.0.2.2', TOKEN)).toBeUndefined();
    expect(unprotectedBind('127.0.0.1', undefined)).toBeUndefined();
    expect(unprotectedBind('::1', undefined)).toBeUndefined();
  });

  it('the server checks what it bound: "localhost" bound to loopback serves without a token', async () => {
    const { startDashboard } = await import('../../src/server/server.js');
    const { lintViewError } = await import('../../src/html/views.js');
    const sources = {
      environmentNames: () => [],
      views: () => [],
      overview: async () => ({ generatedAt: '', environments: [] }),
      integrity: async () => ({ dirs: [], snapshots: [], comparisons: [] }),
      lint: async () => lintViewError('none'),
      redact: (text: string) => text,
      close: async () => undefined,
    };
    const running = await startDashboard(sources, { host: 'localhost', port: 0, intervalMs: 1_000 });
    try {
      expect((await fetch(new URL('/api', running.url))).status).toBe(200);
    } finally {
      await running.close();
    }
  });
});
