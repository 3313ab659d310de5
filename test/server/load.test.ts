import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentsView, IntegrityView, TestdataView } from '../../src/html/types.js';
import { lintViewError } from '../../src/html/views.js';
import { type RunningDashboard, startDashboard } from '../../src/server/server.js';
import type { DashboardSources } from '../../src/server/sources.js';
import { runCli } from '../helpers/cli.js';
import { firstEvent } from './serve-process.js';

/** Sources that count how often the test-data figures are read (each read is a summary on production). */
function countingSources(): DashboardSources & { reads: number } {
  const sources = {
    reads: 0,
    environmentNames: () => ['staging'],
    views: () => ['overview', 'testdata'] as const as never,
    overview: async () => ({ generatedAt: new Date().toISOString(), environments: [] }) as EnvironmentsView,
    integrity: async () => ({ dirs: [], snapshots: [], comparisons: [] }) as IntegrityView,
    lint: async () => lintViewError('not linted'),
    testdata: async (environment: string): Promise<TestdataView> => {
      sources.reads += 1;
      return { environment, summary: null, alerts: [], recommendations: [], staleRows: [], error: null };
    },
    redact: (text: string) => text,
    close: async () => undefined,
  };
  return sources;
}

let sources: ReturnType<typeof countingSources>;
let dashboard: RunningDashboard;

beforeAll(async () => {
  sources = countingSources();
  dashboard = await startDashboard(sources, { host: '127.0.0.1', port: 0, intervalMs: 60_000 });
});

afterAll(async () => {
  await dashboard?.close();
});

describe('the dashboard reads test data once per interval', () => {
  it('opening the Test data view (GET /api/testdata, then the event stream) reads the figures once', async () => {
    const api = await fetch(new URL('/api/testdata?env=staging', dashboard.url));
    expect(api.status).toBe(200);
    expect(await firstEvent(new URL('/api/events?env=staging', dashboard.url).toString())).toContain('event: testdata');
    const again = await fetch(new URL('/api/testdata?env=staging', dashboard.url));
    expect(((await again.json()) as TestdataView).environment).toBe('staging');
    expect(sources.reads).toBe(1);
  });
});

describe('--interval against protected environments', () => {
  it('is at least 2s while a protected (production) environment is watched: exit 2', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-serve-interval-'));
    writeFileSync(path.join(dir, 'prodguard.config.yaml'), 'environments:\n  - name: production\n    url: postgresql://app@127.0.0.1:1/app\n');
    const run = await runCli(['serve', '--port', '0', '--interval', '500ms', '--check'], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--interval must be at least 2s');
    expect(run.stderr).toContain('"production"');
  });
});

describe('HEAD /api/events', () => {
  it('answers with the headers and ends, without subscribing', async () => {
    const before = sources.reads;
    const response = await fetch(new URL('/api/events?env=staging', dashboard.url), { method: 'HEAD', signal: AbortSignal.timeout(5_000) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(await response.text()).toBe('');
    expect(sources.reads).toBe(before);
  });
});

describe('event streams are capped', () => {
  it('beyond the limit a new stream is refused with 503, and a closed one frees its place', async () => {
    const capped = await startDashboard(countingSources(), { host: '127.0.0.1', port: 0, intervalMs: 60_000, maxStreams: 2 });
    const url = new URL('/api/events?env=staging', capped.url);
    const open: AbortController[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const controller = new AbortController();
        open.push(controller);
        expect((await fetch(url, { signal: controller.signal })).status).toBe(200);
      }
      const refused = await fetch(url);
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { error: string }).error).toContain('too many event streams');
      open.shift()?.abort();
      await expect.poll(async () => (await fetch(url, { signal: AbortSignal.timeout(2_000) }).catch(() => undefined))?.status, { timeout: 5_000 }).toBe(200);
    } finally {
      for (const controller of open) controller.abort();
      await capped.close();
    }
  });
});

describe('serve --check', () => {
  it('requests every one-shot endpoint of API_ENDPOINTS, per environment where it takes one', async () => {
    const { API_ENDPOINTS, checkPaths } = await import('../../src/server/server.js');
    const paths = checkPaths(['staging', 'prod uction'], ['overview', 'testdata', 'integrity', 'deploys', 'lint']);
    expect(paths).toEqual([
      '/',
      '/api',
      '/api/environments',
      '/api/testdata?env=staging',
      '/api/testdata?env=prod%20uction',
      '/api/integrity',
      '/api/deploys?env=staging',
      '/api/deploys?env=prod%20uction',
      '/api/lint',
    ]);
    // Every documented endpoint is checked, except one run's report and the never-ending stream.
    for (const { path } of API_ENDPOINTS) {
      const route = path.split('?')[0]!;
      if (path.includes('run=') || route === '/api/events' || route === '/api/verify') continue;
      expect(paths.some((p) => p.split('?')[0] === route), route).toBe(true);
    }
  });
});
