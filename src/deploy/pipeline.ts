/**
 * The guarded deploy: ten phases around the team's own migrate command, stopping at the first
 * failure, recorded in the target's ledger. Never prints: progress goes to the hooks, the result
 * is a DeployReport.
 */
import type { Expectation } from '../config/schema.js';
import type { Db } from '../db/types.js';
import { ExitCode, isProdguardError } from '../errors.js';
import { compareSnapshots } from '../integrity/compare.js';
import { takeSnapshot } from '../integrity/snapshot.js';
import type { CriticalEntity, SnapshotDocument } from '../integrity/types.js';
import { lintFiles, type RuleSetting } from '../lint/engine.js';
import type { MigrationFile } from '../migrations/types.js';
import { runPreflight } from '../preflight/preflight.js';
import type { BackupRunner } from './backup.js';
import { evaluateGate, type PromotionEnvironment } from './gate.js';
import { migrateRan, readUnresolvedRuns, recordRun } from './ledger.js';
import type { Migrator } from './migrate.js';
import { appliedByTool, type MigrationPlan, planMigrations } from './plan.js';
import { adviseRollback, readWriteCounters, type WriteCounters } from './rollback-advice.js';
import { findRollbackScript, needsRollback, rollbackConvention } from '../migrations/rollback-scripts.js';
import {
  DRY_RUN_PHASES,
  type DeployReport,
  PHASES,
  type PhaseName,
  type PhaseResult,
  type PhaseStatus,
} from './types.js';
import { plural } from '../report/plural.js';

/** What a phase returns; the runner adds timing and the phase name. */
export interface PhaseOutcome {
  status: Exclude<PhaseStatus, 'not-run'>;
  message: string;
  details?: string[];
}

/** Context given to the check and verify runners (the `check` and `verify` capabilities). */
export interface PhaseRunnerContext {
  db: Db;
  pending: readonly MigrationFile[];
  environment: PromotionEnvironment;
  /** True when the target is production (or protected): check must stay read-only there. */
  production: boolean;
}

export type PhaseRunner = (context: PhaseRunnerContext) => Promise<PhaseOutcome>;

export interface DeployHooks {
  phaseStarted?(phase: PhaseName): void;
  phaseFinished?(result: PhaseResult): void;
  /** The migrate command's output, as it comes. */
  output?(text: string): void;
}

export interface DeployOptions {
  environment: PromotionEnvironment & { protected: boolean };
  /** Environments in promotion order. */
  promotion: PromotionEnvironment[];
  db: Db;
  /** Every migration discovered, in the tool's order; the plan picks the pending ones. */
  files: MigrationFile[];
  /** Paths in the ledger are relative to this directory. */
  projectDir: string;
  /** Runs the migrations; only a dry run may go without one. */
  migrator: Migrator | undefined;
  /** Opens another environment's database (the gate reads its ledger); the caller closes it. */
  openEnvironment(name: string): Promise<Db>;
  skips?: { phase: PhaseName; reason: string }[];
  dryRun?: boolean;
  autoRollback?: boolean;
  /** With --auto-rollback: restore even when the database received writes since the migrate. */
  yes?: boolean;
  lint?: { pgVersion?: number | undefined; ruleSettings?: Record<string, RuleSetting>; templateValues?: Record<string, string> };
  /** Fail the lint phase for a migration without a down script. */
  requireRollback?: boolean;
  integrity?: { critical?: CriticalEntity[]; expect?: Record<string, Expectation> };
  /** Undefined when backups cannot be made of this target (e.g. PGlite without support). */
  backup?: BackupRunner | undefined;
  /** Why `backup` is undefined, shown in the skipped phase. */
  backupUnavailable?: string;
  check?: PhaseRunner | undefined;
  verify?: PhaseRunner | undefined;
  /** The exact command that restores a backup this run made (the CLI knows --env and the cwd); `production` as found at preflight. */
  restoreCommand?(backupPath: string, production: boolean): string;
  gitCommit?: string | null;
  actor: string;
  longTransactionMs?: number;
  /** Applied to the migrate output kept in the report and ledger. */
  redact?(text: string): string;
  hooks?: DeployHooks;
}

/** Thrown inside a phase to fail it with details, without being an error of the tool. */
class PhaseFailure extends Error {
  constructor(
    message: string,
    readonly details: string[] = [],
  ) {
    super(message);
  }
}

/** Phases production never skips: the order, the backup, and the before/after comparison. */
const PRODUCTION_UNSKIPPABLE: readonly PhaseName[] = ['gate', 'backup', 'snapshot', 'compare'];


/**
 * Runs the guarded deploy. Resolves with the report (exit code inside); rejects only for bugs.
 * With `dryRun` it runs preflight … snapshot and records nothing.
 *
 * @example
 * const report = await runDeploy({ environment, promotion, db, files, projectDir, migrator, openEnvironment, actor });
 * process.exitCode = report.exitCode;
 */
export async function runDeploy(options: DeployOptions): Promise<DeployReport> {
  const started = new Date();
  const startedMs = performance.now();
  const { db, hooks = {} } = options;
  const redact = options.redact ?? ((t: string) => t);
  const skipReasons = new Map((options.skips ?? []).map((s) => [s.phase, s.reason]));
  // Declared in config, or recorded in the database's identity (set at preflight): either makes it production.
  let production = options.environment.kind === 'production' || options.environment.protected;
  const phases = new Map<PhaseName, PhaseResult>();
  let exitCode: number = ExitCode.ok;
  let failedPhase: PhaseName | null = null;
  let plan: MigrationPlan | undefined;
  let backupSnapshot: SnapshotDocument | undefined;
  let before: SnapshotDocument | undefined;
  let after: SnapshotDocument | undefined;
  let afterWrites: WriteCounters | undefined;
  let losses: string[] = [];
  let acquireLock: () => Promise<boolean> = async () => true;

  const report: DeployReport = {
    format: 'prodguard-deploy',
    version: 1,
    runId: null,
    environment: options.environment.name,
    environmentKind: options.environment.kind ?? null,
    target: db.displayUrl,
    startedAt: started.toISOString(),
    finishedAt: started.toISOString(),
    durationMs: 0,
    outcome: 'failed',
    failedPhase: null,
    dryRun: options.dryRun ?? false,
    gitCommit: options.gitCommit ?? null,
    actor: options.actor,
    migrationSet: { hash: '', files: [], ledger: '' },
    phases: [],
    skips: [...(options.skips ?? [])],
    backup: null,
    migrate: null,
    losses: [],
    rollback: null,
    exitCode: 0,
  };

  const runPhase = async (phase: PhaseName, fn: () => Promise<PhaseOutcome>): Promise<boolean> => {
    hooks.phaseStarted?.(phase);
    const at = new Date().toISOString();
    const t0 = performance.now();
    const reason = skipReasons.get(phase);
    let result: PhaseResult;
    if (reason !== undefined) {
      result = { phase, status: 'skip', message: `skipped: ${reason}`, details: [], startedAt: at, durationMs: 0, skipReason: reason };
    } else {
      try {
        const outcome = await fn();
        result = { phase, status: outcome.status, message: outcome.message, details: outcome.details ?? [], startedAt: at, durationMs: 0 };
      } catch (error) {
        result = failureResult(phase, at, error);
        exitCode = Math.max(exitCode, isProdguardError(error) && error.exitCode === ExitCode.couldNotRun ? ExitCode.couldNotRun : ExitCode.failed);
      }
    }
    result.durationMs = Math.round(performance.now() - t0);
    if (result.status === 'fail') {
      failedPhase ??= phase;
      exitCode = Math.max(exitCode, ExitCode.failed);
    }
    phases.set(phase, result);
    hooks.phaseFinished?.(result);
    return result.status !== 'fail';
  };

  const stages: [PhaseName, () => Promise<PhaseOutcome>][] = [
    ['preflight', async () => {
      if (!(await acquireLock())) {
        throw new PhaseFailure('another prodguard deploy is running against this database', [
          `it holds the advisory lock (${DEPLOY_LOCK.join(', ')}): see pg_stat_activity where application_name = 'prodguard'`,
        ]);
      }
      const preflight = await runPreflight(db, {
        expected: { name: options.environment.name, kind: options.environment.kind },
        longTransactionMs: options.longTransactionMs,
      });
      plan = await planMigrations(db, options.files, { projectDir: options.projectDir });
      report.migrationSet = plan.set;
      const details = preflight.checks.filter((c) => c.status !== 'pass' && c.status !== 'skip').map((c) => `${c.status.toUpperCase()} ${c.title}: ${c.message}`);
      if (!preflight.identity) {
        throw new PhaseFailure(`the database is not marked: nothing proves it is "${options.environment.name}"`, [
          `mark it once: prodguard env mark --env ${options.environment.name} --as ${options.environment.kind ?? '<kind>'} --name ${options.environment.name}`,
        ]);
      }
      if (preflight.identity.kind === 'production') production = true;
      const refusedSkips = (options.skips ?? []).filter((s) => PRODUCTION_UNSKIPPABLE.includes(s.phase));
      if (production && refusedSkips.length > 0) {
        // Refused here, before anything runs: compare cannot be refused once the migrate is done.
        throw new PhaseFailure(
          `production cannot skip ${refusedSkips.map((s) => s.phase).join(', ')}: --skip is refused (reason given: ${refusedSkips.map((s) => s.reason).join('; ')})`,
          [`on production ${PRODUCTION_UNSKIPPABLE.join(', ')} always run: the gate proves the order, the backup and the snapshots are what a rollback needs`],
        );
      }
      if (preflight.verdict === 'fail') throw new PhaseFailure(preflight.checks.find((c) => c.status === 'fail')?.message ?? 'preflight failed', details);
      // A failed run whose migrate ran left the database in a state nobody accepted: a re-run
      // would snapshot after the damage and pass, so the environment waits for a decision.
      const unresolved = await readUnresolvedRuns(db);
      if (unresolved.length > 0) {
        const env = options.environment.name;
        throw new PhaseFailure(
          `${plural(unresolved.length, 'failed deploy')} after the migrate ran ${unresolved.length === 1 ? 'is' : 'are'} not resolved: ${unresolved.map((r) => `run #${r.id} (failed at ${r.failedPhase ?? '?'})`).join(', ')}`,
          [
            ...unresolved.filter((r) => r.backupPath).map((r) => `run #${r.id} made the backup ${r.backupPath}`),
            `→ restore the backup (prodguard backup restore FILE --env ${env} --clean --yes), which resolves it and forgets the files it applied`,
            `→ or accept the database as it is: prodguard deploy --env ${env} --resolve --reason "why the current state is right"`,
          ],
        );
      }
      if (plan.changed.length > 0) {
        throw new PhaseFailure(
          `${plural(plan.changed.length, 'migration')} changed after ${plan.changed.length === 1 ? 'it was' : 'they were'} applied: ${plan.changed.map((c) => c.path).join(', ')}`,
          plan.changed.map((c) => `${c.path}: applied as sha256 ${c.appliedSha256.slice(0, 12)}…${c.runId ? ` (run #${c.runId})` : ''}, now ${c.currentSha256.slice(0, 12)}…; write a new migration instead of editing an applied one`),
        );
      }
      return {
        status: details.length > 0 ? 'warn' : 'pass',
        message: `"${preflight.identity.name}" (${preflight.identity.kind}) as expected; ${plural(plan.pending.length, 'pending migration')} (ledger: ${plan.set.ledger})`,
        details: [...details, ...plan.set.files.map((f) => `pending: ${f.path}`)],
      };
    }],
    ['gate', async () => {
      const set = plan?.set ?? report.migrationSet;
      // A database recorded as production is judged as production, whatever the config says.
      const target = production ? { name: options.environment.name, kind: 'production' as const } : options.environment;
      const decision = await evaluateGate(target, options.promotion, set, options.openEnvironment);
      if (!decision.open) throw new PhaseFailure(decision.message, [...decision.details, ...(decision.hint ? [`→ ${decision.hint}`] : [])]);
      return { status: 'pass', message: decision.message, details: decision.details };
    }],
    ['lint', async () => {
      const pending = plan?.pending ?? [];
      if (pending.length === 0) return { status: 'skip', message: 'no pending migrations to lint' };
      // The applied migrations are read as the existing schema: what they created is not new.
      const applied = options.files.filter((file) => !pending.includes(file));
      const result = await lintFiles(pending, { ...options.lint, context: applied });
      const details = result.findings.map((f) => `${f.severity} ${f.rule} ${f.file}:${f.line}:${f.column}: ${f.message}`);
      let errors = result.summary.errors;
      if (options.requireRollback) {
        for (const file of pending) {
          if (needsRollback(file) && !findRollbackScript(file, options.projectDir)) {
            errors++;
            details.push(`error require-rollback ${file.path}: no down migration (deploy.requireRollback); add ${rollbackConvention(file.layout)}`);
          }
        }
      }
      const summary = `${plural(result.summary.files, 'file')}, ${plural(errors, 'error')}, ${plural(result.summary.warnings, 'warning')}`;
      if (errors > 0) throw new PhaseFailure(summary, details);
      return { status: result.summary.warnings > 0 ? 'warn' : 'pass', message: summary, details };
    }],
    ['check', async () => {
      const pending = plan?.pending ?? [];
      if (pending.length === 0) return { status: 'skip', message: 'no pending migrations to check' };
      if (!options.check) return { status: 'skip', message: 'live checks are not available in this build' };
      const outcome = await options.check({ db, pending, environment: options.environment, production });
      if (outcome.status === 'fail') throw new PhaseFailure(outcome.message, outcome.details);
      return outcome;
    }],
    ['backup', async () => {
      if (!options.backup) {
        if (production) throw new PhaseFailure(`production needs a backup made by this deploy: ${options.backupUnavailable ?? 'no backup method'}`);
        return { status: 'skip', message: `no backup: ${options.backupUnavailable ?? 'not available for this database'}` };
      }
      const outcome = await options.backup.create();
      report.backup = outcome.record;
      backupSnapshot = outcome.snapshot;
      if (!outcome.ok) throw new PhaseFailure(`backup ${outcome.record.path} failed verification`, outcome.details);
      const how = outcome.record.restoredCheck ? 'verified by a full restore' : 'verified (checksum and table of contents)';
      return { status: 'pass', message: `${outcome.record.path}, ${how}`, details: outcome.details };
    }],
    ['snapshot', async () => {
      before = await takeSnapshot(db, { critical: options.integrity?.critical ?? [] });
      const rows = before.tables.reduce((n, t) => n + t.rows, 0);
      const critical = before.critical.length > 0 ? `, ${before.critical.length} critical ${before.critical.length === 1 ? 'entity' : 'entities'}` : '';
      return { status: 'pass', message: `${plural(before.tables.length, 'table')}, ${plural(rows, 'row')}${critical}` };
    }],
    ['migrate', async () => {
      const pending = plan?.pending ?? [];
      // Nothing pending: the command is not run (a tool could apply files nobody checked).
      if (plan && pending.length === 0) return { status: 'skip', message: 'nothing to deploy: 0 pending migrations, the migrate command was not run' };
      if (!options.migrator) throw new PhaseFailure('no migrate command given');
      const t0 = performance.now();
      const command = options.migrator.command.map(redact);
      report.migrate = { command, exitCode: null, signal: null, durationMs: 0, outputTail: [] };
      const result = await options.migrator.run(pending, (text) => hooks.output?.(text));
      report.migrate = {
        command,
        exitCode: result.exitCode,
        signal: result.signal,
        durationMs: Math.round(performance.now() - t0),
        outputTail: result.outputTail.map(redact),
      };
      if (result.exitCode !== 0) {
        throw new PhaseFailure(result.signal ? `the migrate command was killed by ${result.signal}` : `the migrate command exited with code ${result.exitCode}`, result.outputTail.slice(-5).map(redact));
      }
      // The tool's own ledger shows what it really applied: nothing beyond the checked set.
      const applied = plan ? await appliedByTool(db, plan) : undefined;
      if (applied && applied.unchecked.length > 0) {
        throw new PhaseFailure(`the migrate command applied ${plural(applied.unchecked.length, 'migration')} outside the checked set: ${applied.unchecked.join(', ')}`, [
          `prodguard checked: ${pending.map((f) => f.path).join(', ') || 'nothing'}`,
          'the tool read migrations from somewhere else than prodguard (another directory, a stale build): point --migrations (or "migrations" in config) at the same files',
        ]);
      }
      if (applied && applied.notApplied.length > 0) {
        return { status: 'warn', message: `exit code 0 in ${report.migrate.durationMs} ms, but ${plan?.set.ledger} does not record ${applied.notApplied.join(', ')} as applied` };
      }
      return { status: 'pass', message: `exit code 0 in ${report.migrate.durationMs} ms` };
    }],
    ['compare', async () => {
      if (!before) return { status: 'skip', message: 'no snapshot before the migrate to compare with (snapshot skipped)' };
      after = await takeSnapshot(db, { guide: before, critical: options.integrity?.critical ?? [] });
      // Only --auto-rollback compares them later (reading waits for the statistics to settle).
      if (options.autoRollback) afterWrites = await readWriteCounters(db);
      const compared = compareSnapshots(before, after, { expect: options.integrity?.expect ?? {} });
      const details = compared.items
        .filter((i) => i.status !== 'ok' || i.verdict !== 'unchanged')
        .map((i) => `${i.status === 'loss' ? 'LOSS' : i.status === 'expected' ? 'EXPECTED' : 'OK'} ${i.id} ${i.verdict}: ${i.message}`);
      const s = compared.summary;
      const summary = `${s.compared} compared, ${s.unchanged} unchanged, ${s.grew} grew, ${s.newTables} new, ${s.expected} expected changes, ${s.losses} loss${s.losses === 1 ? '' : 'es'}`;
      if (compared.verdict === 'fail') {
        losses = compared.losses;
        throw new PhaseFailure(`data lost in ${compared.losses.join(', ')}`, [summary, ...details]);
      }
      return { status: 'pass', message: summary, details };
    }],
    ['verify', async () => {
      if (!options.verify) return { status: 'skip', message: 'no verify checks configured' };
      const outcome = await options.verify({ db, pending: plan?.pending ?? [], environment: options.environment, production });
      if (outcome.status === 'fail') throw new PhaseFailure(outcome.message, outcome.details);
      return outcome;
    }],
  ];

  // One deploy at a time per database: the preflight phase takes the lock, held to the end.
  await exclusively(db, async (tryLock) => {
    acquireLock = tryLock;
    for (const [phase, fn] of stages) {
      if (failedPhase) break;
      if (options.dryRun && !DRY_RUN_PHASES.includes(phase)) break;
      await runPhase(phase, fn);
    }

    const migrateIndex = PHASES.indexOf('migrate');
    // The migrate command ran (it exited or was killed), so the database may hold its changes.
    if (failedPhase && PHASES.indexOf(failedPhase) >= migrateIndex && migrateRan(report)) {
      report.rollback = await adviseRollback(options, report, phases.get(failedPhase)!, { backup: backupSnapshot, before, after, afterWrites }, plan?.pending ?? [], production);
    }
    report.losses = losses;

    const finish = () => {
      const finished = new Date();
      report.finishedAt = finished.toISOString();
      report.durationMs = Math.round(performance.now() - startedMs);
      report.failedPhase = failedPhase;
      report.outcome = failedPhase ? 'failed' : options.dryRun ? 'dry-run' : 'passed';
      report.exitCode = exitCode;
      report.phases = PHASES.map((phase) => phases.get(phase) ?? notRun(phase, options.dryRun ?? false, failedPhase));
    };

    finish();
    // A failed preflight means the database may not be the one asked for (another environment,
    // production): nothing is written into it. The report (--report) still says what happened.
    if (failedPhase === 'preflight') {
      phases.set('record', { phase: 'record', status: 'skip', message: 'not recorded: preflight failed, so this database may not be the environment asked for', details: [], startedAt: null, durationMs: 0 });
      finish();
    } else if (!options.dryRun) {
      await runPhase('record', async () => {
        finish();
        // The stored report shows the record phase as done: it is, once the INSERT commits.
        report.phases = report.phases.map((p) => (p.phase === 'record' ? { ...p, status: 'pass', message: 'recorded in prodguard.runs', startedAt: new Date().toISOString() } : p));
        report.runId = await recordRun(db, report);
        return { status: 'pass', message: `run #${report.runId} recorded in prodguard.runs (${report.outcome})` };
      });
      // The migrate applied the set but nothing records it: the next deploy would apply it again.
      if (failedPhase === 'record' && report.rollback === null && migrateRan(report)) {
        report.rollback = await adviseRollback({ ...options, autoRollback: false }, report, phases.get('record')!, { backup: backupSnapshot, before, after, afterWrites }, plan?.pending ?? [], production);
      }
      finish();
    }
  });
  return report;
}

/** The advisory lock key of a running deploy (two int4s, so it never meets Prisma's bigint key). */
const DEPLOY_LOCK = [1886547812, 1] as const;

/**
 * Runs `fn` holding one connection for the whole deploy, so a session advisory lock taken through
 * `tryLock` lasts until the end (and is released after). PGlite has one connection in one process:
 * nothing else can deploy to it concurrently.
 */
async function exclusively<T>(db: Db, fn: (tryLock: () => Promise<boolean>) => Promise<T>): Promise<T> {
  if (db.kind !== 'postgres') return fn(async () => true);
  return db.withConnection(async (conn) => {
    let held = false;
    try {
      return await fn(async () => {
        const { rows } = await conn.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS ok', [...DEPLOY_LOCK]);
        held = rows[0]?.ok === true;
        return held;
      });
    } finally {
      if (held) await conn.query('SELECT pg_advisory_unlock($1, $2)', [...DEPLOY_LOCK]).catch(() => undefined);
    }
  });
}

function notRun(phase: PhaseName, dryRun: boolean, failedPhase: PhaseName | null): PhaseResult {
  const message = failedPhase ? `not run: stopped at ${failedPhase}` : dryRun ? 'not run: --dry-run stops before migrate' : 'not run';
  return { phase, status: 'not-run', message, details: [], startedAt: null, durationMs: 0 };
}

function failureResult(phase: PhaseName, at: string, error: unknown): PhaseResult {
  if (error instanceof PhaseFailure) return { phase, status: 'fail', message: error.message, details: error.details, startedAt: at, durationMs: 0 };
  if (isProdguardError(error)) {
    return { phase, status: 'fail', message: error.message, details: error.hint ? [`→ ${error.hint}`] : [], startedAt: at, durationMs: 0, errorCode: error.code };
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  return { phase, status: 'fail', message: `internal error (a bug in prodguard): ${error instanceof Error ? error.message : String(error)}`, details: text.split('\n').slice(0, 8), startedAt: at, durationMs: 0, errorCode: 'PRODGUARD_INTERNAL' };
}
