import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { validateConfig } from '../../src/config/load.js';
import { openDb } from '../../src/db/open.js';
import { selectDetectors } from '../../src/redact/detectors.js';
import { findSecrets } from '../../src/redact/find.js';
import { readVerifyHistory } from '../../src/verify/history.js';
import { runVerify, type VerifyCheckResult } from '../../src/verify/run.js';
import type { VerifyCheckInput } from '../../src/verify/schema.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase, withPassword } from '../helpers/pg.js';
import { connectTestRedis, type TestRedis } from '../helpers/redis.js';
import { parseXml } from '../helpers/xml.js';

let server: http.Server;
let base: string;
let pg: TestDatabase;
let redis: TestRedis;
let logDir: string;
let flakyCalls = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const send = (status: number, body: unknown, delay = 0) =>
      setTimeout(() => {
        res.writeHead(status, { 'content-type': 'application/json', 'x-version': '1.4.2' });
        res.end(JSON.stringify(body));
      }, delay);
    if (req.url === '/health') send(200, { status: 'ok', db: { connected: true } });
    else if (req.url === '/slow') send(200, { status: 'ok' }, 250);
    else if (req.url === '/down') send(503, { status: 'degraded' });
    else if (req.url === '/hang') return; // never answers
    else if (req.url === '/token') send(200, { token: 'tok-Zx9yW8vU7tS6rQ5pO4nM', status: 'ok' });
    else if (req.url === '/flaky') send(flakyCalls++ % 2 === 0 ? 200 : 500, { status: 'ok' });
    else if (req.url === '/echo' && req.method === 'POST') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => send(200, { got: JSON.parse(body), auth: req.headers.authorization ?? null }));
    } else send(404, { error: 'not found' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  pg = await createTestDatabase('verify');
  await pg.sql(`CREATE TABLE appointments (id serial PRIMARY KEY, is_test_data boolean NOT NULL DEFAULT false);
                INSERT INTO appointments (is_test_data) VALUES (false), (false), (true);`);

  redis = await connectTestRedis();
  await redis.client.set(`${redis.prefix}cb:payments:state`, 'closed');
  await redis.client.set(`${redis.prefix}cb:search:state`, 'closed');
  await redis.client.set(`${redis.prefix}cbwarn:a:state`, 'closed');
  await redis.client.set(`${redis.prefix}cbwarn:b:state`, 'half_open');
  await redis.client.set(`${redis.prefix}cbfail:a:state`, 'open');
  await redis.client.hset(`${redis.prefix}limits`, 'api', '12');

  logDir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-verify-logs-'));
  const now = Date.now();
  const line = (t: number, level: number, msg: string) => `${JSON.stringify({ level, time: t, msg })}\n`;
  writeFileSync(path.join(logDir, 'clean.log'), line(now - 1000, 30, 'ok') + line(now - 500, 50, 'ERROR timeout'));
  writeFileSync(
    path.join(logDir, 'leaky.log'),
    line(now - 3 * 3600_000, 30, 'old mail old@example.com') + line(now - 1000, 30, 'new mail new@example.com') + line(now - 900, 50, 'ERROR x'),
  );
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  server.closeAllConnections();
});

function checks(list: VerifyCheckInput[]) {
  return validateConfig({ verify: { checks: list } }, undefined, {}).verify!.checks;
}

async function runOne(check: VerifyCheckInput): Promise<VerifyCheckResult> {
  const report = await runVerify({ checks: checks([check]), cwd: logDir, db: () => openDb(pg.url) });
  return report.checks[0]!;
}

describe('check kinds', () => {
  describe('http', () => {
    it('passes', async () => {
      const r = await runOne({ name: 'h', http: { url: `${base}/health` }, fail: ['[STATUS] == 200', '[BODY].status == ok', '[BODY].db.connected == true', '[HEADERS].x-version == 1.4.2'], warn: ['[RESPONSE_TIME] < 2000'] });
      expect(r.status).toBe('pass');
      expect(r.conditions.every((c) => c.ok)).toBe(true);
    });
    it('warns', async () => {
      const r = await runOne({ name: 'h', http: { url: `${base}/slow` }, fail: ['[STATUS] == 200'], warn: ['[RESPONSE_TIME] < 100'] });
      expect(r.status).toBe('warn');
      expect(r.message).toMatch(/\[RESPONSE_TIME\] < 100 \(got \d+\)/);
    });
    it('fails', async () => {
      const r = await runOne({ name: 'h', http: { url: `${base}/down` }, fail: ['[STATUS] == 200', '[BODY].status == ok'] });
      expect(r.status).toBe('fail');
      expect(r.error).toBeUndefined();
      expect(r.message).toContain('[STATUS] == 200 (got 503)');
      expect(r.message).toContain('[BODY].status == ok (got degraded)');
    });
    it('errors on a timeout, reported as FAIL', async () => {
      const r = await runOne({ name: 'h', http: { url: `${base}/hang`, timeout: '200ms' }, fail: ['[STATUS] == 200'] });
      expect(r.status).toBe('fail');
      expect(r.error).toBe('timed out after 200 ms');
    });
    it('errors on a refused connection', async () => {
      const r = await runOne({ name: 'h', http: { url: 'http://127.0.0.1:1/health' } });
      expect(r.status).toBe('fail');
      expect(r.error).toMatch(/request failed/);
    });
    it('sends method, headers and a JSON body; the default condition is [STATUS] < 400', async () => {
      const r = await runOne({ name: 'h', http: { url: `${base}/echo`, method: 'post', headers: { authorization: 'Bearer t0ken-abc-123456' }, body: { a: 1 } }, fail: ['[BODY].got.a == 1', 'has([BODY].auth) == true'] });
      expect(r.status).toBe('pass');
      expect((await runOne({ name: 'd', http: { url: `${base}/nope` } })).status).toBe('fail');
    });
    it('an unset ${VAR} in the url is an error naming the variable', async () => {
      const r = await runOne({ name: 'h', http: { url: '${PRODGUARD_TEST_UNSET_BASE}/health' } });
      expect(r.status).toBe('fail');
      expect(r.error).toBe('environment variable PRODGUARD_TEST_UNSET_BASE is not set (http.url)');
    });
  });

  describe('tcp', () => {
    it('passes and errors', async () => {
      const port = (server.address() as AddressInfo).port;
      expect((await runOne({ name: 't', tcp: { host: '127.0.0.1', port } })).status).toBe('pass');
      const refused = await runOne({ name: 't', tcp: { host: '127.0.0.1', port: 1 } });
      expect(refused.status).toBe('fail');
      expect(refused.error).toMatch(/ECONNREFUSED/);
    });
    it('warns and fails on a connect-time condition', async () => {
      const port = (server.address() as AddressInfo).port;
      expect((await runOne({ name: 't', tcp: { host: '127.0.0.1', port }, warn: ['[RESPONSE_TIME] < 0'] })).status).toBe('warn');
      const failed = await runOne({ name: 't', tcp: { host: '127.0.0.1', port }, fail: ['[CONNECTED] == true', '[RESPONSE_TIME] < 0'] });
      expect(failed.status).toBe('fail');
      expect(failed.error).toBeUndefined();
    });
  });

  describe('sql', () => {
    const query = 'SELECT count(*)::int AS n FROM appointments WHERE NOT is_test_data';
    it('passes, warns and fails against the environment database', async () => {
      expect((await runOne({ name: 's', sql: { query }, fail: ['[ROWS][0].n > 0', '[ROW_COUNT] == 1'] })).status).toBe('pass');
      expect((await runOne({ name: 's', sql: { query }, fail: ['[ROWS][0].n > 0'], warn: ['[ROWS][0].n > 5'] })).status).toBe('warn');
      const failed = await runOne({ name: 's', sql: { query }, fail: ['[ROWS][0].n > 5'] });
      expect(failed.status).toBe('fail');
      expect(failed.message).toContain('[ROWS][0].n > 5 (got 2)');
    });
    it('uses its own url, masked in the report', async () => {
      const url = withPassword(pg.url, 'Sql-Pa55word');
      const r = await runOne({ name: 's', sql: { url, query }, fail: ['[ROWS][0].n == 2'] });
      expect(r.status).toBe('pass');
      expect(r.target).not.toContain('Sql-Pa55word');
      expect(r.target).toContain(':***@');
    });
    it('runs read-only: a write is an error, not a change', async () => {
      const r = await runOne({ name: 's', sql: { query: 'DELETE FROM appointments RETURNING id' } });
      expect(r.status).toBe('fail');
      expect(r.error).toMatch(/read-only transaction/);
      expect((await pg.sql('SELECT count(*)::int AS n FROM appointments'))[0]!.n).toBe(3);
    });
    it('one statement only: SELECT 1; COMMIT; DELETE cannot write on a real PostgreSQL', async () => {
      for (const query of ['SELECT 1; COMMIT; DELETE FROM appointments', 'SELECT 1;; COMMIT; DELETE FROM appointments;']) {
        const r = await runOne({ name: 's', sql: { query } });
        expect(r.status).toBe('fail');
        expect(r.error).toMatch(/exactly one statement/);
      }
      const url = withPassword(pg.url, 'Sql-Pa55word');
      const own = await runOne({ name: 's', sql: { url, query: 'SELECT 1; COMMIT; DELETE FROM appointments' } });
      expect(own.error).toMatch(/exactly one statement/);
      expect((await pg.sql('SELECT count(*)::int AS n FROM appointments'))[0]!.n).toBe(3);
      // A statement that commits is rolled back afterwards, not an escape from READ ONLY.
      expect((await runOne({ name: 's', sql: { query: 'SELECT 1 AS n' }, fail: ['[ROWS][0].n == 1'] })).status).toBe('pass');
    });
    it('a statement over its timeout is an error', async () => {
      const r = await runOne({ name: 's', sql: { query: 'SELECT pg_sleep(2)', timeout: '300ms' } });
      expect(r.status).toBe('fail');
      expect(r.error).toMatch(/statement timeout|timed out/);
    });
    it('no rows where a row is read is an error', async () => {
      const r = await runOne({ name: 's', sql: { query: 'SELECT 1 AS n WHERE false' }, fail: ['[ROWS][0].n > 0'] });
      expect(r.error).toBe('query returned no rows');
    });
    it('an unreachable database is an error', async () => {
      const r = await runOne({ name: 's', sql: { url: 'postgresql://postgres:pw@127.0.0.1:1/x', query: 'SELECT 1' } });
      expect(r.status).toBe('fail');
      expect(r.error).toMatch(/cannot connect/);
      expect(r.error).not.toContain(':pw@');
    });
  });

  describe('redis', () => {
    it('SCAN: every key must hold; passes, warns, fails', async () => {
      const conds = { fail: ['[VALUE] != open'], warn: ['[VALUE] == closed'] };
      const pass = await runOne({ name: 'r', redis: { url: redis.url, keys: `${redis.prefix}cb:*:state` }, ...conds, fail: [...conds.fail, '[COUNT] == 2'] });
      expect(pass.status).toBe('pass');
      const warn = await runOne({ name: 'r', redis: { url: redis.url, keys: `${redis.prefix}cbwarn:*:state` }, ...conds });
      expect(warn.status).toBe('warn');
      expect(warn.message).toContain(`${redis.prefix}cbwarn:b:state=half_open`);
      const fail = await runOne({ name: 'r', redis: { url: redis.url, keys: `${redis.prefix}cbfail:*:state` }, ...conds });
      expect(fail.status).toBe('fail');
    });
    it('a secret held in a value is masked before it is cut short, in the detail and per key', async () => {
      const jwt = 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
      await redis.client.set(`${redis.prefix}sess:a`, jwt);
      const one = await runOne({ name: 'r', redis: { url: redis.url, get: `${redis.prefix}sess:a` }, fail: ['[VALUE] == x'] });
      const many = await runOne({ name: 'r', redis: { url: redis.url, keys: `${redis.prefix}sess:*` }, fail: ['[VALUE] == x'] });
      for (const r of [one, many]) {
        expect(r.status).toBe('fail');
        expect(JSON.stringify(r)).not.toContain('eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9');
      }
    });
    it('GET with {minute} placeholders and HGET', async () => {
      const minute = Math.floor(Date.now() / 60_000);
      await redis.client.set(`${redis.prefix}rate:${minute}`, '50');
      await redis.client.set(`${redis.prefix}rate:${minute + 1}`, '50');
      const r = await runOne({ name: 'r', redis: { url: redis.url, get: `${redis.prefix}rate:{minute}` }, warn: ['[VALUE] < 48'] });
      expect(r.status).toBe('warn');
      const h = await runOne({ name: 'r', redis: { url: redis.url, hget: { key: `${redis.prefix}limits`, field: 'api' } }, fail: ['[VALUE] < 48'] });
      expect(h.status).toBe('pass');
    });
    it('a missing key is an error unless a default is given; no matching keys is an error', async () => {
      const missing = await runOne({ name: 'r', redis: { url: redis.url, get: `${redis.prefix}nope` }, fail: ['[VALUE] < 48'] });
      expect(missing.error).toBe(`key ${redis.prefix}nope not found`);
      expect((await runOne({ name: 'r', redis: { url: redis.url, get: `${redis.prefix}nope`, default: 0 }, fail: ['[VALUE] < 48'] })).status).toBe('pass');
      const none = await runOne({ name: 'r', redis: { url: redis.url, keys: `${redis.prefix}none:*` }, fail: ['[VALUE] != open'] });
      expect(none.error).toBe('no keys match');
    });
    it('an unreachable server is an error with the password masked', async () => {
      const r = await runOne({ name: 'r', redis: { url: 'redis://:R3dis-pass@127.0.0.1:1', get: 'x' }, fail: ['[VALUE] == 1'] });
      expect(r.status).toBe('fail');
      expect(r.error).toMatch(/cannot connect/);
      expect(JSON.stringify(r)).not.toContain('R3dis-pass');
    });
  });

  describe('logs', () => {
    it('FINDINGS within the window: passes on a clean log, fails on a leaky one', async () => {
      expect((await runOne({ name: 'l', logs: { paths: ['clean.log'], pii: true, since: '1h' }, fail: ['[FINDINGS] == 0'] })).status).toBe('pass');
      const leaky = await runOne({ name: 'l', logs: { paths: ['leaky.log'], pii: true, since: '1h' }, fail: ['[FINDINGS] == 0'] });
      expect(leaky.status).toBe('fail');
      expect(leaky.message).toContain('[FINDINGS] == 0 (got 1)');
      expect(JSON.stringify(leaky)).not.toContain('new@example.com');
      const all = await runOne({ name: 'l', logs: { paths: ['leaky.log'], pii: true }, fail: ['[FINDINGS] == 2'] });
      expect(all.status).toBe('pass');
    });
    it('a condition on a count the check does not measure is a config error; defaults measure something', async () => {
      expect(() => checks([{ name: 'l', logs: { paths: ['clean.log'], match: 'ERROR' }, fail: ['[FINDINGS] == 0'] }])).toThrow(/verify\.checks\.0\.fail\.0: \[FINDINGS\] needs logs\.pii: true/);
      expect(() => checks([{ name: 'l', logs: { paths: ['clean.log'], pii: true }, warn: ['[MATCHES] < 10'] }])).toThrow(/verify\.checks\.0\.warn\.0: \[MATCHES\] needs logs\.match/);
      // No pii and no match: pii is implied, and without conditions the check is [FINDINGS] == 0.
      const leaky = await runOne({ name: 'l', logs: { paths: ['leaky.log'] } });
      expect(leaky.status).toBe('fail');
      expect(leaky.conditions.map((c) => c.condition)).toEqual(['[FINDINGS] == 0']);
      const errors = await runOne({ name: 'l', logs: { paths: ['clean.log'], match: 'ERROR' } });
      expect([errors.status, errors.conditions.map((c) => c.condition)]).toEqual(['fail', ['[MATCHES] == 0']]);
      const noRows = await runOne({ name: 's', sql: { query: 'SELECT 1 WHERE false' } });
      expect([noRows.status, noRows.conditions.map((c) => c.condition)]).toEqual(['fail', ['[ROW_COUNT] > 0']]);
    });
    it('a bad match regex is a config error; the detail counts what was measured', async () => {
      expect(() => checks([{ name: 'l', logs: { paths: ['clean.log'], match: 'ERROR(' } }])).toThrow(/verify\.checks\.0\.logs\.match: not a valid regular expression/);
      const pii = await runOne({ name: 'l', logs: { paths: ['leaky.log'], pii: true, since: '1h' } });
      expect(pii.message).toMatch(/^\[FINDINGS\] == 0 \(got 1\) — 1 file, 2 lines, 1 finding; first: leaky\.log:2 email /);
      const both = await runOne({ name: 'l', logs: { paths: ['clean.log'], pii: true, match: 'ERROR' }, fail: ['[MATCHES] < 5'] });
      expect(both.message).toBe('1 file, 2 lines, 0 findings, 1 match');
    });
    it('MATCHES of a pattern warn; missing logs are an error', async () => {
      const warn = await runOne({ name: 'l', logs: { paths: ['*.log'], match: 'ERROR|CRITICAL', since: '1h' }, warn: ['[MATCHES] < 2'] });
      expect(warn.status).toBe('warn');
      const none = await runOne({ name: 'l', logs: { paths: ['nothing/*.log'], pii: true }, fail: ['[FINDINGS] == 0'] });
      expect(none.error).toBe('no log files match nothing/*.log');
    });
  });

  describe('command', () => {
    it('passes, warns, fails and errors', async () => {
      expect((await runOne({ name: 'c', command: 'echo ready', fail: ['[EXIT_CODE] == 0', '[STDOUT] == ready'] })).status).toBe('pass');
      expect((await runOne({ name: 'c', command: 'echo 7', warn: ['[STDOUT] < 5'] })).status).toBe('warn');
      expect((await runOne({ name: 'c', command: 'exit 3' })).status).toBe('fail');
      const timeout = await runOne({ name: 'c', command: { run: 'sleep 5', timeout: '200ms' } });
      expect(timeout.error).toBe('timed out after 200 ms');
    });
    it('a timeout ends the whole process group: no child is left running', async () => {
      const marker = `29.${process.pid}`;
      const r = await runOne({ name: 'c', command: { run: `sleep ${marker}; echo done`, timeout: '300ms' } });
      expect(r.error).toBe('timed out after 300 ms');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const left = spawnSync('pgrep', ['-f', `sleep ${marker}`], { encoding: 'utf8' });
      expect(left.stdout.trim(), 'sleep still running').toBe('');
    });
  });
});

describe('runner', () => {
  it('runs checks concurrently: five 250 ms checks take about one', async () => {
    const list = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ name, http: { url: `${base}/slow` } }));
    const report = await runVerify({ checks: checks(list) });
    expect(report.verdict).toBe('pass');
    expect(report.durationMs).toBeLessThan(1000);
  });

  it("RESPONSE_TIME is not inflated by a log scan running at the same time", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-verify-big-'));
    // ~48 MB where every line wakes the email detector: a scan of a second or more, in 1 MB chunks.
    const line = `${JSON.stringify({ level: 30, time: 1, msg: 'user x@y handled, see ops@ for help, ref a@b' })}\n`;
    writeFileSync(path.join(dir, 'big.log'), line.repeat(Math.ceil(48_000_000 / line.length)));
    const report = await runVerify({
      checks: checks([
        { name: 'scan', logs: { paths: ['big.log'], pii: true }, timeout: '60s' },
        { name: 'api', http: { url: `${base}/health` }, fail: ['[RESPONSE_TIME] < 60000'] },
      ]),
      cwd: dir,
    });
    const [scan, api] = report.checks;
    expect(scan!.durationMs, 'the scan must be long for this test to mean anything').toBeGreaterThan(500);
    expect(api!.status, api!.message).toBe('pass');
    // Relative, not an absolute bound (machines differ): a scan that blocked the event loop would
    // make the request last about as long as the scan itself.
    expect(api!.durationMs).toBeLessThan(scan!.durationMs / 2);
  });

  it('takes samples: failures below failureLimit warn, at the limit fail', async () => {
    flakyCalls = 0;
    const below = await runOne({ name: 'f', http: { url: `${base}/flaky` }, count: 4, interval: 10, failureLimit: 3 });
    expect(below).toMatchObject({ status: 'warn', samples: 4, failedSamples: 2 });
    flakyCalls = 0;
    const at = await runOne({ name: 'f', http: { url: `${base}/flaky` }, count: 4, interval: 10, failureLimit: 2 });
    expect(at).toMatchObject({ status: 'fail', failedSamples: 2 });
  });

  it('an ERROR below failureLimit keeps its reason in the message', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-verify-err-'));
    // First sample hangs past the timeout (ERROR), the second passes.
    const run = 'if [ -f seen ]; then echo ok; else touch seen; sleep 5; fi';
    const report = await runVerify({ checks: checks([{ name: 'c', command: { run, timeout: '300ms' }, count: 2, interval: 10, failureLimit: 2 }]), cwd: dir });
    const result = report.checks[0]!;
    expect(result).toMatchObject({ status: 'warn', failedSamples: 1 });
    expect(result.message).toContain('ERROR in 1 sample: timed out after 300 ms');
  });

  it('the report is JSON-serialisable and round-trips', async () => {
    const report = await runVerify({ checks: checks([{ name: 'h', http: { url: `${base}/health` } }]), environment: 'staging' });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
    expect(report).toMatchObject({ environment: 'staging', verdict: 'pass', summary: { pass: 1, warn: 0, fail: 0, error: 0 } });
  });

  it('--only with an unknown name is a usage error', async () => {
    await expect(runVerify({ checks: checks([{ name: 'h', http: { url: base } }]), only: ['x'] })).rejects.toThrow('unknown check "x"');
  });
});

describe('prodguard verify (CLI)', () => {
  function project(verify: unknown, extra: Record<string, unknown> = {}): string {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-verify-'));
    writeFileSync(path.join(dir, 'prodguard.config.yaml'), stringify({ ...extra, verify }));
    return dir;
  }
  const passing = { name: 'api-health', http: { url: '${BASE_URL}/health' }, fail: ['[STATUS] == 200', '[BODY].status == ok'] };
  const warning = { name: 'slow', http: { url: '${BASE_URL}/slow' }, warn: ['[RESPONSE_TIME] < 100'] };
  const failing = { name: 'down', http: { url: '${BASE_URL}/down' }, fail: ['[STATUS] == 200'] };

  it('exit 0 on PASS, 0 on WARN, 1 on WARN with --fail-on warning, 1 on FAIL', async () => {
    const env = { BASE_URL: base };
    const pass = await runCli(['verify'], { cwd: project({ checks: [passing] }), env });
    expect(pass.code).toBe(0);
    expect(pass.stdout).toMatch(/PASS {2}api-health/);
    expect(pass.stdout).toContain(`· GET ${base}/health`);
    expect(pass.stdout).toMatch(/^PASS: 1 passed in \d+ ms$/m);
    const warnDir = project({ checks: [passing, warning] });
    expect((await runCli(['verify'], { cwd: warnDir, env })).code).toBe(0);
    expect((await runCli(['verify', '--fail-on', 'warning'], { cwd: warnDir, env })).code).toBe(1);
    const failDir = project({ checks: [passing, warning, failing] });
    const fail = await runCli(['verify'], { cwd: failDir, env });
    expect(fail.code).toBe(1);
    expect(fail.stdout).toMatch(/^FAIL: 1 passed, 1 warning, 1 failed in \d+ ms$/m);
    expect((await runCli(['verify', '--only', 'api-health', 'slow'], { cwd: failDir, env })).code).toBe(0);
    expect((await runCli(['verify', '--only', 'nope'], { cwd: failDir, env })).code).toBe(2);
  });

  it('exit 2 on a bad condition, naming the key path', async () => {
    const run = await runCli(['verify'], { cwd: project({ checks: [{ name: 'x', http: { url: base }, fail: ['[STAUS] == 200'] }] }) });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('verify.checks.0.fail.0: unknown placeholder [STAUS]');
    const twoKinds = await runCli(['verify'], { cwd: project({ checks: [{ name: 'x', http: { url: base }, tcp: { host: 'h', port: 1 } }] }) });
    expect(twoKinds.code).toBe(2);
    expect(twoKinds.stderr).toContain('give exactly one of http, tcp, sql, redis, logs, command');
    expect((await runCli(['verify'], { cwd: project({ checks: [] }) })).code).toBe(2);
  });

  it('JUnit output is well-formed XML with one testcase per check', async () => {
    const run = await runCli(['verify', '--format', 'junit'], {
      cwd: project({ checks: [passing, warning, failing, { name: 'gone', tcp: { host: '127.0.0.1', port: 1 } }] }),
      env: { BASE_URL: base },
    });
    expect(run.code).toBe(1);
    const root = parseXml(run.stdout);
    expect(root.name).toBe('testsuites');
    const suite = root.children[0]!;
    expect(suite.name).toBe('testsuite');
    expect(suite.attributes).toMatchObject({ tests: '4', failures: '1', errors: '1' });
    const cases = Object.fromEntries(suite.children.map((c) => [c.attributes.name, c.children.map((x) => x.name)]));
    expect(cases).toEqual({ 'api-health': ['system-out'], slow: ['system-out'], down: ['failure', 'system-out'], gone: ['error', 'system-out'] });
    // What a JUnit consumer (Jenkins, GitLab, GitHub test reporters) relies on: counts on both
    // levels match the elements, every testcase has classname, name and a numeric time, and a
    // failure or error carries a message.
    const testcases = suite.children.filter((c) => c.name === 'testcase');
    const count = (name: string) => testcases.filter((t) => t.children.some((c) => c.name === name)).length;
    for (const level of [root, suite]) {
      expect(level.attributes).toMatchObject({ tests: String(testcases.length), failures: String(count('failure')), errors: String(count('error')) });
      expect(Number(level.attributes.time)).toBeGreaterThanOrEqual(0);
    }
    for (const testcase of testcases) {
      expect(testcase.attributes.classname).toMatch(/^prodguard\.verify\.(http|tcp)$/);
      expect(testcase.attributes.name).toBeTruthy();
      expect(Number.isFinite(Number(testcase.attributes.time))).toBe(true);
      for (const child of testcase.children.filter((c) => c.name === 'failure' || c.name === 'error')) expect(child.attributes.message).toBeTruthy();
    }
    expect(() => parseXml('<a><b></a></b>')).toThrow();
    expect(() => parseXml('<a x="1 & 2"/>')).toThrow();
  });

  it('JSON and GitHub formats', async () => {
    const dir = project({ checks: [passing, failing] });
    const json = await runCli(['verify', '--format', 'json'], { cwd: dir, env: { BASE_URL: base } });
    const report = JSON.parse(json.stdout);
    expect(report.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['api-health', 'pass'],
      ['down', 'fail'],
    ]);
    const gh = await runCli(['verify', '--format', 'github'], { cwd: dir, env: { BASE_URL: base } });
    expect(gh.stdout).toMatch(/^::error title=verify down::\[STATUS\] == 200 \(got 503\)/m);
  });

  it('--watch exits 1 as soon as a check fails twice in a row', async () => {
    const started = Date.now();
    const run = await runCli(['verify', '--watch', '1h', '--interval', '100ms'], { cwd: project({ checks: [passing, failing] }), env: { BASE_URL: base } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('rollback trigger: down failed 2 times in a row');
    expect(run.stdout.match(/^round \d+/gm)).toEqual(['round 1', 'round 2']);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('--watch that never trips runs for its period and exits 0', async () => {
    const run = await runCli(['verify', '--watch', '350ms', '--interval', '100ms'], { cwd: project({ checks: [passing] }), env: { BASE_URL: base } });
    expect(run.code).toBe(0);
    expect((run.stdout.match(/^round \d+/gm) ?? []).length).toBeGreaterThanOrEqual(2);
    const json = await runCli(['verify', '--watch', '250ms', '--interval', '100ms', '--format', 'json'], { cwd: project({ checks: [passing] }), env: { BASE_URL: base } });
    const rounds = json.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(rounds.length).toBeGreaterThanOrEqual(2);
    expect(rounds.every((r) => r.verdict === 'pass')).toBe(true);
  });

  it('--watch ends with the last round\'s verdict: a final FAIL (or WARN with --fail-on warning) exits 1', async () => {
    // A FAIL once (rollbackAfter 2 never trips) in the only round: the period ends on a failure.
    const fail = await runCli(['verify', '--watch', '50ms', '--interval', '100ms'], { cwd: project({ checks: [failing] }), env: { BASE_URL: base } });
    expect(fail.stdout.match(/^round \d+/gm)).toEqual(['round 1']);
    expect(fail.code).toBe(1);
    const warnDir = project({ checks: [warning] });
    expect((await runCli(['verify', '--watch', '50ms', '--interval', '100ms'], { cwd: warnDir, env: { BASE_URL: base } })).code).toBe(0);
    expect((await runCli(['verify', '--watch', '50ms', '--interval', '100ms', '--fail-on', 'warning'], { cwd: warnDir, env: { BASE_URL: base } })).code).toBe(1);
  });

  it('records runs in prodguard.verify_runs only when asked (--record or verify.record), never by default', async () => {
    const db = await createTestDatabase('verify_history');
    const dir = project({ checks: [passing, failing] }, { environments: [{ name: 'staging', url: db.url }] });
    await runCli(['verify', '--env', 'staging'], { cwd: dir, env: { BASE_URL: base } });
    expect(await db.sql("SELECT to_regnamespace('prodguard')::text AS s")).toEqual([{ s: null }]);
    await runCli(['verify', '--env', 'staging', '--record'], { cwd: dir, env: { BASE_URL: base } });
    const configured = project({ checks: [passing, failing], record: true }, { environments: [{ name: 'staging', url: db.url }] });
    await runCli(['verify', '--env', 'staging', '--only', 'api-health'], { cwd: configured, env: { BASE_URL: base } });
    await runCli(['verify', '--env', 'staging', '--no-record'], { cwd: configured, env: { BASE_URL: base } });
    const conn = await openDb(db.url);
    try {
      const history = await readVerifyHistory(conn, { environment: 'staging' });
      expect(history.map((h) => h.verdict)).toEqual(['pass', 'fail']);
      expect(history[1]!.report.checks.map((c) => c.name)).toEqual(['api-health', 'down']);
      expect(await readVerifyHistory(conn, { environment: 'production' })).toEqual([]);
    } finally {
      await conn.close();
    }
  });

  it('never prints a secret from ${VAR}, a target, a measured value or a secret-named key', async () => {
    const token = 'Zx9yW8vU7tS6rQ5pO4nMabcdef';
    const ghp = 'ghp_16C7e42F292c6912E7710c838347Ae178B4a';
    const slack = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
    const dir = project({
      checks: [
        { name: 'echo', command: 'echo ${API_TOKEN}', fail: ['[STDOUT] == ok'] },
        { name: 'curl', command: `curl -H "Authorization: Bearer ${ghp}" -m 1 http://127.0.0.1:1/ || true`, fail: ['[STDOUT] == ok'] },
        { name: 'mail', sql: { url: 'postgresql://nobody@127.0.0.1:1/x', query: "SELECT 1 FROM users WHERE email = 'alice@example.com'", timeout: '1s' } },
        { name: 'hook', http: { url: slack, timeout: '300ms' } },
        { name: 'signed', http: { url: '${BASE_URL}/health?sig=Zq8xY7wV6uT5sR4&access_key=AKIAIOSFODNN7EXAMPLE' }, fail: ['[STATUS] == 500'] },
        { name: 'body', http: { url: '${BASE_URL}/token' }, fail: ['[BODY].token == x'] },
      ],
    });
    const secrets = [token, ghp, slack, 'alice@example.com', 'Zq8xY7wV6uT5sR4', 'AKIAIOSFODNN7EXAMPLE', 'tok-Zx9yW8vU7tS6rQ5pO4nM'];
    for (const format of ['text', 'json', 'junit', 'github']) {
      const run = await runCli(['verify', '--format', format], { cwd: dir, env: { BASE_URL: base, API_TOKEN: token } });
      expect(run.code, run.stderr).toBe(1);
      for (const secret of secrets) expect(run.stdout + run.stderr, `${format}: ${secret}`).not.toContain(secret);
      expect(findSecrets(run.stdout + run.stderr, selectDetectors()), format).toEqual([]);
    }
  });

  it('reading history from a database that never recorded returns nothing', async () => {
    const conn = await openDb(pg.url);
    try {
      expect(await readVerifyHistory(conn)).toEqual([]);
    } finally {
      await conn.close();
    }
  });

  it('a suite where everything is unreachable is FAIL, never PASS', async () => {
    const closed = net.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const run = await runCli(['verify', '--format', 'json'], { cwd: project({ checks: [{ name: 'gone', http: { url: `http://127.0.0.1:${port}/` } }] }) });
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout).checks[0]).toMatchObject({ status: 'fail', error: expect.stringMatching(/request failed/) });
  });
});
