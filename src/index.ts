/**
 * prodguard's public library API. Small on purpose: capabilities that grow get subpath exports.
 */
export { defineConfig } from './config/schema.js';
export type { ProdguardConfig, ProdguardConfigInput, EnvironmentConfig, EnvironmentKind } from './config/schema.js';
export { loadConfig, type LoadedConfig } from './config/load.js';
export { resolveTarget, type ResolvedTarget } from './config/target.js';
export { openDb } from './db/open.js';
export type { Db, Queryable, QueryResult, SessionSettings, TransactionOptions } from './db/types.js';
export { readIdentity, markIdentity, type EnvironmentIdentity } from './identity/environment.js';
export { runPreflight, type PreflightReport } from './preflight/preflight.js';
export type { CheckResult, CheckStatus, Summary } from './report/checks.js';
export { takeSnapshot, type SnapshotOptions } from './integrity/snapshot.js';
export { compareSnapshots, type CompareReport, type CompareOptions, type SetComparison } from './integrity/compare.js';
export type { SnapshotDocument, TableSnapshot, CriticalSnapshot } from './integrity/types.js';
export { createBackup, type CreatedBackup } from './backup/create.js';
export { verifyBackup, type VerifyResult } from './backup/verify.js';
export { backupStatus, type BackupStatus } from './backup/status.js';
export type { BackupManifest } from './backup/manifest.js';
export { runDeploy, type DeployOptions, type PhaseRunner, type PhaseOutcome } from './deploy/pipeline.js';
export { readRuns, readRunReport, type ReadRunsOptions } from './deploy/ledger.js';
export { evaluateGate, readPromotionGates, type PromotionGateState, type PromotionEnvironment } from './deploy/gate.js';
export { runDemo, type DemoResult } from './deploy/demo.js';
export type { DeployReport, DeployRun, PhaseResult, PhaseName, PhaseStatus, MigrationSet, MigrationRecord } from './deploy/types.js';
export { runCheck, type CheckOptions, type CheckSelection } from './check/run.js';
export type { CheckReport, CheckFinding, CheckFindingId, MigrationCheck, StatementCheck, LockTaken, RemovedValue, ValueUse } from './check/types.js';
export { readAppliedMigrations, pendingMigrations, isApplied, type AppliedLedger, type AppliedMigration } from './migrations/ledger.js';
export { discoverMigrations } from './migrations/discover.js';
export { testDataSettings, type TestDataSettings } from './testdata/settings.js';
export {
  testDataSummary,
  countTestRows,
  listTestRows,
  type TestDataSummary,
  type TableSummary,
  type AgeBucket,
  type HourCount,
} from './testdata/summary.js';
export { cleanupTestData, type CleanupOptions, type CleanupResult, type BlockedRow } from './testdata/cleanup.js';
export { verifyTestData, auditRealChanges, type VerifyResult as TestDataVerifyResult, type AuditResult } from './testdata/verify.js';
export { installScript, installFiles } from './testdata/install.js';
export { evaluateAlert, type TestDataAlert } from './testdata/monitor.js';
export { redactUrl, redactText } from './redact/secrets.js';
export { runVerify, type RunVerifyOptions, type VerifyReport, type VerifyCheckResult, type ConditionResult, type VerifyStatus } from './verify/run.js';
export { recordVerifyRun, readVerifyHistory, type VerifyRun } from './verify/history.js';
export type { VerifyCheck, VerifyCheckInput, VerifyConfig } from './verify/schema.js';
export { scanLogs, type ScanReport, type Finding, type ScanOptions, type ScanInput } from './scan/scan.js';
export {
  ProdguardError,
  UsageError,
  ConfigError,
  ConnectionError,
  DatabaseError,
  MissingBinaryError,
  TimeoutError,
  RefusedError,
  ExitCode,
} from './errors.js';
