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

/** The JSON report as text (see {@link lintJson} for the shape). */
export function renderLintJson(result: LintResult): string {
  return `${JSON.stringify(lintJson(result), null, 2)}\n`;
}
