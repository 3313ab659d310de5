import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';

/** Debian's Chromium (installed by .ci/run with apt-get); never a downloaded browser. */
export const CHROMIUM_PATH = process.env.PRODGUARD_CHROMIUM ?? '/usr/bin/chromium';

/** Launches headless Chromium with background networking off. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** Where tests keep screenshots and other artifacts (CI keeps test-results/; git ignores it). */
export function artifactPath(name: string): string {
  const dir = path.resolve(import.meta.dirname, '../../test-results');
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}

export interface OfflinePage {
  page: Page;
  /** Every request the page tried that was not file:// (aborted). */
  blocked: string[];
  /** Uncaught errors of the page script. */
  errors: string[];
  close(): Promise<void>;
}

/** Opens a local file with the network off: every request that is not file:// is aborted and recorded. */
export async function openOffline(browser: Browser, file: string): Promise<OfflinePage> {
  const context = await browser.newContext();
  const blocked: string[] = [];
  const errors: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file://')) return route.continue();
    blocked.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(pathToFileURL(file).href);
  return { page, blocked, errors, close: () => context.close() };
}
