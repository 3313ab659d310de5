/** Text renderers for deploy reports and history. They return strings; only src/cli/ prints. */
import { statusLabel } from '../report/checks.js';
import type { Colors } from '../report/colors.js';
import type { DeployReport, DeployRun, PhaseResult, PhaseStatus } from './types.js';

/** A phase's status as the check-list label (PASS/WARN/FAIL/SKIP); a phase that never ran is `----`. */
export function phaseLabel(status: PhaseStatus, c: Colors): string {
  return status === 'not-run' ? c.dim('----') : statusLabel(status, c);
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** One phase: `  PASS  lint        2 files, 0 errors (12 ms)` and up to `maxDetails` detail lines. */
export function renderPhase(result: PhaseResult, c: Colors, maxDetails = 12): string {
  const lines = [`  ${phaseLabel(result.status, c)}  ${result.phase.padEnd(9)}  ${result.message}${result.status === 'not-run' ? '' : c.dim(` (${formatMs(result.durationMs)})`)}`];
  const shown = result.details.slice(0, maxDetails);
  for (const detail of shown) lines.push(`                   ${c.dim(detail)}`);
  if (result.details.length > shown.length) lines.push(`                   ${c.dim(`… ${result.details.length - shown.length} more`)}`);
  return `${lines.join('\n')}\n`;
}

/** The ROLLBACK RECOMMENDED block, or '' when the run needs none. */
export function renderRollback(report: DeployReport, c: Colors): string {
  const r = report.rollback;
  if (!r) return '';
  const lines = [c.red(c.bold(`ROLLBACK RECOMMENDED: ${r.reason}`))];
  lines.push(r.restoreCommand ? `  restore the backup made before the migrate:\n    ${r.restoreCommand}` : '  no backup was made by this run (see the backup phase)');
  if (r.scripts.length > 0) lines.push(`  rollback scripts (down migrations), newest first:\n${r.scripts.map((s) => `    ${s}`).join('\n')}`);
  else lines.push('  no rollback scripts (down migrations) found for the applied files');
  if (r.autoRollback.requested) {
    if (r.autoRollback.restored) lines.push(c.yellow('  --auto-rollback: the backup was restored'));
    else lines.push(c.yellow(`  --auto-rollback: not restored: ${r.autoRollback.refusedReason ?? 'unknown reason'}`));
  } else {
    lines.push(c.dim('  prodguard never restores by itself; --auto-rollback does, after confirming no new writes would be lost'));
  }
  return `${lines.join('\n')}\n`;
}

/** The last line of a deploy: verdict, set, environment, time, run id. */
export function renderVerdict(report: DeployReport, c: Colors): string {
  const set = `migration set ${report.migrationSet.hash.slice(0, 12)} (${report.migrationSet.files.length} file${report.migrationSet.files.length === 1 ? '' : 's'})`;
  const run = report.runId !== null ? `; run #${report.runId}` : '';
  const time = formatMs(report.durationMs);
  if (report.outcome === 'passed') return `${c.green('PASS')}: deployed ${set} to ${report.environment} in ${time}${run}\n`;
  if (report.outcome === 'dry-run') return `${c.green('PASS')} (dry run): ${set} is ready for ${report.environment}; phases 1–6 passed in ${time}\n`;
  return `${c.red(c.bold('FAIL'))}: ${report.environment} deploy stopped at ${report.failedPhase} in ${time}${run}\n`;
}

/** History: one block per run, newest first. */
export function renderHistoryText(runs: readonly DeployRun[], c: Colors): string {
  if (runs.length === 0) return 'no recorded deploys\n';
  const lines: string[] = [];
  for (const run of runs) {
    const outcome = run.outcome === 'passed' ? c.green('passed') : c.red(`failed at ${run.failedPhase ?? '?'}`);
    const commit = run.gitCommit ? ` commit ${run.gitCommit.slice(0, 10)}` : '';
    lines.push(
      `#${run.id}  ${run.finishedAt}  ${c.bold(run.environment)}  ${outcome}  set ${run.migrationSet.slice(0, 12)} (${run.migrations.length} file${run.migrations.length === 1 ? '' : 's'})  by ${run.actor}${commit}  ${formatMs(run.durationMs)}`,
    );
    lines.push(`    ${run.phases.map((p) => `${p.phase} ${phaseLabel(p.status, c)}`).join(' · ')}`);
    for (const skip of run.skips) lines.push(`    ${c.yellow(`skipped ${skip.phase}`)}: ${skip.reason}`);
    const failed = run.phases.find((p) => p.status === 'fail');
    if (failed) lines.push(`    ${c.red(`${failed.phase}:`)} ${failed.message}`);
    if (run.backupPath) lines.push(`    backup: ${run.backupPath}`);
    if (run.blocking) {
      lines.push(`    ${c.red('blocks deploys until resolved')}: restore its backup, or prodguard deploy --env ${run.environment} --resolve --reason "…"`);
    }
    if (run.resolution) lines.push(`    resolved: ${run.resolution}`);
  }
  return `${lines.join('\n')}\n`;
}
