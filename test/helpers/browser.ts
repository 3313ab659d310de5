import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';

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
