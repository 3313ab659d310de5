/** JSON report: the LintResult as is, the documented stable shape. Pure. */
import type { LintResult } from '../engine.js';

/**
 * `{ pgVersion, files: [{ path, layout, transaction, level, statements }], findings: [{ rule,
 * severity, file, line, column, endLine, endColumn, message, help, fix? }], summary: { files,
 * statements, errors, warnings } }`.
 */
export function renderLintJson(result: LintResult): string {
  const shaped = {
    pgVersion: result.pgVersion,
    files: result.files.map((file) => ({
      path: file.path,
      layout: file.layout,
      transaction: file.transaction,
      level: file.level,
      statements: file.statements,
    })),
    findings: result.findings.map((finding) => {
      const item: Record<string, unknown> = {
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
      if (finding.fix !== undefined) item['fix'] = finding.fix;
      return item;
    }),
    summary: { ...result.summary },
  };
  return `${JSON.stringify(shaped, null, 2)}\n`;
}
