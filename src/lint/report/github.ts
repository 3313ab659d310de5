/**
 * GitHub Actions workflow commands: one `::error` / `::warning` annotation per finding. Pure.
 * Escaping follows the runner's rules: data escapes % \r \n; property values also escape : and ,.
 */
import { showControls } from '../../redact/controls.js';
import type { LintResult } from '../engine.js';

export function escapeData(value: string): string {
  return value.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

export function escapeProperty(value: string): string {
  return escapeData(value).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * The annotations as text. `redact`, when given, sees every value before it is escaped: the runner
 * decodes `%25` back to `%`, so a secret escaped first (`Pw%259x`) would get past a redactor of
 * the finished text and still show in the annotation. Control characters are shown, not sent:
 * the log viewer acts on escape sequences.
 */
export function renderLintGithub(result: LintResult, redact?: (text: string) => string): string {
  const shown = (text: string): string => showControls(redact === undefined ? text : redact(text));
  const lines: string[] = [];
  for (const finding of result.findings) {
    const command = finding.severity === 'error' ? 'error' : 'warning';
    const properties = [
      `file=${escapeProperty(shown(finding.file))}`,
      `line=${finding.line}`,
      `col=${finding.column}`,
      `endLine=${finding.endLine}`,
      `endColumn=${finding.endColumn}`,
      `title=${escapeProperty(finding.rule)}`,
    ].join(',');
    lines.push(`::${command} ${properties}::${escapeData(`${shown(finding.message)}\nhelp: ${shown(finding.help)}`)}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
