import { statSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import { expandGlob } from '../../migrations/discover.js';
import { DETECTOR_IDS, type DetectorId, type DetectorSwitches, selectDetectors } from '../../redact/detectors.js';
import { readAllowlist } from '../../scan/allowlist.js';
import { renderScanJson, renderScanSarif, renderScanText } from '../../scan/render.js';
import { type ScanInput, scanLogs } from '../../scan/scan.js';
import type { CliContext } from '../context.js';
import { addFormatOption } from '../options.js';

interface ScanFlags {
  format?: string;
  allow?: string;
  enable?: string[];
  disable?: string[];
}

const FORMATS = ['text', 'json', 'sarif'] as const;

export function register(program: Command, cli: CliContext): void {
  const command = program
    .command('scan-logs')
    .description('scan log files for PII and secrets (emails, phones, cards, IBANs, tokens, keys, passwords)')
    .argument('<paths...>', 'log files, directories or globs (.gz read transparently); - reads stdin')
    .option('--allow <file>', 'allowlist of known false positives (value: / pattern: / path: lines)')
    .option('--enable <detector...>', `turn on detectors that are off by default (ipv4, ipv6)`)
    .option('--disable <detector...>', 'turn detectors off');
  addFormatOption(command, FORMATS);
  command
    .addHelpText(
      'after',
      `
Detectors: ${DETECTOR_IDS.join(', ')} (ipv4 and ipv6 off by default).
Every match is printed masked. .gz files and gzip on stdin are decompressed. An input that cannot be
read to the end (truncated gzip, permission) is a warning on stderr; its findings so far are kept.
Exit codes: 0 nothing found, 1 findings, 2 usage error, 3 an input could not be read and nothing was found.

Examples:
  $ prodguard scan-logs storage/logs/*.log
  $ prodguard scan-logs /var/log/app/app.log.1.gz --format json
  $ kubectl logs deploy/api | prodguard scan-logs -
  $ prodguard scan-logs logs/ --allow .prodguard-allow --format sarif > scan.sarif`,
    )
    .action(async (paths: string[], flags: ScanFlags) => {
      cli.exitCode = await scan(cli, paths, flags);
    });
}

async function scan(cli: CliContext, paths: string[], flags: ScanFlags): Promise<number> {
  const format = cli.format(flags.format, FORMATS);
  const detectors = switches(flags);
  const allow = flags.allow ? readAllowlist(path.resolve(cli.cwd, flags.allow)) : undefined;
  const inputs = await resolveLogInputs(paths, cli.cwd);
  const report = await scanLogs(inputs, { detectors, ...(allow ? { allow } : {}) });
  if (format === 'json') cli.io.out(renderScanJson(report));
  else if (format === 'sarif') cli.io.out(renderScanSarif(report));
  else cli.io.out(renderScanText(report, cli.io.colors()));
  for (const error of report.errors) cli.io.err(`warning: cannot read ${error.file} to the end: ${error.message}\n`);
  // Findings decide first (they are real, whatever else failed); an unreadable input with no
  // findings means "not known to be clean": exit 3, never 0.
  if (report.summary.findings > 0) return ExitCode.failed;
  return report.errors.length > 0 ? ExitCode.couldNotRun : ExitCode.ok;
}

/** --enable / --disable as detector switches, checked by selectDetectors (the one place that knows the ids). */
function switches(flags: ScanFlags): DetectorSwitches {
  const out: DetectorSwitches = {};
  for (const id of flags.enable ?? []) out[id as DetectorId] = true;
  for (const id of flags.disable ?? []) out[id as DetectorId] = false;
  try {
    selectDetectors(out);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error), { hint: `detectors: ${DETECTOR_IDS.join(', ')}` });
  }
  return out;
}

/**
 * Files, directories (every file below) and globs → inputs; `-` is stdin.
 * @throws UsageError for a path that does not exist or a glob that matches nothing.
 */
export async function resolveLogInputs(paths: readonly string[], cwd: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<ScanInput[]> {
  const inputs: ScanInput[] = [];
  for (const given of paths) {
    if (given === '-') {
      inputs.push({ name: '-', source: stdin as ScanInput['source'] });
      continue;
    }
    const absolute = path.resolve(cwd, given);
    let files: string[];
    if (/[*?[{]/.test(given)) files = (await expandGlob(given, cwd)).filter(isFile);
    else if (isDirectory(absolute)) files = (await expandGlob(path.join(given, '**'), cwd)).filter(isFile);
    else if (isFile(absolute)) files = [absolute];
    else throw new UsageError(`no such file: ${given}`, { code: 'PRODGUARD_NO_SUCH_PATH' });
    if (files.length === 0) throw new UsageError(`no files match ${given}`, { code: 'PRODGUARD_NO_SUCH_PATH' });
    for (const file of files) inputs.push({ name: displayName(file, cwd), source: file });
  }
  return inputs;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

function displayName(absolute: string, cwd: string): string {
  const relative = path.relative(cwd, absolute);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? absolute : relative;
}
