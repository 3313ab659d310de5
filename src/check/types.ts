/**
 * The report of `prodguard check`. Plain JSON data (no Maps, no class instances), so
 * `JSON.stringify(report)` is the `--format json` output and `prodguard deploy` can store it.
 */
import type { EnvironmentIdentity } from '../identity/environment.js';
import type { MigrationLayout } from '../migrations/types.js';

export type CheckMode =
  /** No database given: migrations replayed on an embedded PGlite database. */
  | 'shadow'
  /** A real database: pending migrations run in one transaction that is always rolled back. */
  | 'rehearsal'
  /** Only the read-only pre-checks (a production database, or asked for). */
  | 'pre-checks';

export type CheckSeverity = 'error' | 'warning' | 'info';

/** Stable ids of what `check` can find; docs/check.md describes each. */
export type CheckFindingId =
  | 'migration-failed'
  | 'lock-timeout'
  | 'not-rehearsed'
  | 'check-violation'
  | 'check-value-removed'
  | 'not-null-violation'
  | 'required-column-on-nonempty-table'
  | 'unique-duplicates'
  | 'fk-orphans'
  | 'fk-unindexed'
  | 'cast-failure'
  | 'values-lost'
  | 'large-table-lock'
  | 'pre-check-skipped'
  /** A pre-check that timed out, was refused or failed: the verdict is `incomplete`. */
  | 'pre-check-failed';

/** A database object that still uses a value the migration removes. */
export interface ValueUse {
  kind: 'function' | 'trigger' | 'view' | 'default' | 'constraint';
  /** `log_schedule_item()`, `trg_log on public.schedule`, `public.v_items`, `public.t.status`... */
  name: string;
  /**
   * Set for a function (or a trigger running it on another table) that holds the literal but
   * neither names the table nor runs as a trigger on it: maybe another column's value. A warning.
   */
  weak?: true | undefined;
}

/** One value a replaced CHECK (or a rebuilt enum) no longer allows. */
export interface RemovedValue {
  column: string;
  value: string;
  /** Rows that hold it now. */
  rows: number;
  usedBy: ValueUse[];
}

export interface CheckFinding {
  id: CheckFindingId;
  severity: CheckSeverity;
  /** What breaks, with the numbers. */
  message: string;
  /** The concrete safe alternative. */
  help: string;
  /** `schema.table` it is about, when it is about one. */
  table?: string | undefined;
  /** Rows (or groups) counted. */
  count?: number | undefined;
  /** Up to 5 example keys, as text (`id=42`, `(account_id, email)=(3, a@x)`). */
  examples?: string[] | undefined;
  removedValues?: RemovedValue[] | undefined;
}

/** A lock the statement took, from pg_locks of the rehearsing backend. */
export interface LockTaken {
  relation: string;
  /** `relation` kind: table, index, sequence, view, materialized view... */
  relationKind: string;
  /** As pg_locks says: AccessExclusiveLock, ShareLock, ... */
  mode: string;
}

export interface Rewrite {
  relation: string;
  relationKind: string;
}

export interface TableSize {
  table: string;
  bytes: number;
  /** pg_class.reltuples; -1 when never analysed. */
  estimatedRows: number;
}

export type StatementStatus =
  /** Ran (and was rolled back, in a rehearsal). */
  | 'ok'
  /** Ran and failed: the migration does not apply. */
  | 'failed'
  /** Could not or must not run here; `reason` says why. */
  | 'not-rehearsed'
  /** An earlier statement failed, so this one was not run. */
  | 'not-run';

export interface StatementCheck {
  index: number;
  line: number;
  column: number;
  /** The statement's first line (up to 160 characters). */
  sql: string;
  /** libpg-query's top-level node, e.g. AlterTableStmt. */
  kind: string;
  status: StatementStatus;
  reason?: string | undefined;
  /** Locks first taken by this statement (a lock an earlier statement of the same rehearsal holds is not repeated). */
  locks: LockTaken[];
  /** The locks PostgreSQL's documentation says the statement takes (shown when it was not run). */
  expectedLocks: { relation: string; mode: string }[];
  /** Whether lock capture ran for this statement. */
  locksCaptured: boolean;
  /** Relations whose relfilenode changed: rewritten (or truncated). */
  rewrites: Rewrite[];
  rowsAffected: number | null;
  durationMs: number | null;
  /** The server's error; `line`/`column` point into the migration file where the server gave a position. */
  error?: { message: string; sqlState?: string | undefined; detail?: string | undefined; line: number; column: number } | undefined;
  /** Size of tables this statement locks ACCESS EXCLUSIVE or rewrites. */
  tables: TableSize[];
  findings: CheckFinding[];
}

export interface MigrationCheck {
  path: string;
  version: string;
  name: string;
  /** `analysed`: checked and rehearsed; `replayed`: applied to the shadow to build the schema (shown only when it failed). */
  role: 'analysed' | 'replayed';
  status: 'ok' | 'failed' | 'not-run' | 'pre-checks-only';
  statements: StatementCheck[];
}

export interface CheckSummary {
  migrations: number;
  statements: number;
  failedMigrations: number;
  notRehearsed: number;
  errors: number;
  warnings: number;
  /** Pre-checks that timed out, were refused or failed (`pre-check-failed`). */
  incompletePrechecks: number;
}

export interface CheckReport {
  command: 'check';
  version: 1;
  mode: CheckMode;
  /** Redacted URL, or `pglite://memory (shadow)`. */
  target: string;
  identity: Pick<EnvironmentIdentity, 'name' | 'kind'> | null;
  /** How the analysed migrations were chosen. */
  selection: 'all' | 'pending' | 'since' | 'last';
  ledger?:
    | {
        /** The first file's layout; `layouts` lists every layout read. */
        layout: MigrationLayout;
        layouts: MigrationLayout[];
        /** The ledger tables read (comma-separated), or null when none exists yet. */
        table: string | null;
        applied: number;
        pending: number;
        /** Why the tool will refuse to run: a failed Prisma/Flyway migration, a dirty golang-migrate version. */
        problems: string[];
      }
    | undefined;
  /** Shadow mode: migrations applied before the analysed ones. */
  replayed: number;
  lockTimeoutMs: number;
  /**
   * With a database: the statement_timeout in force (0: none). On production at most 15 s for a
   * rehearsal (re-applied before every statement) and 30 s per pre-check query. Null in the shadow.
   */
  statementTimeoutMs: number | null;
  migrations: MigrationCheck[];
  summary: CheckSummary;
  /**
   * `fail` when a migration fails to apply or any error finding exists; else `incomplete` when a
   * pre-check could not run (`pre-check-failed`: exit 3); else `pass`.
   */
  verdict: 'pass' | 'fail' | 'incomplete';
}

export type CheckProgress =
  | { phase: 'replay'; done: number; total: number; path: string }
  | { phase: 'check'; done: number; total: number; path: string };
