/**
 * Builds view data (src/html/types.ts) from the capabilities' own results. Pure: no database,
 * no output; the server and the `--report` writers both call these, so a report and the
 * dashboard show the same figures.
 */
import { compareSnapshots, type CompareOptions, type CompareReport } from '../integrity/compare.js';
import { rollbackLine, type RollbackAdvice } from '../integrity/render.js';
import type { IntegrityRecords } from '../integrity/store.js';
import { listRules, readRuleDoc } from '../lint/docs.js';
import type { LintResult } from '../lint/engine.js';
import { lintJson } from '../lint/report/json.js';
import type { DeployReport, DeployRun } from '../deploy/types.js';
import { runNeedsResolution } from '../deploy/ledger.js';
import type { VerifyReport } from '../verify/run.js';
import type { ComparisonEntry, DeploysView, IntegrityView, LintRuleDoc, LintView, VerifyView } from './types.js';

/** The Lint view: the JSON report plus the page of every rule that fired. */
export function lintView(result: LintResult): LintView {
  const known = new Map(listRules().map((r) => [r.id, r]));
  const rules: Record<string, LintRuleDoc> = {};
  for (const finding of result.findings) {
    if (rules[finding.rule]) continue;
    const info = known.get(finding.rule);
    rules[finding.rule] = { summary: info?.summary ?? '', severity: info?.severity ?? finding.severity, doc: readRuleDoc(finding.rule) ?? null };
  }
  return { lint: lintJson(result), rules, error: null };
}

/** A lint view for when nothing could be linted (the reason is shown instead). */
export function lintViewError(message: string): LintView {
  return { lint: null, rules: {}, error: message };
}

/** One compare report as an entry of the Integrity view. */
export function comparisonEntry(source: string, report: CompareReport, advice: RollbackAdvice = {}, stored = false): ComparisonEntry {
  return { source, stored, report, rollback: rollbackLine(report, advice) ?? null };
}

/**
 * The Integrity view: stored snapshots, stored compare reports, and each snapshot compared with
 * the previous snapshot of the same database (newest comparisons first).
 */
export function integrityView(records: IntegrityRecords, dirs: string[], options: CompareOptions = {}): IntegrityView {
  const snapshots = records.snapshots.map(({ file, source, document }) => ({
    file,
    source,
    takenAt: document.takenAt,
    database: document.database,
    identity: document.identity,
    tables: document.tables.length,
    rows: document.tables.reduce((n, t) => n + Math.max(0, t.rows), 0),
    weak: document.tables.filter((t) => t.weak).length,
  }));
  const comparisons: ComparisonEntry[] = records.comparisons.map((c) =>
    ({ source: c.file, stored: true, report: c.report, rollback: c.report.rollback ?? rollbackLine(c.report) ?? null }),
  );
  const previous = new Map<string, (typeof records.snapshots)[number]>();
  const computed: ComparisonEntry[] = [];
  for (const snapshot of records.snapshots) {
    const key = `${snapshot.document.database}\u0000${snapshot.document.identity?.name ?? ''}`;
    const before = previous.get(key);
    if (before) {
      computed.push(comparisonEntry(`${before.file} → ${snapshot.file}`, compareSnapshots(before.document, snapshot.document, options)));
    }
    previous.set(key, snapshot);
  }
  return { dirs, snapshots: snapshots.reverse(), comparisons: [...comparisons, ...computed.reverse()] };
}

/** A deploy report as the ledger would show it (for `deploy --report FILE.html`). */
export function deployRunOfReport(report: DeployReport): DeployRun {
  return {
    id: report.runId ?? 0,
    environment: report.environment,
    environmentKind: report.environmentKind,
    migrationSet: report.migrationSet.hash,
    gitCommit: report.gitCommit,
    actor: report.actor,
    outcome: report.outcome,
    failedPhase: report.failedPhase,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    durationMs: report.durationMs,
    phases: report.phases,
    skips: report.skips,
    backupPath: report.backup?.path ?? null,
    migrations: report.migrationSet.files,
    blocking: runNeedsResolution(report),
    resolution: null,
  };
}

/** The Deploys view of one run, with its full report embedded. */
export function deployReportView(report: DeployReport): DeploysView {
  const run = deployRunOfReport(report);
  return { environment: report.environment, runs: [run], reports: { [String(run.id)]: report }, error: null };
}

/** The Verify view of the runs of one command (one, or each round of `--watch`), newest first. */
export function verifyReportView(reports: readonly VerifyReport[]): VerifyView {
  const history = reports
    .map((report, index) => ({ id: index + 1, environment: report.environment, startedAt: report.startedAt, finishedAt: report.finishedAt, verdict: report.verdict, report }))
    .reverse();
  return { environment: reports[0]?.environment ?? null, latest: history[0] ?? null, history, error: null };
}
