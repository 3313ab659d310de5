/**
 * GitHub Actions workflow commands: one `::error` / `::warning` annotation per finding. Pure.
 * Escaping follows the runner's rules: data escapes % \r \n; property values also escape : and ,.
 */
import type { LintResult } from '../engine.js';

export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

export function renderLintGithub(result: LintResult): string {
  const lines: string[] = [];
  for (const finding of result.findings) {
    const command = finding.severity === 'error' ? 'error' : 'warning';
    const properties = [
      `file=${escapeProperty(finding.file)}`,
      `line=${finding.line}`,
      `col=${finding.column}`,
      `endLine=${finding.endLine}`,
      `endColumn=${finding.endColumn}`,
      `title=${escapeProperty(finding.rule)}`,
    ].join(',');
    lines.push(`::${command} ${properties}::${escapeData(`${finding.message}\nhelp: ${finding.help}`)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
