import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EnvironmentsView } from '../../src/html/types.js';
import { launchBrowser } from '../helpers/browser.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { type ServeProcess, startServe } from './serve-process.js';

const TOKEN = 'browser-token-0123456789';
/** A value from the database that is also markup: the page must show it as text. */
const MARKUP = `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>`;
/** Nothing listens on port 1: connections are refused. */
const REFUSED_URL = 'postgresql://app@127.0.0.1:1/app';

let db: TestDatabase;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase('serve_token');
  await db.sql(`CREATE TABLE users (id serial PRIMARY KEY, is_test_data boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO users (is_test_data) SELECT g <= 3 FROM generate_series(1, 10) g;
    CREATE TABLE notes (id text PRIMARY KEY, is_test_data boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now());`);
  await db.sql(`INSERT INTO notes VALUES ($1, true, now() - interval '3 days')`, [MARKUP]);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-token-'));
  writeFileSync(path.join(dir, 'prodguard.config.yaml'), `environments:\n  - name: staging\n    url: \${STAGING_URL}\n  - name: qa\n    url: ${REFUSED_URL}\ntestData:\n  tables: [users, notes]\n`);
  serve = await startServe(['--token', TOKEN, '--interval', '1s'], { cwd: dir, env: { STAGING_URL: db.url, DATABASE_URL: '' } });
  browser = await launchBrowser();
  page = await browser.newPage();
  page.on('pageerror', (error) => pageErrors.push(error.message));
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('a dashboard opened with ?token=', () => {
  it('drops the token from the address bar, keeps it for the tab, and still reads the API and the event stream', async () => {
    const streams: number[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/api/events') streams.push(response.status());
    });
    await page.goto(`${serve.url}?token=${TOKEN}#testdata`);
    await page.locator('[data-testid="testdata-total"]').waitFor();
    expect(page.url()).not.toContain(TOKEN);
    expect(page.url()).toMatch(/#testdata$/);
    expect(await page.evaluate(() => sessionStorage.getItem('prodguard-token'))).toBe(TOKEN);
    // EventSource cannot send headers: the stream still carries the token, and is accepted.
    await expect.poll(() => streams, { timeout: 10_000 }).toContain(200);
    // Another view, after the token left the URL: the API calls still carry it.
    await page.click('a[data-view="overview"]');
    await page.locator('[data-testid="env-staging"]').waitFor();
    expect(await page.locator('[data-testid="env-staging"]').textContent()).toContain('REACHABLE');
    expect(pageErrors).toEqual([]);
  });
});

describe('a page whose access is withdrawn', () => {
  it('stops polling once the event stream and the API answer 401, instead of asking forever', async () => {
    const refused = await browser.newPage();
    let reads = 0;
    // The server withdraws access after the first read (as a changed token would).
    await refused.route('**/api/events**', (route) => route.fulfill({ status: 401, contentType: 'application/json', body: '{"error":"a valid token is required"}' }));
    await refused.route('**/api/testdata**', (route) => {
      reads += 1;
      if (reads === 1) return route.continue();
      return route.fulfill({ status: 401, contentType: 'application/json', body: '{"error":"a valid token is required"}' });
    });
    await refused.goto(`${serve.url}?token=${TOKEN}#testdata`);
    await refused.locator('[data-testid="testdata-total"]').waitFor();
    // --interval 1s: a page that kept polling would ask about four more times in 4.5 s.
    await refused.waitForTimeout(4_500);
    expect(reads).toBe(2);
    expect(await refused.locator('main').textContent()).toContain('Could not load Test data: 401');
    await refused.close();
  });
});

describe('what the database says is shown as text, and an unreachable environment says why', () => {
  it('a stale row whose key is markup is listed as text; no element is created from it', async () => {
    const shown = await browser.newPage();
    shown.on('pageerror', (error) => pageErrors.push(error.message));
    await shown.goto(`${serve.url}?token=${TOKEN}#testdata`);
    const cell = shown.locator('[data-testid="stale-rows"] tbody td', { hasText: 'onerror' });
    await cell.waitFor();
    expect(await cell.textContent()).toContain(MARKUP);
    expect(await shown.locator('#view img').count()).toBe(0);
    expect(await shown.locator('#view script').count()).toBe(0);
    expect(await shown.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    await shown.close();
  });

  it('an environment on a refused port: unreachable with the reason, in the API and on the page', async () => {
    const response = await fetch(new URL('/api/environments', serve.url), { headers: { Authorization: `Bearer ${TOKEN}` } });
    const view = (await response.json()) as EnvironmentsView;
    const qa = view.environments.find((e) => e.name === 'qa');
    expect(qa).toMatchObject({ reachable: false, latencyMs: null, identity: null });
    expect(qa?.error).toMatch(/refused/i);
    const shown = await browser.newPage();
    await shown.goto(`${serve.url}?token=${TOKEN}#overview`);
    const card = shown.locator('[data-testid="env-qa"]');
    await card.waitFor();
    expect(await card.textContent()).toContain('UNREACHABLE');
    expect(await card.textContent()).toMatch(/refused/i);
    expect(await shown.locator('[data-testid="env-staging"]').textContent()).toContain('REACHABLE');
    await shown.close();
    expect(pageErrors).toEqual([]);
  });
});
