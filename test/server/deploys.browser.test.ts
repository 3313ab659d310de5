import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PHASES, type DeployReport } from '../../src/deploy/types.js';
import type { DeploysView, EnvironmentsView } from '../../src/html/types.js';
import { artifactPath, launchBrowser, openOffline } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/pg.js';
import { type ServeProcess, startServe } from './serve-process.js';

let dir: string;
let env: NodeJS.ProcessEnv;
let serve: ServeProcess;
let browser: Browser;
let deployed: DeployReport;

const MIGRATE = ['sh', '-c', 'psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -q -f migrations/001_notes.sql'];

async function getJson<T>(pathname: string, status = 200): Promise<T> {
  const response = await fetch(new URL(pathname, serve.url));
  expect(response.status, pathname).toBe(status);
  return (await response.json()) as T;
}

beforeAll(async () => {
  const test = await createTestDatabase('serve_dep_test');
  const staging = await createTestDatabase('serve_dep_staging');
  dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-deploys-'));
  writeFileSync(path.join(dir, 'prodguard.config.yaml'), 'environments:\n  - name: test\n    url: ${TEST_URL}\n  - name: staging\n    url: ${STAGING_URL}\nmigrations: migrations\n');
  mkdirSync(path.join(dir, 'migrations'));
  writeFileSync(path.join(dir, 'migrations', '001_notes.sql'), 'CREATE TABLE notes (id bigint PRIMARY KEY, body text);\n');
  env = { TEST_URL: test.url, STAGING_URL: staging.url, PRODGUARD_ACTOR: 'dashboard-test' };
  for (const name of ['test', 'staging']) expect((await runCli(['env', 'mark', '--env', name, '--as', name], { cwd: dir, env })).code).toBe(0);
  const run = await runCli(['deploy', '--env', 'test', '--format', 'json', '--report', 'deploy.html', '--', ...MIGRATE], { cwd: dir, env });
  expect(run.code, run.stderr).toBe(0);
  deployed = JSON.parse(run.stdout) as DeployReport;
  expect(deployed.outcome).toBe('passed');
  serve = await startServe([], { cwd: dir, env: { ...env, DATABASE_URL: '' } });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('deploys on the dashboard', () => {
  it('GET /api/deploys: the ledger with every phase', async () => {
    const view = await getJson<DeploysView>('/api/deploys?env=test');
    expect(view.error).toBeNull();
    expect(view.runs).toHaveLength(1);
    const [run] = view.runs;
    expect(run).toMatchObject({ id: deployed.runId, environment: 'test', outcome: 'passed', actor: 'dashboard-test', migrationSet: deployed.migrationSet.hash });
    expect(run?.phases.map((p) => p.phase)).toEqual([...PHASES]);
    expect(run?.phases.find((p) => p.phase === 'migrate')?.status).toBe('pass');
    expect((await getJson<DeploysView>('/api/deploys?env=staging')).runs).toEqual([]);
  });

  it('GET /api/deploys?run=ID: the full report; unknown or malformed ids are errors', async () => {
    const { report } = await getJson<{ report: DeployReport }>(`/api/deploys?env=test&run=${deployed.runId}`);
    expect(report).toMatchObject({ runId: deployed.runId, outcome: 'passed', environment: 'test' });
    expect(report.migrate?.exitCode).toBe(0);
    await getJson('/api/deploys?env=test&run=999', 404);
    await getJson('/api/deploys?env=test&run=abc', 400);
  });

  it('GET /api/environments: the last deploy and the open gate to the next environment', async () => {
    const view = await getJson<EnvironmentsView>('/api/environments');
    const [test, staging] = view.environments;
    expect(test?.lastDeploy?.id).toBe(deployed.runId);
    expect(test?.gate).toMatchObject({ from: 'test', to: 'staging', open: true, promoted: false, migrationSet: deployed.migrationSet.hash });
    expect(staging?.lastDeploy).toBeNull();
    expect(staging?.gate).toBeNull();
  });

  it('deploy --report FILE.html opens offline and shows the phases of the JSON report', async () => {
    const { page, blocked, errors, close } = await openOffline(browser, path.join(dir, 'deploy.html'));
    await page.locator('[data-testid="deploy-run"]').waitFor();
    const rows = await page.locator('[data-testid="deploy-run"] tr[data-phase]').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-phase'), tr.querySelector('.badge')?.textContent]));
    expect(rows).toEqual(deployed.phases.map((p) => [p.phase, p.status.toUpperCase()]));
    expect(await page.locator('[data-testid="deploy-report"]').textContent()).toContain('migrations/001_notes.sql');
    await page.screenshot({ path: artifactPath('report-deploy.png'), fullPage: true });
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await close();
  });
});
