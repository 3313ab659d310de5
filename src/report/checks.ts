/**
 * The PASS / WARN / FAIL checklist shape shared by preflight, verify and deploy phases, and
 * its renderers. Renderers return strings; only src/cli/ writes them out.
 */
import type { Colors } from './colors.js';

export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';
export type Verdict = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  /** Stable id, e.g. `identity`, `testdata:public.users`. */
  id: string;
  title: string;
  status: CheckStatus;
  /** One line: what was found. */
  message: string;
  /** What to do about it (WARN/FAIL). */
  hint?: string;
  data?: Record<string, unknown>;
}

export interface Summary {
  pass: number;
  warn: number;
  fail: number;
  skip: number;
  verdict: Verdict;
}

export function summarize(checks: readonly CheckResult[]): Summary {
  const summary = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const check of checks) summary[check.status]++;
  const verdict: Verdict = summary.fail > 0 ? 'fail' : summary.warn > 0 ? 'warn' : 'pass';
  return { ...summary, verdict };
}

const LABEL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: 'SKIP' };

export function statusLabel(status: CheckStatus, c: Colors): string {
  const label = LABEL[status];
  switch (status) {
    case 'pass':
      return c.green(label);
    case 'warn':
      return c.yellow(label);
    case 'fail':
      return c.red(c.bold(label));
    case 'skip':
      return c.dim(label);
  }
}

/** One line per check (`PASS  title  message`), hints indented below WARN and FAIL lines. */
export function renderChecklist(checks: readonly CheckResult[], c: Colors): string {
  const width = Math.min(28, Math.max(0, ...checks.map((check) => check.title.length)));
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(`  ${statusLabel(check.status, c)}  ${check.title.padEnd(width)}  ${check.message}`);
    if (check.hint && (check.status === 'warn' || check.status === 'fail')) {
      lines.push(`        ${' '.repeat(width)}  ${c.dim(`→ ${check.hint}`)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

export function renderSummaryLine(summary: Summary, c: Colors): string {
  const parts = [`${summary.pass} passed`];
  if (summary.warn) parts.push(`${summary.warn} warning${summary.warn === 1 ? '' : 's'}`);
  if (summary.fail) parts.push(`${summary.fail} failed`);
  if (summary.skip) parts.push(`${summary.skip} skipped`);
  const verdict = summary.verdict === 'pass' ? c.green('PASS') : summary.verdict === 'warn' ? c.yellow('WARN') : c.red(c.bold('FAIL'));
  return `${verdict}: ${parts.join(', ')}\n`;
}
