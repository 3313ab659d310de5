/** JSON report: the LintResult as is, the documented stable shape. Pure. */
import type { LintFileResult, LintResult, LintSummary } from '../engine.js';
import type { Finding } from '../types.js';

/** The documented `--format json` shape (also what the dashboard's /api/lint returns). */
export interface LintJson {
  pgVersion: number;
  files: Pick<LintFileResult, 'path' | 'layout' | 'transaction' | 'level' | 'statements'>[];
  findings: Finding[];
  summary: LintSummary;
}

/**
 * `{ pgVersion, files: [{ path, layout, transaction, level, statements }], findings: [{ rule,
 * severity, file, line, column, endLine, endColumn, message, help, fix? }], summary: { files,
 * statements, errors, warnings } }`.
 */
export function lintJson(result: LintResult): LintJson {
  return {
    pgVersion: result.pgVersion,
    files: result.files.map((file) => ({
      path: file.path,
      layout: file.layout,
      transaction: file.transaction,
      level: file.level,
      statements: file.statements,
    })),
    findings: result.findings.map((finding) => {
      const item: Finding = {
        rule: finding.rule,
        severity: finding.severity,
        file: finding.file,
        line: finding.line,
        column: finding.column,
        endLine: finding.endLine,
        endColumn: finding.endColumn,
        message: finding.message,
        help: finding.help,
      };
      if (finding.fix !== undefined) item.fix = finding.fix;
      return item;
    }),
    summary: { ...result.summary },
  };
}

/**
 * The JSON report as text (see {@link lintJson} for the shape): the same text as
 * `JSON.stringify(lintJson(result), null, 2)` plus a newline, written out by hand.
 *
 * A large run has tens of thousands of findings whose rule, severity, file and help repeat: each
 * distinct value is escaped (and passed through `redact`, when given) once. `redact` sees every
 * string value before it is escaped, so the caller need not scan the whole text again.
 */
export function renderLintJson(result: LintResult, redact?: (text: string) => string): string {
  let out = '';
  for (const part of lintJsonParts(result, redact)) out += part;
  return out;
}

/**
 * {@link renderLintJson}'s text in pieces (about one per finding), for writers that send a large
 * report out as it is made instead of holding all of it.
 */
export function* lintJsonParts(result: LintResult, redact?: (text: string) => string): Generator<string> {
  const cache = new Map<string, string>();
  const value = (text: string): string => {
    if (redact === undefined) return jsonString(text);
    const escaped = jsonString(redact(text));
    // A control character (a tab inside a URL, say) ends a match in the raw text; escaped, it
    // does not: look at the escaped form too, as a scan of the whole report would.
    return SPECIAL.test(text) ? redact(escaped) : escaped;
  };
  const repeated = (text: string): string => {
    let escaped = cache.get(text);
    if (escaped === undefined) cache.set(text, (escaped = value(text)));
    return escaped;
  };
  let out = `{\n  "pgVersion": ${result.pgVersion},\n  "files": `;
  if (result.files.length === 0) out += '[]';
  else {
    out += '[';
    let first = true;
    for (const file of result.files) {
      out += `${first ? '' : ','}\n    {\n      "path": ${repeated(file.path)},\n      "layout": ${repeated(file.layout)},\n      "transaction": ${repeated(file.transaction)},\n      "level": ${file.level},\n      "statements": ${file.statements}\n    }`;
      first = false;
    }
    out += '\n  ]';
  }
  yield `${out},\n  "findings": `;
  if (result.findings.length === 0) yield '[]';
  else {
    let separator = '[';
    for (const f of result.findings) {
      yield `${separator}\n    {\n      "rule": ${repeated(f.rule)},\n      "severity": ${repeated(f.severity)},\n      "file": ${repeated(f.file)},\n      "line": ${f.line},\n      "column": ${f.column},\n      "endLine": ${f.endLine},\n      "endColumn": ${f.endColumn},\n      "message": ${value(f.message)},\n      "help": ${repeated(f.help)}${f.fix === undefined ? '' : `,\n      "fix": ${value(f.fix)}`}\n    }`;
      separator = ',';
    }
    yield '\n  ]';
  }
  const s = result.summary;
  yield `,\n  "summary": {\n    "files": ${s.files},\n    "statements": ${s.statements},\n    "errors": ${s.errors},\n    "warnings": ${s.warnings}\n  }\n}\n`;
}

/** Characters JSON.stringify writes as escapes other than `\"` and `\\` (controls, surrogates). */
const SPECIAL = /[\u0000-\u001f\ud800-\udfff]/;

/** `JSON.stringify(text)`, faster for the usual text with no control characters or surrogates. */
function jsonString(text: string): string {
  if (SPECIAL.test(text)) return JSON.stringify(text);
  return `"${text.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}
