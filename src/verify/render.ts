/**
 * Renderers for verify reports: text (a coloured table and a verdict line), JSON, JUnit XML and
 * GitHub annotations. Pure; every value in a report is already masked.
 */
import { escapeData, escapeProperty } from '../lint/report/github.js';
import { type CheckResult, renderChecklist } from '../report/checks.js';
import type { Colors } from '../report/colors.js';
import { showControls as shown } from '../redact/controls.js';
import type { VerifyReport } from './run.js';

export function renderVerifyText(report: VerifyReport, c: Colors): string {
  const rows: CheckResult[] = report.checks.map((check) => ({
    id: check.name,
    title: shown(check.name),
    status: check.status,
    // The target (masked) sits on the row for a PASS and on the hint line below a WARN or FAIL.
    // Messages quote what the checked services answered: shown, never acted on by the terminal.
    message: `${c.dim(`${check.kind.padEnd(7)} ${String(check.durationMs).padStart(5)} ms`)}  ${shown(check.message)}${check.status === 'pass' ? c.dim(`  · ${shown(check.target)}`) : ''}`,
    hint: shown(check.target),
  }));
  const { pass, warn, fail, error } = report.summary;
  const verdict = report.verdict === 'pass' ? c.green('PASS') : report.verdict === 'warn' ? c.yellow('WARN') : c.red(c.bold('FAIL'));
  const counts = [`${pass} passed`, warn ? `${warn} warning${warn === 1 ? '' : 's'}` : '', fail ? `${fail} failed${error ? ` (${error} could not be measured)` : ''}` : '']
    .filter(Boolean)
    .join(', ');
  const env = report.environment ? ` (environment ${report.environment})` : '';
  return `${renderChecklist(rows, c)}${verdict}: ${counts} in ${report.durationMs} ms${env}\n`;
}

export function renderVerifyJson(report: VerifyReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

function xml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

export function renderVerifyJunit(report: VerifyReport): string {
  const failures = report.checks.filter((c) => c.status === 'fail' && c.error === undefined).length;
  const errors = report.checks.filter((c) => c.error !== undefined).length;
  const head = `tests="${report.checks.length}" failures="${failures}" errors="${errors}" time="${(report.durationMs / 1000).toFixed(3)}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="prodguard verify" ${head}>`,
    `  <testsuite name="prodguard verify${report.environment ? ` ${xml(report.environment)}` : ''}" ${head} timestamp="${xml(report.startedAt)}">`,
  ];
  for (const check of report.checks) {
    lines.push(`    <testcase classname="prodguard.verify.${xml(check.kind)}" name="${xml(check.name)}" time="${(check.durationMs / 1000).toFixed(3)}">`);
    if (check.error !== undefined) lines.push(`      <error message="${xml(check.error)}" type="unmeasurable">${xml(check.target)}</error>`);
    else if (check.status === 'fail') lines.push(`      <failure message="${xml(check.message)}" type="fail">${xml(check.target)}</failure>`);
    lines.push(`      <system-out>${xml(`${check.status.toUpperCase()}: ${check.message}`)}</system-out>`);
    lines.push('    </testcase>');
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}

export function renderVerifyGithub(report: VerifyReport): string {
  const lines = report.checks
    .filter((check) => check.status !== 'pass')
    .map((check) => `::${check.status === 'fail' ? 'error' : 'warning'} title=${escapeProperty(shown(`verify ${check.name}`))}::${escapeData(shown(`${check.message}\n${check.target}`))}`);
  lines.push(`verify ${report.verdict.toUpperCase()}: ${report.summary.pass} passed, ${report.summary.warn} warnings, ${report.summary.fail} failed`);
  return `${lines.join('\n')}\n`;
}
