/**
 * The data behind each dashboard view: what the JSON API returns and what an HTML report embeds.
 * One shape per view, shared by `prodguard serve` and `--report`, so both show the same figures.
 */
import type { EnvironmentKind } from '../config/schema.js';
import type { EnvironmentIdentity } from '../identity/environment.js';
import type { CompareReport } from '../integrity/compare.js';
import type { CheckReport } from '../check/types.js';
import type { PromotionGateState } from '../deploy/gate.js';
import type { DeployReport, DeployRun } from '../deploy/types.js';
import type { LintJson } from '../lint/report/json.js';
import type { ListedRow, TestDataSummary } from '../testdata/summary.js';
import type { VerifyRun } from '../verify/history.js';

/** Every view, in tab order. `check` appears only in `check --report` files (the dashboard has no live source for it). */
export const VIEW_NAMES = ['overview', 'testdata', 'integrity', 'verify', 'deploys', 'lint', 'check'] as const;
export type ViewName = (typeof VIEW_NAMES)[number];

/** GET /api/environments: one entry per environment the dashboard watches. */
export interface EnvironmentStatus {
  name: string;
  /** Declared in config, or inferred from the name. */
  kind: EnvironmentKind | null;
  protected: boolean;
  /** The URL with its password and secret parameters replaced by `***`; null when unset. */
  url: string | null;
  reachable: boolean;
  /** Why it is unreachable or unusable (redacted). */
  error: string | null;
  latencyMs: number | null;
  serverVersion: string | null;
  /** What the database says it is (`prodguard env mark`), null when unmarked or unreachable. */
  identity: EnvironmentIdentity | null;
  /** False when the recorded kind differs from the declared one; null when either is unknown. */
  identityMatches: boolean | null;
  /** The newest run in the environment's ledger. */
  lastDeploy: DeployRun | null;
  /** The promotion gate from this environment to the next one; null for the last. */
  gate: PromotionGateState | null;
}

export interface EnvironmentsView {
  generatedAt: string;
  environments: EnvironmentStatus[];
}

/** GET /api/deploys?env=NAME: the environment's ledger (`prodguard.runs`), newest first. */
export interface DeploysView {
  environment: string | null;
  runs: DeployRun[];
  /** Full reports by run id, when embedded (HTML reports); the live page fetches `?run=ID`. */
  reports: Record<string, DeployReport>;
  error: string | null;
}

export interface LintRuleDoc {
  summary: string;
  severity: string;
  /** The rule's Markdown page (docs/rules/<id>.md). */
  doc: string | null;
}

/** GET /api/lint: the `lint --format json` document plus the docs of every rule that fired. */
export interface LintView {
  lint: LintJson | null;
  rules: Record<string, LintRuleDoc>;
  /** Why nothing was linted (no migrations configured, a path missing). */
  error: string | null;
}

export interface SnapshotEntry {
  /** File name (relative to the directory it was found in). */
  file: string;
  source: 'snapshot' | 'backup';
  takenAt: string;
  database: string;
  identity: EnvironmentIdentity | null;
  tables: number;
  rows: number;
  /** Tables without a primary key (whole-row fingerprints). */
  weak: number;
}

export interface ComparisonEntry {
  /** A stored compare report's file name, or `before → after` for snapshots compared here. */
  source: string;
  stored: boolean;
  report: CompareReport;
  /** `ROLLBACK RECOMMENDED: …` when data was lost unexpectedly. */
  rollback: string | null;
}

/** GET /api/integrity */
export interface IntegrityView {
  /** Directories read (relative to the project). */
  dirs: string[];
  snapshots: SnapshotEntry[];
  comparisons: ComparisonEntry[];
}

/** What the page's script reads from the page itself (live dashboard or report). */
export interface PageConfig {
  mode: 'live' | 'report';
  title: string;
  generatedAt: string;
  /** Tabs, in order. */
  views: ViewName[];
  /** Embedded data (reports); the live dashboard fetches from /api instead. */
  data: ViewData;
  /** Environments that have per-environment views (test data, verify, deploys). */
  environments: string[];
  /** How often the live page refreshes when server-sent events are unavailable, in ms. */
  refreshMs: number;
}

/** Everything a page can show; a report carries the views it has data for. */
export interface ViewData {
  overview?: EnvironmentsView;
  testdata?: TestdataView;
  integrity?: IntegrityView;
  verify?: VerifyView;
  deploys?: DeploysView;
  lint?: LintView;
  /** The `check --format json` report. */
  check?: CheckReport;
}

/** How many stale rows GET /api/testdata lists (the count is always complete). */
export const STALE_ROWS_SHOWN = 20;

/** GET /api/testdata?env=NAME: the test-data figures of one environment. */
export interface TestdataView {
  environment: string;
  /** `testDataSummary` of the environment's database; null when it could not be read. */
  summary: TestDataSummary | null;
  /** Alert thresholds crossed (`--alert-threshold`, `--max-stale`), one line each. */
  alerts: string[];
  recommendations: string[];
  /** The oldest stale rows (older than the retention), at most STALE_ROWS_SHOWN of `summary.stale`. */
  staleRows: ListedRow[];
  /** Why the figures could not be read (unreachable, ...). */
  error: string | null;
}

/** GET /api/verify?env=NAME: the latest verify run and the history, newest first. */
export interface VerifyView {
  environment: string | null;
  /** The newest recorded run (`prodguard verify --record`), with its full report. */
  latest: VerifyRun | null;
  /** Recorded runs, newest first (the latest included). */
  history: VerifyRun[];
  error: string | null;
}
