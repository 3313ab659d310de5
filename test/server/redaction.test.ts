import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliContext } from '../../src/cli/context.js';
import { createIo } from '../../src/cli/io.js';
import { writeHtmlReport } from '../../src/cli/report-file.js';
import type { DeploysView, EnvironmentsView, IntegrityView, LintView, TestdataView, VerifyView } from '../../src/html/types.js';
import { lintViewError } from '../../src/html/views.js';
import { secretsOfUrl } from '../../src/redact/secrets.js';
import { type RunningDashboard, startDashboard } from '../../src/server/server.js';
import type { DashboardSources } from '../../src/server/sources.js';
import type { DeployReport } from '../../src/deploy/types.js';
import { firstEvent } from './serve-process.js';

// Secrets holding the characters JSON and <script> escaping rewrite: `"`, `\` and `<`.
const PGPASSWORD = 'Pw<"se\\cret99';
const URL_PASSWORD = 'Ur1<"pass\\word42';
const ENV_URL = `postgresql://app:${encodeURIComponent(URL_PASSWORD)}@127.0.0.1:1/app`;
/** Tails that survive every escaping of the two secrets: none may leave the process. */
const TELLTALES = ['cret99', 'word42'];

/** Error texts the way a database driver might echo them: the secret outside any URL. */
const leak = `login failed: PGPASSWORD=${PGPASSWORD} and password ${URL_PASSWORD} rejected`;

function io() {
  const sink = { write: () => true };
  const created = createIo(sink, sink, { PGPASSWORD });
  created.addSecrets(secretsOfUrl(ENV_URL));
  return created;
}

/** Figures as a broken environment would give them, secrets in every free-text field. */
function fixedSources(redact: (text: string) => string): DashboardSources {
  const run = { id: 1, environment: 'staging', outcome: 'failed', actor: leak, phases: [], skips: [], migrations: [] };
  return {
    environmentNames: () => ['staging'],
    views: () => ['overview', 'testdata', 'integrity', 'verify', 'deploys', 'lint'],
    overview: async () => ({ generatedAt: new Date().toISOString(), environments: [{ name: 'staging', error: leak, reachable: false }] }) as unknown as EnvironmentsView,
    integrity: async () => ({ dirs: [leak], snapshots: [], comparisons: [] }) as IntegrityView,
    lint: async () => lintViewError(leak) as LintView,
    testdata: async (environment) => ({ environment, summary: null, alerts: [leak], recommendations: [], staleRows: [], error: leak }) as TestdataView,
    verify: async (environment) => ({ environment, latest: null, history: [], error: leak }) as VerifyView,
    deploys: async (environment) => ({ environment, runs: [run], reports: {}, error: leak }) as unknown as DeploysView,
    deployReport: async () => ({ error: leak }) as unknown as DeployReport,
    redact,
    close: async () => undefined,
  };
}

function expectNoSecret(where: string, text: string): void {
  for (const telltale of TELLTALES) expect(text, `${where} leaks a secret`).not.toContain(telltale);
  expect(text, `${where} shows where a secret was`).toContain('***');
}

let dashboard: RunningDashboard;

beforeAll(async () => {
  const created = io();
  dashboard = await startDashboard(fixedSources(created.redact), { host: '127.0.0.1', port: 0, intervalMs: 60_000 });
});

afterAll(async () => {
  await dashboard?.close();
});

describe('secrets with ", \\ and < never leave the dashboard or a report', () => {
  it.each(['/api/environments', '/api/testdata?env=staging', '/api/verify?env=staging', '/api/deploys?env=staging', '/api/deploys?env=staging&run=1', '/api/lint', '/api/integrity'])(
    'GET %s',
    async (pathname) => {
      const response = await fetch(new URL(pathname, dashboard.url));
      expect(response.status).toBe(200);
      const text = await response.text();
      expectNoSecret(pathname, text);
      // Redacted before serialising: the JSON is still well-formed.
      expect(() => JSON.parse(text) as unknown).not.toThrow();
    },
  );

  it('GET /api/events: the pushed figures are redacted', async () => {
    const text = await firstEvent(new URL('/api/events?env=staging', dashboard.url));
    const data = /event: testdata\ndata: (.*)\n/.exec(text)?.[1] ?? '';
    expectNoSecret('/api/events', data);
    expect((JSON.parse(data) as TestdataView).error).toBe('login failed: PGPASSWORD=*** and password *** rejected');
  });

  it('--report FILE.html: the embedded data is redacted', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-redact-report-'));
    const cli = new CliContext(io(), dir);
    await writeHtmlReport(cli, 'report.html', { title: 'lint', views: { lint: lintViewError(leak) } });
    expectNoSecret('the report', readFileSync(path.join(dir, 'report.html'), 'utf8'));
  });
});

describe('the text redactor as a backstop', () => {
  it('also removes known secrets in their JSON-escaped and <script>-escaped forms', async () => {
    const { redactText } = await import('../../src/redact/secrets.js');
    const { scriptJson } = await import('../../src/html/page.js');
    for (const serialised of [JSON.stringify({ error: leak }), scriptJson({ error: leak })]) {
      const out = redactText(serialised, [PGPASSWORD, URL_PASSWORD]);
      for (const telltale of TELLTALES) expect(out).not.toContain(telltale);
    }
  });
});
