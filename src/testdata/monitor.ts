/**
 * Monitoring test data over time: `monitor watch` (poll, alert, optionally run a command with the
 * alert as JSON on stdin) and `monitor dashboard` (a live terminal view). Both poll
 * testDataSummary, the same figures `monitor snapshot` and the serve dashboard show.
 */
import { spawn } from 'node:child_process';
import type { Db } from '../db/types.js';
import { formatBytes } from '../report/bytes.js';
import { histogram, recommendations, sparkline } from './render.js';
import type { TestDataSettings } from './settings.js';
import { type TestDataSummary, testDataSummary } from './summary.js';

export interface AlertRules {
  /** Alert when the total number of test rows passes this. */
  alertThreshold?: number | undefined;
  /** Alert when stale rows exceed this (default 0: any stale row alerts). */
  maxStale?: number | undefined;
}

/** The JSON an `--alert-command` receives on stdin. */
export interface TestDataAlert {
  kind: 'prodguard.testdata.alert';
  time: string;
  target: string;
  reasons: string[];
  /** Which rules fired; the watch alerts again only when these change. */
  kinds: ('threshold' | 'stale')[];
  total: number;
  stale: number;
  /** Test rows without a created-at (never cleaned up). */
  unknownAge: number;
  alertThreshold: number | null;
  maxStale: number;
  tables: { table: string; total: number; stale: number }[];
}

/** The alert these figures raise, or undefined when they are within the rules. */
export function evaluateAlert(summary: TestDataSummary, rules: AlertRules, target: string): TestDataAlert | undefined {
  const maxStale = rules.maxStale ?? 0;
  const reasons: string[] = [];
  const kinds: TestDataAlert['kinds'] = [];
  if (rules.alertThreshold !== undefined && summary.total > rules.alertThreshold) {
    reasons.push(`${summary.total} test rows, more than the threshold of ${rules.alertThreshold}`);
    kinds.push('threshold');
  }
  if (summary.stale > maxStale) {
    reasons.push(`${summary.stale} stale test rows (older than ${summary.retentionHours} h; allowed ${maxStale})`);
    kinds.push('stale');
  }
  if (reasons.length === 0) return undefined;
  return {
    kind: 'prodguard.testdata.alert',
    time: summary.generatedAt,
    target,
    reasons,
    kinds,
    total: summary.total,
    stale: summary.stale,
    unknownAge: summary.unknownAge,
    alertThreshold: rules.alertThreshold ?? null,
    maxStale,
    tables: summary.tables.map((t) => ({ table: t.table, total: t.total, stale: t.stale })),
  };
}

/**
 * Runs `command` through the shell with the alert as JSON on stdin. Never throws: a failing
 * command is reported in the result (the watch goes on).
 */
export function runAlertCommand(command: string, alert: TestDataAlert, timeoutMs = 30_000): Promise<{ code: number | null; stderr: string; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, { shell: true, stdio: ['pipe', 'ignore', 'pipe'], timeout: timeoutMs });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) => resolve({ code: null, stderr, error: error.message }));
    child.on('close', (code) => resolve({ code, stderr }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(`${JSON.stringify(alert)}\n`);
  });
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface WatchOptions extends AlertRules {
  intervalMs: number;
  /** Keep polling after an alert, and after a poll that failed (default: stop at the first of either). */
  keepGoing?: boolean | undefined;
  /** Stop after this many polls (default: until an alert or the signal). */
  iterations?: number | undefined;
  alertCommand?: string | undefined;
  signal?: AbortSignal | undefined;
  /**
   * After each poll. `raised` is true when the alert is new: the first poll in alert, or the rules
   * that fire changed; a standing alert is not raised again (nor its command run) every poll.
   */
  onPoll?: ((summary: TestDataSummary, alert: TestDataAlert | undefined, raised: boolean) => void) | undefined;
  /** A poll that failed (database unreachable, a lock timeout) with keepGoing: reported, the watch goes on. */
  onError?: ((error: unknown) => void) | undefined;
  onAlertCommand?: ((result: { code: number | null; stderr: string; error?: string }) => void) | undefined;
}

export interface WatchResult {
  polls: number;
  /** Alerts raised (state changes into an alert), not polls spent in one. */
  alerts: number;
  /** Polls that failed (keepGoing only; without it the first failure is thrown). */
  errors: number;
}

/** Polls the summary every interval and raises alerts on state changes; see WatchOptions for when it stops. */
export async function watchTestData(db: Db, settings: TestDataSettings, options: WatchOptions): Promise<WatchResult> {
  let polls = 0;
  let alerts = 0;
  let errors = 0;
  let standing = '';
  while (!options.signal?.aborted) {
    polls++;
    let summary: TestDataSummary | undefined;
    try {
      summary = await testDataSummary(db, settings);
    } catch (error) {
      if (!options.keepGoing) throw error;
      errors++;
      options.onError?.(error);
    }
    if (summary) {
      const alert = evaluateAlert(summary, options, db.displayUrl);
      const state = alert ? alert.kinds.join(',') : '';
      const raised = alert !== undefined && state !== standing;
      standing = state;
      options.onPoll?.(summary, alert, raised);
      if (alert && raised) {
        alerts++;
        if (options.alertCommand) options.onAlertCommand?.(await runAlertCommand(options.alertCommand, alert));
      }
      if (alert && !options.keepGoing) break;
    }
    if (options.iterations !== undefined && polls >= options.iterations) break;
    await sleep(options.intervalMs, options.signal);
  }
  return { polls, alerts, errors };
}

/** One frame of the dashboard (ANSI: cleared screen, then the view). */
export function renderDashboardFrame(summary: TestDataSummary, alert: TestDataAlert | undefined, target: string, intervalMs: number): string {
  const lines: string[] = [];
  lines.push(`prodguard monitor dashboard — ${target}`);
  lines.push(`${summary.generatedAt}   refresh every ${intervalMs < 1000 ? `${intervalMs} ms` : `${Math.round(intervalMs / 1000)} s`}   q or Ctrl-C to quit`);
  lines.push('');
  lines.push(
    `Test rows: ${summary.total}   stale (> ${summary.retentionHours} h): ${summary.stale}   unknown age: ${summary.unknownAge}   storage ≈ ${formatBytes(summary.storageBytes)}`,
  );
  if (summary.status) lines.push(`Active: ${summary.status.active}   cancelled: ${summary.status.cancelled}   other: ${summary.status.other}`);
  for (const t of summary.tables) lines.push(`  ${t.table.padEnd(24)} ${String(t.total).padStart(8)}  stale ${t.stale}${t.problem ? `  (${t.problem})` : ''}`);
  lines.push('');
  lines.push('Age:');
  for (const line of histogram(summary.buckets, 40)) lines.push(`  ${line}`);
  lines.push('');
  lines.push(`Created per hour, last 24 h: ${sparkline(summary.trend.map((h) => h.count))}`);
  lines.push('');
  lines.push(alert ? `ALERT: ${alert.reasons.join('; ')}` : 'Alerts: none');
  lines.push('');
  lines.push('Recommendations:');
  for (const r of recommendations(summary)) lines.push(`  - ${r}`);
  return `\x1b[H\x1b[2J${lines.join('\n')}\n`;
}

export interface DashboardInput {
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  off(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  setRawMode?: ((mode: boolean) => unknown) | undefined;
  isTTY?: boolean | undefined;
  resume?: () => unknown;
  pause?: () => unknown;
}

export interface DashboardOptions extends AlertRules {
  intervalMs: number;
  input: DashboardInput;
  write(text: string): void;
  /** Stops the dashboard too (e.g. SIGINT when the input is not in raw mode). */
  signal?: AbortSignal | undefined;
}

/**
 * Runs the live dashboard until `q`, Ctrl-C (in raw mode it arrives as a byte) or the signal.
 * Restores the terminal (raw mode off, cursor shown, main screen) however it ends.
 * Resolves with the number of frames drawn.
 */
export async function runDashboard(db: Db, settings: TestDataSettings, options: DashboardOptions): Promise<{ frames: number }> {
  const stop = new AbortController();
  const onData = (chunk: Buffer | string) => {
    const text = chunk.toString();
    if (text.includes('q') || text.includes('Q') || text.includes('\x03')) stop.abort();
  };
  const outer = () => stop.abort();
  options.signal?.addEventListener('abort', outer, { once: true });
  options.input.on('data', onData);
  const raw = Boolean(options.input.isTTY && options.input.setRawMode);
  if (raw) options.input.setRawMode?.(true);
  options.input.resume?.();
  options.write('\x1b[?1049h\x1b[?25l');
  let frames = 0;
  try {
    while (!stop.signal.aborted) {
      const summary = await testDataSummary(db, settings);
      if (stop.signal.aborted) break;
      options.write(renderDashboardFrame(summary, evaluateAlert(summary, options, db.displayUrl), db.displayUrl, options.intervalMs));
      frames++;
      await sleep(options.intervalMs, stop.signal);
    }
  } finally {
    options.input.off('data', onData);
    options.signal?.removeEventListener('abort', outer);
    if (raw) options.input.setRawMode?.(false);
    options.input.pause?.();
    options.write('\x1b[?25h\x1b[?1049l');
  }
  return { frames };
}
