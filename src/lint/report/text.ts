/**
 * Text report: for each finding `file:line:col severity rule-id message`, the SQL line with the
 * span underlined, the help and the safe rewrite; a level line per file; a summary that names the
 * target PostgreSQL version. Pure: returns the string, never prints. Text from the migrations
 * (names, SQL) goes out with its control characters shown, never acted on by the terminal.
 */
import path from 'node:path';
import pc from 'picocolors';
import { showControls } from '../../redact/controls.js';
import type { LintFileResult, LintResult } from '../engine.js';
import type { Finding } from '../types.js';

export interface TextReportOptions {
  color: boolean;
  /** Absolute file paths are shown relative to this directory. */
  cwd?: string | undefined;
  /** File texts by finding `file`, to show the SQL line under each finding. */
  sources?: ReadonlyMap<string, string> | Readonly<Record<string, string>> | undefined;
}

const LEVEL_NAMES = { 1: 'no schema or data change', 2: 'additive only', 3: 'modifies or removes' } as const;

function sourceOf(sources: TextReportOptions['sources'], file: string): string | undefined {
  if (sources === undefined) return undefined;
  if (sources instanceof Map) return sources.get(file);
  return (sources as Readonly<Record<string, string>>)[file];
}

function shown(file: string, cwd: string | undefined): string {
  if (cwd === undefined || !path.isAbsolute(file)) return showControls(file);
  const relative = path.relative(cwd, file);
  return showControls(relative.startsWith('..') || path.isAbsolute(relative) ? file : relative);
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? '' : 's'}`;
}

/** Splits text into lines once per file, lazily. */
function lineGetter(text: string | undefined): (line: number) => string | undefined {
  let lines: string[] | undefined;
  return (line) => {
    if (text === undefined) return undefined;
    lines ??= text.split(/\r?\n/);
    return lines[line - 1];
  };
}

export function renderLintText(result: LintResult, options: TextReportOptions): string {
  const c = pc.createColors(options.color);
  const out: string[] = [];
  const byFile = new Map<string, Finding[]>();
  for (const finding of result.findings) {
    let list = byFile.get(finding.file);
    if (list === undefined) byFile.set(finding.file, (list = []));
    list.push(finding);
  }

  const renderFinding = (finding: Finding, getLine: (line: number) => string | undefined): void => {
    const severity = finding.severity === 'error' ? c.red(c.bold('error')) : c.yellow(c.bold('warning'));
    out.push(
      `${c.bold(`${shown(finding.file, options.cwd)}:${finding.line}:${finding.column}`)} ${severity} ${c.dim(finding.rule)} ${showControls(finding.message)}`,
    );
    const line = getLine(finding.line);
    if (line !== undefined) {
      const spaced = line.replace(/\t/g, ' ');
      const display = showControls(spaced);
      // Where a column of the line is once shown (a control shown as `<U+202E>` is wider).
      const at = (column: number): number =>
        display === spaced ? column : showControls(spaced.slice(0, column)).length + Math.max(0, column - spaced.length);
      const number = String(finding.line);
      const gutter = ' '.repeat(number.length);
      const start = at(Math.max(finding.column - 1, 0));
      let end = finding.endLine === finding.line ? at(finding.endColumn - 1) : display.trimEnd().length;
      if (end <= start) end = start + 1;
      const more = finding.endLine > finding.line ? c.dim(` ... (${plural(finding.endLine - finding.line, 'more line')})`) : '';
      out.push(`  ${c.dim(`${number} |`)} ${display}`);
      out.push(`  ${c.dim(`${gutter} |`)} ${' '.repeat(start)}${c.red('^'.repeat(Math.min(end, Math.max(display.length, start + 1)) - start))}${more}`);
    }
    out.push(`  ${c.cyan('help:')} ${showControls(finding.help)}`);
    if (finding.fix !== undefined) {
      const fix = showControls(finding.fix).split('\n');
      out.push(`  ${c.green('fix:')}  ${fix[0]}`);
      for (const rest of fix.slice(1)) out.push(`        ${rest}`);
    }
    out.push('');
  };

  const levelLine = (file: LintFileResult): string => {
    const color = file.level === 3 ? c.red : file.level === 2 ? c.yellow : c.green;
    return `${shown(file.path, options.cwd)}: ${color(`level ${file.level}`)} (${LEVEL_NAMES[file.level]}), ${plural(file.statements, 'statement')}, transaction ${file.transaction}`;
  };

  const listed = new Set<string>();
  for (const file of result.files) {
    listed.add(file.path);
    const findings = byFile.get(file.path);
    if (findings !== undefined) {
      const getLine = lineGetter(sourceOf(options.sources, file.path));
      for (const finding of findings) renderFinding(finding, getLine);
    }
    out.push(levelLine(file));
    if (findings !== undefined) out.push('');
  }
  // Findings for files that are not in `files` (should not happen, but never drop one).
  for (const [file, findings] of byFile) {
    if (listed.has(file)) continue;
    const getLine = lineGetter(sourceOf(options.sources, file));
    for (const finding of findings) renderFinding(finding, getLine);
  }

  const { errors, warnings, files, statements } = result.summary;
  const filesWithFindings = byFile.size;
  const target = `target PostgreSQL ${result.pgVersion}${result.pgVersion === 14 ? ' (the default, oldest supported; set --pg-version or pgVersion)' : ''}`;
  if (out.length > 0 && out[out.length - 1] !== '') out.push('');
  if (errors === 0 && warnings === 0) {
    out.push(`${c.green('✔')} no problems in ${plural(files, 'file')} (${plural(statements, 'statement')}); ${target}`);
  } else {
    const mark = errors > 0 ? c.red('✖') : c.yellow('⚠');
    out.push(
      `${mark} ${c.bold(`${plural(errors, 'error')}, ${plural(warnings, 'warning')}`)} in ${filesWithFindings} of ${plural(files, 'file')} (${plural(statements, 'statement')}); ${target}`,
    );
  }
  return `${out.join('\n')}\n`;
}
