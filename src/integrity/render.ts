/** Renderers for compare reports: text, JSON, JUnit XML. They return strings; only the CLI prints. */
import type { Colors } from '../report/colors.js';
import type { CompareReport, SetComparison } from './compare.js';

export interface RollbackAdvice {
  /** The exact command that restores the newest backup prodguard made of this database. */
  restoreCommand?: string | undefined;
}

/** `ROLLBACK RECOMMENDED: ...` for a failed report; undefined when nothing was lost unexpectedly. */
export function rollbackLine(report: CompareReport, advice: RollbackAdvice = {}): string | undefined {
  if (report.verdict !== 'fail') return undefined;
  const restore = advice.restoreCommand ? `; restore with: ${advice.restoreCommand}` : '';
  return `ROLLBACK RECOMMENDED: data lost in ${report.losses.join(', ')}${restore}`;
}

function label(item: SetComparison, c: Colors): string {
  if (item.status === 'loss') return c.red(c.bold('LOSS'));
  if (item.status === 'expected') return c.yellow('EXPT');
  if (item.verdict === 'grew' || item.verdict === 'new table') return c.cyan('GREW');
  return c.green(' OK ');
}

export function renderCompareText(report: CompareReport, c: Colors, advice: RollbackAdvice = {}, verbose = false): string {
  const lines: string[] = [];
  const who = (side: CompareReport['before']) => `${side.database}${side.identity ? ` (${side.identity.name}, ${side.identity.kind})` : ''} at ${side.takenAt}`;
  lines.push(`${c.bold('prodguard compare')} before: ${who(report.before)}`);
  lines.push(`                  after:  ${who(report.after)}`);
  const width = Math.min(40, Math.max(0, ...report.items.map((i) => i.id.length)));
  let hidden = 0;
  for (const item of report.items) {
    if (!verbose && item.status === 'ok' && item.verdict === 'unchanged') {
      hidden++;
      continue;
    }
    const kind = item.kind === 'critical' ? c.dim(' [critical]') : '';
    const weak = item.weak ? c.dim(' (no primary key: whole-row fingerprint)') : '';
    const expected = item.expectation ? c.dim(` [expected: ${item.expectation}]`) : '';
    lines.push(`  ${label(item, c)}  ${item.id.padEnd(width)}  ${item.verdict}: ${item.message}${kind}${weak}${expected}`);
    if (item.note) lines.push(`        ${' '.repeat(width)}  ${c.dim(`note: ${item.note}`)}`);
  }
  if (hidden > 0) lines.push(c.dim(`  ${hidden} unchanged`));
  const s = report.summary;
  const verdict = report.verdict === 'pass' ? c.green('PASS') : c.red(c.bold('FAIL'));
  lines.push(
    `${verdict}: ${s.compared} compared, ${s.unchanged} unchanged, ${s.grew} grew, ${s.newTables} new, ${s.expected} expected changes, ${s.losses} losses`,
  );
  const rollback = rollbackLine(report, advice);
  if (rollback) lines.push(c.red(c.bold(rollback)));
  return `${lines.join('\n')}\n`;
}

export function renderCompareJson(report: CompareReport, advice: RollbackAdvice = {}): string {
  return `${JSON.stringify({ ...report, rollback: rollbackLine(report, advice) ?? null, restoreCommand: advice.restoreCommand ?? null }, null, 2)}\n`;
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function renderCompareJunit(report: CompareReport, advice: RollbackAdvice = {}): string {
  const failures = report.items.filter((i) => i.status === 'loss').length;
  const cases = report.items.map((item) => {
    const name = `${item.kind === 'critical' ? 'critical ' : ''}${item.id}`;
    const open = `    <testcase classname="prodguard.compare" name="${xml(name)}">`;
    if (item.status !== 'loss') return `${open}<system-out>${xml(`${item.verdict}: ${item.message}`)}</system-out></testcase>`;
    return `${open}\n      <failure message="${xml(`${item.verdict}: ${item.message}`)}" type="${xml(item.verdict)}">${xml(item.message)}</failure>\n    </testcase>`;
  });
  const rollback = rollbackLine(report, advice);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="prodguard compare" tests="${report.items.length}" failures="${failures}">`,
    `  <testsuite name="prodguard compare" tests="${report.items.length}" failures="${failures}">`,
    ...cases,
    rollback ? `    <system-err>${xml(rollback)}</system-err>` : '',
    '  </testsuite>',
    '</testsuites>',
    '',
  ]
    .filter((l) => l !== '')
    .join('\n')
    .concat('\n');
}
