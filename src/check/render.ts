/** Text rendering of a CheckReport: per migration and statement, locks, rewrites, timing, findings. */
import type { Colors } from '../report/colors.js';
import { showControls as shown } from '../redact/controls.js';
import { formatBytes } from '../report/bytes.js';
import type { CheckFinding, CheckReport, StatementCheck } from './types.js';

function severityLabel(finding: CheckFinding, c: Colors): string {
  if (finding.severity === 'error') return c.red('error');
  if (finding.severity === 'warning') return c.yellow('warning');
  return c.dim('info');
}

function statementLines(s: StatementCheck, path: string, c: Colors): string[] {
  const lines: string[] = [];
  const status =
    s.status === 'ok' ? c.green('ok') : s.status === 'failed' ? c.red('FAILED') : s.status === 'not-rehearsed' ? c.yellow('not rehearsed') : c.dim('not run');
  const timing = s.durationMs !== null ? ` ${s.durationMs} ms` : '';
  const rows = s.rowsAffected !== null ? `, ${s.rowsAffected} rows` : '';
  // The SQL, the server's messages and the examples are the migrations' and the data's text:
  // shown, never acted on by the terminal.
  lines.push(`  ${c.dim(`${shown(path)}:${s.line}`)} ${shown(s.sql)}`);
  lines.push(`    ${status}${timing}${rows}${s.reason ? c.dim(` (${shown(s.reason)})`) : ''}`);
  if (s.error) lines.push(`    ${c.red('error')} ${shown(path)}:${s.error.line}:${s.error.column} ${shown(s.error.message)}${s.error.detail ? ` (${shown(s.error.detail)})` : ''}`);
  if (s.locks.length > 0) lines.push(`    locks: ${shown(s.locks.map((l) => `${l.mode} on ${l.relation}${l.relationKind === 'table' ? '' : ` (${l.relationKind})`}`).join(', '))}`);
  else if (s.status === 'ok' && s.locksCaptured) lines.push(`    locks: ${c.dim('none new')}`);
  else if (!s.locksCaptured && s.expectedLocks.length > 0) {
    lines.push(`    locks (expected): ${shown(s.expectedLocks.map((l) => `${l.mode} on ${l.relation}`).join(', '))}`);
  }
  if (s.rewrites.length > 0) lines.push(`    ${c.yellow('rewrites')}: ${shown(s.rewrites.map((r) => `${r.relation}${r.relationKind === 'table' ? '' : ` (${r.relationKind})`}`).join(', '))}`);
  for (const t of s.tables) {
    lines.push(`    table ${shown(t.table)}: ${formatBytes(t.bytes)}, ${t.estimatedRows < 0 ? 'row count not estimated yet (never analyzed)' : `~${t.estimatedRows.toLocaleString('en-US')} rows`}`);
  }
  for (const f of s.findings) {
    lines.push(`    ${severityLabel(f, c)} [${f.id}] ${shown(f.message)}`);
    if (f.examples && f.examples.length > 0) lines.push(`      examples: ${shown(f.examples.join('; '))}`);
    lines.push(`      ${c.dim('→')} ${shown(f.help)}`);
  }
  return lines;
}

export function renderCheckText(report: CheckReport, c: Colors): string {
  const out: string[] = [];
  const identity = report.identity ? ` (recorded as ${report.identity.kind} "${report.identity.name}")` : '';
  out.push(`${c.bold('prodguard check')} ${shown(report.target)}${shown(identity)}`);
  const modeText =
    report.mode === 'shadow'
      ? `shadow replay: ${report.replayed} migration(s) applied to build the schema`
      : report.mode === 'rehearsal'
        ? `rehearsal in one transaction, always rolled back (lock_timeout ${report.lockTimeoutMs} ms)`
        : 'read-only pre-checks (nothing was run)';
  out.push(`mode: ${modeText}`);
  if (report.ledger) {
    const { layouts, table, applied, pending, problems } = report.ledger;
    out.push(`ledger: ${table ?? `no ${layouts.join('/')} ledger table yet`}: ${applied} applied, ${pending} pending`);
    for (const problem of problems) out.push(c.yellow(`ledger: ${shown(problem)}`));
  }
  out.push('');
  if (report.migrations.length === 0) out.push('no migrations to check');
  for (const m of report.migrations) {
    const label = m.role === 'replayed' ? 'replaying' : 'migration';
    const status = m.status === 'failed' ? c.red(' FAILED') : m.status === 'not-run' ? c.dim(' not run') : '';
    out.push(`${c.bold(label)} ${shown(m.path)}${status}`);
    for (const s of m.statements) out.push(...statementLines(s, m.path, c));
    out.push('');
  }
  const s = report.summary;
  const verdict = report.verdict === 'pass' ? c.green('PASS') : report.verdict === 'incomplete' ? c.yellow('INCOMPLETE') : c.red('FAIL');
  out.push(
    `${verdict} ${s.migrations} migration(s), ${s.statements} statement(s): ${s.failedMigrations} failed, ${s.errors} error(s), ${s.warnings} warning(s), ${s.notRehearsed} not rehearsed${s.incompletePrechecks > 0 ? `, ${s.incompletePrechecks} pre-check(s) could not run` : ''}`,
  );
  return `${out.join('\n')}\n`;
}
