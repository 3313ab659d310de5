/**
 * The guarded deploy's data: phases, their results, and the report a run produces. Everything
 * here is plain JSON (no Dates, no Maps, no class instances) so the same object is written to
 * `prodguard.runs`, to `--report FILE`, served by the dashboard and rendered as HTML.
 */
import type { EnvironmentKind } from '../config/schema.js';

/** The ten phases, in the order they run. */
export const PHASES = ['preflight', 'gate', 'lint', 'check', 'backup', 'snapshot', 'migrate', 'compare', 'verify', 'record'] as const;
export type PhaseName = (typeof PHASES)[number];

/** Phases a `--dry-run` runs (1–6); it stops before migrate. */
export const DRY_RUN_PHASES: readonly PhaseName[] = ['preflight', 'gate', 'lint', 'check', 'backup', 'snapshot'];

/**
 * Phases that can be skipped with `--skip PHASE --reason TEXT`. Not preflight (it proves the
 * database is the environment asked for, and finds what is pending), migrate or record.
 */
export const SKIPPABLE_PHASES: readonly PhaseName[] = ['gate', 'lint', 'check', 'backup', 'snapshot', 'compare', 'verify'];

/**
 * `pass`/`warn`: the phase ran and did not stop the deploy; `fail`: it stopped the deploy;
 * `skip`: skipped on purpose (`--skip`, with its reason) or with nothing to do (say why);
 * `not-run`: never reached (an earlier phase failed, or `--dry-run`).
 */
export type PhaseStatus = 'pass' | 'warn' | 'fail' | 'skip' | 'not-run';

export interface PhaseResult {
  phase: PhaseName;
  status: PhaseStatus;
  /** One line for people: what the phase found. */
  message: string;
  /** Further lines (findings, tables, the rejected values...), each one line. */
  details: string[];
  /** ISO 8601; null when the phase did not run. */
  startedAt: string | null;
  durationMs: number;
  /** Why the phase was skipped with `--skip`. */
  skipReason?: string;
  /** The error code when a phase failed because something could not run (exit 3). */
  errorCode?: string;
}

export interface MigrationRecord {
  /** Path relative to the project (config) directory, with `/` separators. */
  path: string;
  /** sha256 of the file's full text, hex. */
  sha256: string;
  layout: string;
  version: string;
}

export interface MigrationSet {
  /** sha256 over the ordered (path, content hash) pairs of the pending files; the gate compares it. */
  hash: string;
  files: MigrationRecord[];
  /** Where "applied" came from: a migration tool's ledger table, prodguard's own, or none yet. */
  ledger: string;
}

export interface BackupRecord {
  /** Path of the .dump (or data directory archive) written by the backup phase. */
  path: string;
  manifestPath: string | null;
  sha256: string | null;
  verified: boolean;
  restoredCheck: boolean;
}

export interface MigrateRecord {
  /** The command as given (secrets redacted), or a description of the in-process runner. */
  command: string[];
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** The last lines of its output (redacted). */
  outputTail: string[];
}

export interface RollbackAdviceRecord {
  /** Why: the phase that failed after the migrate and what it found. */
  reason: string;
  /** The exact command that restores the backup this run made, if it made one. */
  restoreCommand: string | null;
  /** Down migrations found for the applied files, in the order to run them (newest first). */
  scripts: string[];
  autoRollback: {
    requested: boolean;
    attempted: boolean;
    restored: boolean;
    /** Why it did not restore (new writes, no backup, PGlite ...). */
    refusedReason: string | null;
  };
}

export type DeployOutcome = 'passed' | 'failed' | 'dry-run';

export interface DeployReport {
  format: 'prodguard-deploy';
  version: 1;
  /** The id in `prodguard.runs`; null when the run was not recorded (dry run, record failed). */
  runId: number | null;
  environment: string;
  environmentKind: EnvironmentKind | null;
  /** Redacted URL of the target. */
  target: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  outcome: DeployOutcome;
  failedPhase: PhaseName | null;
  dryRun: boolean;
  gitCommit: string | null;
  actor: string;
  migrationSet: MigrationSet;
  phases: PhaseResult[];
  skips: { phase: PhaseName; reason: string }[];
  backup: BackupRecord | null;
  migrate: MigrateRecord | null;
  /** Unexpected losses compare found (`schema.table (verdict)`). */
  losses: string[];
  rollback: RollbackAdviceRecord | null;
  /** 0 passed, 1 a phase failed, 3 a phase could not run. */
  exitCode: number;
}

/** One recorded run as read back from `prodguard.runs` (history, the dashboard's `GET /api/deploys`). */
export interface DeployRun {
  id: number;
  environment: string;
  environmentKind: EnvironmentKind | null;
  migrationSet: string;
  gitCommit: string | null;
  actor: string;
  outcome: DeployOutcome;
  failedPhase: PhaseName | null;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  phases: PhaseResult[];
  skips: { phase: PhaseName; reason: string }[];
  backupPath: string | null;
  migrations: MigrationRecord[];
  /** A failed run whose migrate ran, not yet resolved: the environment takes no deploy until it is. */
  blocking: boolean;
  /** How a blocking run was resolved (`restored FILE`, `acknowledged by WHO: reason`), else null. */
  resolution: string | null;
}
