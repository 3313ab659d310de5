/**
 * `prodguard demo`: the guarded deploy of the example booking application's migrations against
 * an embedded PGlite database — one open, reused for every scenario (an open costs seconds).
 */
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDb } from '../db/open.js';
import type { Db } from '../db/types.js';
import { markIdentity } from '../identity/environment.js';
import { discoverMigrations } from '../migrations/discover.js';
import { restoreCommandLine } from '../report/shell.js';
import { type BackupRunner, backupRunner } from './backup.js';
import { inProcessMigrator } from './migrate.js';
import { type DeployHooks, type PhaseRunner, runDeploy } from './pipeline.js';
import { checkRunner } from './runners.js';
import type { DeployReport } from './types.js';

export interface DemoScenario {
  /** File name in examples/booking/migrations. */
  file: string;
  title: string;
  /** What a guarded deploy must do with it. */
  expected: 'deploy' | 'stop';
}

export const DEMO_SCENARIOS: readonly DemoScenario[] = [
  { file: '001_add_booking_notes.sql', title: 'a safe additive migration', expected: 'deploy' },
  { file: '002_drop_customer_phone.sql', title: 'drops a column that still holds data', expected: 'stop' },
  { file: '003_tighten_booking_event_kinds.sql', title: 'rebuilds a CHECK without a value a trigger still inserts', expected: 'stop' },
  { file: '004_archive_cancelled_bookings.sql', title: 'deletes rows by mistake', expected: 'stop' },
];

/** examples/booking of this package (beside dist/ and src/). */
export function defaultExamplesDir(): string {
  return fileURLToPath(new URL('../../examples/booking', import.meta.url));
}

export interface DemoScenarioResult extends DemoScenario {
  report: DeployReport;
  /** The phase that stopped it and its first finding, or null when it deployed. */
  stoppedBy: string | null;
  asExpected: boolean;
}

export interface DemoResult {
  /** How long opening the embedded database and loading the schema took. */
  setupMs: number;
  totalMs: number;
  scenarios: DemoScenarioResult[];
  /** True when the safe migration deployed and every bad one was stopped. */
  ok: boolean;
  /** Where this demo's backups are (replaced by the next demo). */
  backupDir: string;
}

/**
 * The demo's backups go to one fixed directory, `<temp>/prodguard-demo`, emptied at the start of
 * each demo: the last demo's backups stay inspectable, nothing piles up. Directories left by
 * older versions (`<temp>/prodguard-demo-XXXXXX`, holding only backups) are removed.
 */
export function prepareDemoBackupDir(tmp = os.tmpdir()): string {
  const dir = path.join(tmp, 'prodguard-demo');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(tmp, { withFileTypes: true })) {
    if (!entry.isDirectory() || !/^prodguard-demo-[A-Za-z0-9]{6}$/.test(entry.name)) continue;
    const old = path.join(tmp, entry.name);
    try {
      if (readdirSync(old).every((f) => f.endsWith('.tar.gz') || f.endsWith('.json'))) rmSync(old, { recursive: true, force: true });
    } catch {
      // Another user's or a vanished directory: not ours to clean.
    }
  }
  return dir;
}

export interface DemoOptions {
  examplesDir?: string;
  /** Called before each scenario's deploy. */
  scenarioStarted?(scenario: DemoScenario, index: number): void;
  scenarioFinished?(result: DemoScenarioResult, index: number): void;
  hooks?: DeployHooks;
  check?: PhaseRunner;
  verify?: PhaseRunner;
  /** Backups of the embedded database; default: PGlite data-directory tarballs in `backupDir`. */
  backup?: (db: Db) => BackupRunner | undefined;
  /** Where the demo's backups go; default: `<temp>/prodguard-demo`, replaced on each run. */
  backupDir?: string;
  /** An already-open database to use instead of a new pglite://memory (tests). */
  db?: Db;
}

/** The phase that stopped a deploy and why, in a few words: `lint: ban-drop-column`, `compare: data lost in …`. */
export function stoppedBy(report: DeployReport): string | null {
  if (!report.failedPhase) return null;
  const phase = report.phases.find((p) => p.phase === report.failedPhase);
  // Lint details read `error <rule-id> <file>:<line>:<column>: <message>`: the rule ids say it.
  const rules = [...new Set((phase?.details ?? []).map((d) => /^error (\S+) /.exec(d)?.[1]).filter((r): r is string => r !== undefined))];
  return `${report.failedPhase}: ${rules.length > 0 ? rules.join(', ') : (phase?.message ?? '')}`;
}

/**
 * Runs the demo: loads examples/booking/schema.sql into an embedded database marked as the
 * `demo` test environment, then deploys each scenario's migration on its own through every
 * phase. Never prints; the hooks report progress.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const t0 = performance.now();
  const dir = options.examplesDir ?? defaultExamplesDir();
  const db = options.db ?? (await openDb('pglite://memory'));
  try {
    await db.exec(readFileSync(path.join(dir, 'schema.sql'), 'utf8'));
    await markIdentity(db, { kind: 'test', name: 'demo', markedBy: 'prodguard demo' });
    const files = await discoverMigrations([path.join(dir, 'migrations')], { cwd: dir });
    const backupDir = options.backupDir ?? prepareDemoBackupDir();
    const backup = options.backup ?? ((target: Db) => backupRunner({ db: target, url: 'pglite://memory', dir: backupDir, critical: [] }));
    const setupMs = performance.now() - t0;
    const scenarios: DemoScenarioResult[] = [];
    const environment = { name: 'demo', kind: 'test' as const, protected: false };
    for (const [index, scenario] of DEMO_SCENARIOS.entries()) {
      const file = files.find((f) => path.basename(f.path) === scenario.file);
      if (!file) throw new Error(`examples are incomplete: ${scenario.file} is missing in ${dir}`);
      options.scenarioStarted?.(scenario, index);
      const report = await runDeploy({
        environment,
        promotion: [environment],
        db,
        files: [file],
        projectDir: dir,
        migrator: inProcessMigrator(db),
        openEnvironment: async () => db,
        integrity: {},
        backup: backup(db),
        // The demo's database lives in memory: its backup restores into a new PGlite directory.
        restoreCommand: (file) => restoreCommandLine(file, { url: 'pglite://./booking-restored' }, false),
        check: options.check ?? checkRunner({ files: [file] }),
        verify: options.verify,
        actor: 'prodguard demo',
        gitCommit: null,
        hooks: options.hooks,
      });
      const stopped = stoppedBy(report);
      const result: DemoScenarioResult = {
        ...scenario,
        report,
        stoppedBy: stopped,
        asExpected: scenario.expected === 'deploy' ? report.outcome === 'passed' : report.outcome === 'failed',
      };
      scenarios.push(result);
      options.scenarioFinished?.(result, index);
    }
    return { setupMs, totalMs: performance.now() - t0, scenarios, ok: scenarios.every((s) => s.asExpected), backupDir };
  } finally {
    if (!options.db) await db.close();
  }
}
