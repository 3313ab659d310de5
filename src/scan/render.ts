/**
 * Renderers for scan-logs reports: text, JSON (`{ findings, summary }`) and SARIF 2.1.0. Pure;
 * every match they print is already masked.
 */
import { showControls } from '../redact/controls.js';
import { DETECTORS } from '../redact/detectors.js';
import { formatBytes } from '../report/bytes.js';
import { artifactLocation } from '../report/sarif-location.js';
import type { Colors } from '../report/colors.js';
import type { ScanReport } from './scan.js';

export function renderScanText(report: ScanReport, c: Colors): string {
  const lines = report.findings.map(
    // File names and matched text come from the logs: shown, never acted on by the terminal.
    (f) => `${c.bold(`${showControls(f.file)}:${f.line}:${f.column}`)}  ${c.red(f.detector)}  ${showControls(f.match)}`,
  );
  const { files, bytes, findings } = report.summary;
  const shown = report.findings.length < findings ? ` (first ${report.findings.length} shown)` : '';
  const verdict = findings === 0 ? c.green('clean') : c.red(c.bold(`${findings} finding${findings === 1 ? '' : 's'}${shown}`));
  lines.push(`${verdict}: ${files} file${files === 1 ? '' : 's'}, ${formatBytes(bytes)} scanned`);
  return `${lines.join('\n')}\n`;
}

export function renderScanJson(report: ScanReport): string {
  const { files, bytes, findings, lines } = report.summary;
  return `${JSON.stringify({ findings: report.findings, summary: { files, bytes, findings, lines }, errors: report.errors }, null, 2)}\n`;
}

export function renderScanSarif(report: ScanReport, toolVersion?: string): string {
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'prodguard scan-logs',
            ...(toolVersion ? { version: toolVersion } : {}),
            informationUri: 'https://github.com/prodguard/prodguard/blob/main/docs/scan-logs.md',
            rules: DETECTORS.map((d) => ({
              id: d.id,
              shortDescription: { text: d.title },
              defaultConfiguration: { level: 'error' },
            })),
          },
        },
        results: report.findings.map((f) => ({
          ruleId: f.detector,
          level: 'error',
          message: { text: `${f.detector} in log: ${f.match}` },
          locations: [
            {
              physicalLocation: {
                artifactLocation: artifactLocation(f.file),
                region: { startLine: f.line, startColumn: f.column },
              },
            },
          ],
        })),
      },
    ],
  };
  return `${JSON.stringify(sarif, null, 2)}\n`;
}

