import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../errors.js';
import type { ReportInput } from '../html/page.js';
import { redactValues } from '../redact/values.js';
import type { CliContext } from './context.js';

/**
 * Writes a self-contained HTML report (`--report FILE.html`). Every string in the data, and the
 * title, is redacted before it is serialised, and the whole page passes through the CLI's
 * redaction too (whose patterns never cut a JSON escape, so the embedded data stays JSON). The
 * note goes to stderr so that stdout stays the command's own output (JSON, SARIF, ...).
 */
export async function writeHtmlReport(cli: CliContext, file: string, input: ReportInput): Promise<void> {
  const { renderReport } = await import('../html/page.js');
  // Strings are redacted before serialising (JSON, <script> and HTML escaping would hide a secret
  // holding `"`, `\` or `<`); the page as a whole then passes the CLI's redaction too, as everything it writes does.
  const html = cli.io.redact(renderReport({ ...input, title: cli.io.redact(input.title), views: redactValues(input.views, cli.io.redact) }));
  const target = path.resolve(cli.cwd, file);
  try {
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, html);
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String((error as NodeJS.ErrnoException).code) : 'unwritable';
    throw new UsageError(`cannot write the HTML report ${file} (${reason})`, { code: 'PRODGUARD_REPORT_UNWRITABLE' });
  }
  cli.io.err(`HTML report: ${file}\n`);
}
