import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckReport } from '../../src/check/types.js';
import type { VerifyView } from '../../src/html/types.js';
import type { VerifyReport } from '../../src/verify/run.js';
import { artifactPath, launchBrowser, openOffline } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { type ServeProcess, startServe } from './serve-process.js';

let db: TestDatabase;
let dir: string;
let env: NodeJS.ProcessEnv;
let browser: Browser;

const CONFIG = `environments:
  - name: staging
    url: \${STAGING_URL}
migrations: migrations
verify:
  checks:
    - name: users-present
      sql: { query: "SELECT count(*)::int AS n FROM users" }
      fail: ["[ROWS][0].n > 0"]
    - name: many-users
      sql: { query: "SELECT count(*)::int AS n FROM users" }
      warn: ["[ROWS][0].n > 100"]
    - name: tool-ok
      command: "exit 0"
`;

beforeAll(async () => {
  db = await createTestDatabase('serve_verify');
  await db.sql(`CREATE TABLE users (id int PRIMARY KEY, note text); INSERT INTO users SELECT g, NULL FROM generate_series(1, 10) g`);
  dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-verify-'));
  writeFileSync(path.join(dir, 'prodguard.config.yaml'), CONFIG);
  mkdirSync(path.join(dir, 'migrations'));
  writeFileSync(path.join(dir, 'migrations', '001_note_required.sql'), 'ALTER TABLE users ALTER COLUMN note SET NOT NULL;\n');
  env = { STAGING_URL: db.url };
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describe('verify: recorded runs on the dashboard and --report', () => {
  let reports: VerifyReport[] = [];
  let serve: ServeProcess | undefined;

  afterAll(async () => {
    await serve?.stop();
  });

  it('verify --report FILE.html shows the same verdicts as the JSON output, offline', async () => {
    for (let i = 0; i < 2; i++) {
      const run = await runCli(['verify', '--env', 'staging', '--record', '--format', 'json', '--report', 'verify.html'], { cwd: dir, env });
      expect(run.code, run.stderr).toBe(0);
      reports.push(JSON.parse(run.stdout) as VerifyReport);
    }
    const [, last] = reports;
    expect(last?.verdict).toBe('warn');
    const { page, blocked, errors, close } = await openOffline(browser, path.join(dir, 'verify.html'));
    await page.locator('[data-testid="verify-summary"]').waitFor();
    expect(await page.locator('[data-testid="verify-summary"]').textContent()).toBe(`${last?.summary.pass} passed, ${last?.summary.warn} warnings, ${last?.summary.fail} failed`);
    const rows = await page.locator('[data-testid="verify-latest"] tr[data-check]').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-check'), tr.querySelector('.badge')?.textContent]));
    expect(rows).toEqual(last?.checks.map((c) => [c.name, c.status.toUpperCase()]));
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await close();
  });

  it('GET /api/verify: the latest recorded run and the history; the Verify tab shows both', async () => {
    serve = await startServe([], { cwd: dir, env: { ...env, DATABASE_URL: '' } });
    const response = await fetch(new URL('/api/verify?env=staging', serve.url));
    expect(response.status).toBe(200);
    const view = (await response.json()) as VerifyView;
    expect(view.error).toBeNull();
    expect(view.history).toHaveLength(2);
    expect(view.latest?.startedAt).toBe(reports[1]?.startedAt);
    expect(view.latest?.report.summary).toEqual(reports[1]?.summary);
    expect(view.history[1]?.report.startedAt).toBe(reports[0]?.startedAt);

    const page = await browser.newPage();
    await page.goto(new URL('#verify', serve.url).href);
    await page.locator('[data-testid="verify-history"]').waitFor();
    expect(await page.locator('[data-testid="verify-history"] tbody tr').count()).toBe(2);
    expect(await page.locator('[data-testid="verify-latest"] tr[data-check="many-users"] .badge').textContent()).toBe('WARN');
    await page.screenshot({ path: artifactPath('dashboard-verify.png'), fullPage: true });
    await page.close();
  });
});

describe('check --report', () => {
  it('shows the statements and findings of the JSON report, offline', async () => {
    const run = await runCli(['check', 'migrations', '--db', db.url, '--format', 'json', '--report', 'check.html'], { cwd: dir });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as CheckReport;
    const { page, blocked, errors, close } = await openOffline(browser, path.join(dir, 'check.html'));
    await page.locator('[data-testid="check-summary"]').waitFor();
    expect(await page.locator('[data-testid="check-summary"]').textContent()).toBe(`FAIL: ${report.summary.errors} errors, ${report.summary.warnings} warnings`);
    const shown = await page.locator('[data-finding]').evaluateAll((els) => els.map((e) => e.getAttribute('data-finding')));
    expect(shown).toEqual(report.migrations.flatMap((m) => m.statements.flatMap((s) => s.findings.map((f) => f.id))));
    expect(shown).toContain('not-null-violation');
    expect(await page.locator('[data-finding="not-null-violation"]').textContent()).toContain('10 rows of 10 hold NULL');
    await page.screenshot({ path: artifactPath('report-check.png'), fullPage: true });
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
    await close();
  });
});
