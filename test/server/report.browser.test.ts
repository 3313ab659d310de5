import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CompareReport } from '../../src/integrity/compare.js';
import type { LintJson } from '../../src/lint/report/json.js';
import { artifactPath, launchBrowser, openOffline } from '../helpers/browser.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/pg.js';

let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

describe('HTML reports open offline and show the same figures as the JSON output', () => {
  it('lint --report: findings grouped by file, with the rule docs', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-report-'));
    mkdirSync(path.join(dir, 'migrations'));
    writeFileSync(path.join(dir, 'migrations', '001_users.sql'), 'CREATE TABLE notes (id int PRIMARY KEY, body text);\n');
    writeFileSync(path.join(dir, 'migrations', '002_drop.sql'), 'ALTER TABLE users DROP COLUMN email;\nALTER TABLE users ALTER COLUMN id TYPE bigint;\n');
    const run = await runCli(['lint', 'migrations', '--format', 'json', '--report', 'out/lint.html'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HTML report: out/lint.html');
    const json = JSON.parse(run.stdout) as LintJson;
    expect(json.summary.errors).toBeGreaterThan(0);

    const file = path.join(dir, 'out', 'lint.html');
    const html = readFileSync(file, 'utf8');
    expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
    const { page, blocked, errors } = await openOffline(browser, file);
    await page.locator('[data-testid="lint-summary"]').waitFor();
    expect(await page.locator('[data-testid="lint-summary"]').textContent()).toBe(`${json.summary.errors} errors, ${json.summary.warnings} warnings`);
    for (const f of json.files) {
      const rules = json.findings.filter((x) => x.file === f.path).map((x) => x.rule);
      const shown = await page.locator(`[data-file="${f.path}"] tr[data-rule]`).evaluateAll((rows) => rows.map((r) => r.getAttribute('data-rule')));
      expect(shown, f.path).toEqual(rules);
    }
    // The rule's page opens in place.
    await page.locator('[data-file$="002_drop.sql"] button', { hasText: 'ban-drop-column' }).first().click();
    await expect.poll(() => page.locator('#rule-doc').isVisible()).toBe(true);
    expect(await page.locator('#rule-doc h3').first().textContent()).toContain('ban-drop-column');
    await page.screenshot({ path: artifactPath('report-lint.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
  });

  it('compare --report: the losses highlighted, with the rollback line', async () => {
    const db = await createTestDatabase('report_compare');
    await db.sql(`CREATE TABLE orders (id int PRIMARY KEY, total int); INSERT INTO orders SELECT g, g FROM generate_series(1, 30) g;
                  CREATE TABLE notes (id int PRIMARY KEY); INSERT INTO notes VALUES (1), (2)`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-report-'));
    expect((await runCli(['snapshot', '--db', db.url, '--out', 'before.json', '--keys-up-to', '100'], { cwd: dir })).code).toBe(0);
    await db.sql('DELETE FROM orders WHERE id <= 3; INSERT INTO notes VALUES (3)');
    const run = await runCli(['compare', 'before.json', '--db', db.url, '--format', 'json', '--report', 'compare.html'], { cwd: dir });
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout) as CompareReport & { rollback: string };

    const { page, blocked, errors } = await openOffline(browser, path.join(dir, 'compare.html'));
    await page.locator('[data-testid="comparison"]').waitFor();
    expect(await page.locator('[data-testid="rollback"]').textContent()).toBe(json.rollback);
    const lossRows = page.locator('tr.loss-row');
    const losses = json.items.filter((i) => i.status === 'loss');
    expect(await lossRows.count()).toBe(losses.length);
    for (const [index, item] of losses.entries()) {
      const cells = await lossRows.nth(index).locator('td').allTextContents();
      expect(cells.slice(1, 5)).toEqual([item.id, item.verdict, String(item.rowsBefore), String(item.rowsAfter)]);
    }
    const notes = page.locator('tr[data-status="ok"]', { hasText: 'public.notes' });
    expect(await notes.locator('td').nth(2).textContent()).toBe('grew');
    await page.screenshot({ path: artifactPath('report-compare.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
  });

  it('markup in the data is shown as text, never run', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-report-'));
    mkdirSync(path.join(dir, 'migrations'));
    const table = '<img src=x onerror=window.pwned=1>';
    writeFileSync(path.join(dir, 'migrations', '001_x.sql'), `ALTER TABLE "${table}" DROP COLUMN secret;\n`);
    const run = await runCli(['lint', 'migrations', '--report', 'lint.html'], { cwd: dir });
    expect(run.code).toBe(1);
    const { page, errors, blocked, close } = await openOffline(browser, path.join(dir, 'lint.html'));
    await page.locator('[data-testid="lint-summary"]').waitFor();
    expect(await page.locator('#view').textContent()).toContain(table);
    expect(await page.locator('#view img').count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(errors).toEqual([]);
    expect(blocked).toEqual([]);
    await close();
  });
});
