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
 * `JSON.stringify(lintJson(result), null, 2)` plus a newline, written out by hand (see
 * {@link lintJsonStream}, which it is made with: each repeated value, such as a rule's help, is
 * escaped and redacted once). `redact` sees every string value before it is escaped, so the
 * caller need not scan the whole text again.
 */
export function renderLintJson(result: LintResult, redact?: (text: string) => string): string {
  const stream = lintJsonStream(redact);
  stream.add(result.findings);
  let out = '';
  for (const part of stream.parts(result)) {
    out += typeof part === 'string' ? part : Buffer.from(part.buffer, part.byteOffset, part.byteLength).toString('utf8');
  }
  return out;
}

/** The JSON report built while the engine runs: see {@link lintJsonStream}. */
export interface LintJsonStream {
  /** Takes findings in report order (lintFiles' `findingSink`) and keeps them as UTF-8 bytes. */
  add(findings: readonly Finding[]): void;
  /**
   * The whole report, the same text as {@link renderLintJson} of `result` with the findings given
   * to `add` in place of `result.findings`, as text and byte pieces.
   */
  parts(result: LintResult): Generator<string | Uint8Array>;
}

/** Bytes per block of rendered findings. */
const BLOCK_BYTES = 1 << 20;
/** Rendered text gathered before it is copied into a block. */
const FLUSH_CHARS = 64 * 1024;

/**
 * A JSON report that renders each finding as the engine hands it over and keeps the text as
 * UTF-8 outside the JavaScript heap. The report starts with `files`, whose levels are known only
 * at the end, so findings cannot go out as they come; held as strings (or as finding objects
 * until the end), tens of MB of them were copied by the young-generation GC while the rules ran.
 */
export function lintJsonStream(redact?: (text: string) => string): LintJsonStream {
  const values = jsonValues(redact);
  const blocks: Uint8Array[] = [];
  let block = Buffer.allocUnsafeSlow(BLOCK_BYTES);
  let used = 0;
  let pending = '';
  let separator = '[';
  const flush = (): void => {
    if (pending.length === 0) return;
    const most = pending.length * 3;
    if (block.length - used < most) {
      if (used > 0) blocks.push(block.subarray(0, used));
      block = Buffer.allocUnsafeSlow(Math.max(BLOCK_BYTES, most));
      used = 0;
    }
    used += block.write(pending, used);
    pending = '';
  };
  return {
    add(findings) {
      for (const f of findings) {
        pending += findingJson(f, separator, values);
        separator = ',';
      }
      if (pending.length >= FLUSH_CHARS) flush();
    },
    *parts(result) {
      flush();
      if (used > 0) blocks.push(block.subarray(0, used));
      used = block.length;
      yield `${headJson(result, values)},\n  "findings": `;
      if (blocks.length === 0) yield '[]';
      else {
        yield* blocks;
        yield '\n  ]';
      }
      yield tailJson(result.summary);
    },
  };
}

interface JsonValues {
  /** A string value as JSON, redacted. */
  value(text: string): string;
  /** The same for values that repeat (rule, severity, file, help): each distinct one done once. */
  repeated(text: string): string;
}

function jsonValues(redact: ((text: string) => string) | undefined): JsonValues {
  const cache = new Map<string, string>();
  const value = (text: string): string => {
    if (!SPECIAL.test(text)) return plainJsonString(redact === undefined ? text : redact(text));
    if (redact === undefined) return JSON.stringify(text);
    // A control character (a tab inside a URL, say) ends a match in the raw text; escaped, it
    // does not: look at the escaped form too, as a scan of the whole report would.
    return redact(JSON.stringify(redact(text)));
  };
  const repeated = (text: string): string => {
    let escaped = cache.get(text);
    if (escaped === undefined) cache.set(text, (escaped = value(text)));
    return escaped;
  };
  return { value, repeated };
}

function headJson(result: LintResult, { repeated }: JsonValues): string {
  let out = `{\n  "pgVersion": ${result.pgVersion},\n  "files": `;
  if (result.files.length === 0) return `${out}[]`;
  out += '[';
  let first = true;
  for (const file of result.files) {
    out += `${first ? '' : ','}\n    {\n      "path": ${repeated(file.path)},\n      "layout": ${repeated(file.layout)},\n      "transaction": ${repeated(file.transaction)},\n      "level": ${file.level},\n      "statements": ${file.statements}\n    }`;
    first = false;
  }
  return `${out}\n  ]`;
}

function findingJson(f: Finding, separator: string, { value, repeated }: JsonValues): string {
  return `${separator}\n    {\n      "rule": ${repeated(f.rule)},\n      "severity": ${repeated(f.severity)},\n      "file": ${repeated(f.file)},\n      "line": ${f.line},\n      "column": ${f.column},\n      "endLine": ${f.endLine},\n      "endColumn": ${f.endColumn},\n      "message": ${value(f.message)},\n      "help": ${repeated(f.help)}${f.fix === undefined ? '' : `,\n      "fix": ${value(f.fix)}`}\n    }`;
}

function tailJson(s: LintSummary): string {
  return `,\n  "summary": {\n    "files": ${s.files},\n    "statements": ${s.statements},\n    "errors": ${s.errors},\n    "warnings": ${s.warnings}\n  }\n}\n`;
}

/** Characters JSON.stringify writes as escapes other than `\"` and `\\` (controls, surrogates). */
const SPECIAL = /[\u0000-\u001f\ud800-\udfff]/;

const QUOTE_OR_BACKSLASH = /["\\]/g;

/**
 * `JSON.stringify(text)` for text without control characters or lone surrogates (redaction only
 * replaces spans with `***`, so redacted text stays such text).
 */
function plainJsonString(text: string): string {
  return `"${text.replace(QUOTE_OR_BACKSLASH, '\\$&')}"`;
}
