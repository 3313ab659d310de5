import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestdataView } from '../../src/html/types.js';
import { artifactPath, launchBrowser } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { type ServeProcess, startServe } from './serve-process.js';

let db: TestDatabase;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];
let loads = 0;

async function apiTestdata(): Promise<TestdataView> {
  const response = await fetch(new URL('/api/testdata?env=staging', serve.url));
  expect(response.status).toBe(200);
  return (await response.json()) as TestdataView;
}

const text = async (selector: string) => (await page.locator(selector).textContent())?.trim();

beforeAll(async () => {
  db = await createTestDatabase('serve_browser');
  await db.sql(`
    CREATE TABLE users (id serial PRIMARY KEY, email text, is_test_data boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now());
    CREATE TABLE bookings (id serial PRIMARY KEY, user_id int REFERENCES users, is_test_data boolean NOT NULL DEFAULT false, created_at timestamptz NOT NULL DEFAULT now());
    INSERT INTO users (email, is_test_data, created_at) SELECT 'u' || g || '@example.com', g <= 12, now() - (g * 5 || ' hours')::interval FROM generate_series(1, 40) g;
    INSERT INTO bookings (user_id, is_test_data, created_at) SELECT g, g <= 5, now() - (g || ' minutes')::interval FROM generate_series(1, 20) g;
  `);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-dashboard-'));
  writeFileSync(path.join(dir, 'prodguard.config.yaml'), 'environments:\n  - name: staging\n    url: ${STAGING_URL}\ntestData:\n  tables: [users, bookings]\n  retentionHours: 24\n');
  expect((await runCli(['env', 'mark', '--env', 'staging', '--as', 'staging', '--name', 'staging-eu'], { cwd: dir, env: { STAGING_URL: db.url } })).code).toBe(0);
  serve = await startServe(['--interval', '1s', '--alert-threshold', '15'], { cwd: dir, env: { STAGING_URL: db.url, DATABASE_URL: '' } });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('load', () => loads++);
});

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
});

describe('the dashboard in Chromium against a real PostgreSQL', () => {
  it('Overview shows the environment, its recorded identity and reachability', async () => {
    await page.goto(serve.url);
    const env = page.locator('[data-testid="env-staging"]');
    await env.waitFor();
    expect(await env.textContent()).toContain('staging-eu (staging)');
    expect(await env.textContent()).toContain('REACHABLE');
    expect(await env.textContent()).toContain('none recorded');
  });

  it('Test data shows the same counts as the API, the age chart and the hourly trend', async () => {
    const api = await apiTestdata();
    const summary = api.summary!;
    expect(summary.total).toBe(17);
    await page.locator('nav a[data-view="testdata"]').click();
    await page.locator('[data-testid="testdata-total"]').waitFor();
    expect(await text('[data-testid="testdata-total"]')).toBe(String(summary.total));
    expect(await text('[data-testid="testdata-stale"]')).toBe(String(summary.stale));
    expect(await text('[data-testid="count-public.users"]')).toBe('12');
    expect(await text('[data-testid="count-public.bookings"]')).toBe('5');
    // The age chart draws one bar per bucket, with the API's values.
    const readBars = () =>
      page.locator('[data-testid="age-chart"] rect.bar').evaluateAll((rects) => rects.map((r) => [r.getAttribute('data-label'), Number(r.getAttribute('data-value')), r.getBoundingClientRect().height] as const));
    const bars = await readBars();
    expect(bars.map(([label, value]) => [label, value])).toEqual(summary.buckets.map((b) => [b.label, b.count]));
    // Drawn heights come from layout, which a loaded machine may not have finished: poll for it.
    await expect
      .poll(async () => (await readBars()).map(([label, value, height]) => [label, height > 0 === value > 0]), { timeout: 10_000, interval: 100 })
      .toEqual(summary.buckets.map((b) => [b.label, true]));
    expect(await page.locator('[data-testid="trend-chart"] circle').count()).toBe(24);
    expect(await page.locator('[data-testid="trend-chart"] polyline').count()).toBe(1);
    // Alert threshold 15 is crossed; the stale users are flagged.
    expect(await page.locator('[data-testid="testdata-alert"]').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('more than the threshold of 15')]));
    expect(await text('[data-testid="recommendations"]')).toContain('prodguard testdata cleanup');
    // The stale rows themselves (users 5..12, 25..60 h old), oldest first, in the API and on the page.
    expect(summary.stale).toBe(8);
    expect(api.staleRows.map((r) => r.table)).toEqual(Array(8).fill('public.users'));
    expect(api.staleRows.map((r) => Math.round(r.ageHours ?? 0))).toEqual([60, 55, 50, 45, 40, 35, 30, 25]);
    const listed = await page.locator('[data-testid="stale-rows"] tbody tr').allTextContents();
    expect(listed).toHaveLength(8);
    expect(listed[0]).toContain(api.staleRows[0]!.key);
  });

  it('new test rows appear without reloading the page (server-sent events)', async () => {
    await page.evaluate(() => ((window as unknown as { marker: string }).marker = 'same page'));
    const loadsBefore = loads;
    const before = Number(await text('[data-testid="testdata-total"]'));
    await db.sql(`INSERT INTO bookings (user_id, is_test_data) SELECT 1, true FROM generate_series(1, 7)`);
    await expect.poll(() => text('[data-testid="testdata-total"]'), { timeout: 15_000, interval: 250 }).toBe(String(before + 7));
    expect(await text('[data-testid="count-public.bookings"]')).toBe('12');
    // The newest hour of the trend grew by the 7 rows.
    const lastHour = await page.locator('[data-testid="trend-chart"] circle').last().getAttribute('data-value');
    expect(Number(lastHour)).toBeGreaterThanOrEqual(7);
    expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same page');
    expect(loads).toBe(loadsBefore);
    expect(await text('[data-testid="live"]')).toBe('live');
    await page.screenshot({ path: artifactPath('dashboard-testdata.png'), fullPage: true });
  });

  it('Integrity and Lint say what is missing instead of failing', async () => {
    await page.locator('nav a[data-view="integrity"]').click();
    await expect.poll(() => page.locator('#view').textContent()).toContain('No snapshots in .prodguard/snapshots');
    await page.locator('nav a[data-view="lint"]').click();
    await expect.poll(() => page.locator('#view').textContent()).toContain('no migrations to lint');
    expect(pageErrors).toEqual([]);
  });
});
