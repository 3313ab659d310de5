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
export { redactUrl, redactText } from './redact/secrets.js';
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
