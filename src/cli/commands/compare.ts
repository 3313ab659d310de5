import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { listBackups } from '../../backup/manifest.js';
import type { ResolvedTarget } from '../../config/target.js';
import { ExitCode, UsageError } from '../../errors.js';
import { assertSnapshotDocument, compareSnapshots } from '../../integrity/compare.js';
import { renderCompareJson, renderCompareJunit, renderCompareText } from '../../integrity/render.js';
import { takeSnapshot } from '../../integrity/snapshot.js';
import type { SnapshotDocument } from '../../integrity/types.js';
import type { CliContext } from '../context.js';
import { restoreCommandLine } from '../../report/shell.js';
import { addFormatOption, addReportOption, addTargetOptions, type TargetOptions } from '../options.js';
import { writeHtmlReport } from '../report-file.js';
import { collect, integerFlag, progressReporter } from './snapshot.js';

interface CompareFlags extends TargetOptions {
  format?: string;
  allowShrink: string[];
  jobs: string;
  verbose?: boolean;
  report?: string;
}

export function register(program: Command, cli: CliContext): void {
  const command = program
    .command('compare')
    .description('compare a snapshot with a later one or with the live database: exit 1 on unexpected data loss')
    .argument('<before>', 'snapshot JSON taken before (prodguard snapshot --out)')
    .argument('[after]', 'snapshot JSON taken after (default: snapshot the database now)')
    .option('--allow-shrink <table>', 'a table that may lose rows (repeatable; same as integrity.expect: may-shrink)', collect, [])
    .option('-j, --jobs <n>', 'connections for the live snapshot', '1')
    .option('-v, --verbose', 'list unchanged tables too');
  addTargetOptions(command);
  addFormatOption(command, ['text', 'json', 'junit']);
  addReportOption(command);
  command
    .addHelpText(
      'after',
      `
Verdicts: unchanged, grew, changed (same count, different keys), shrank, missing table, missing column,
column type changed. Declared changes (config integrity.expect, --allow-shrink) are reported, not failed.
On an unexpected loss the last line is "ROLLBACK RECOMMENDED: ..." with the restore command of the newest
backup prodguard made of this database, if any.

Exit codes: 0 nothing lost unexpectedly, 1 data lost, 2 usage or config error, 3 the database could not be read.

Examples:
  $ prodguard compare before.json --env production
  $ prodguard compare before.json after.json --format junit > compare.xml
  $ prodguard compare before.json --db "$DATABASE_URL" --allow-shrink sessions --format json
  $ prodguard compare before.json --env staging --report compare.html`,
    )
    .action(async (before: string, after: string | undefined, flags: CompareFlags) => {
      cli.exitCode = await compareCommand(cli, before, after, flags);
    });
}

function readSnapshot(cli: CliContext, file: string): SnapshotDocument {
  let text: string;
  try {
    text = readFileSync(path.resolve(cli.cwd, file), 'utf8');
  } catch (error) {
    const reason = error instanceof Error && 'code' in error ? String((error as NodeJS.ErrnoException).code) : 'unreadable';
    throw new UsageError(`cannot read snapshot ${file} (${reason})`, { code: 'PRODGUARD_BAD_SNAPSHOT' });
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${error instanceof Error ? error.message : String(error)}`, { code: 'PRODGUARD_BAD_SNAPSHOT' });
  }
  assertSnapshotDocument(doc, file);
  return doc;
}

async function compareCommand(cli: CliContext, beforeFile: string, afterFile: string | undefined, flags: CompareFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json', 'junit'] as const);
  const jobs = integerFlag('--jobs', flags.jobs, 1);
  const loaded = await cli.config();
  let before: SnapshotDocument;
  let after: SnapshotDocument;
  let target: ResolvedTarget | undefined;
  if (afterFile) {
    if (flags.db || flags.env) throw new UsageError('give either an AFTER snapshot file or --db/--env, not both');
    before = readSnapshot(cli, beforeFile);
    after = readSnapshot(cli, afterFile);
  } else {
    // Connect first: an unreachable database is the first thing to fix (exit 3).
    target = await cli.target(flags);
    target.settings.maxConnections = Math.max(target.settings.maxConnections, jobs);
    const { db } = await cli.open(target);
    before = readSnapshot(cli, beforeFile);
    after = await takeSnapshot(db, {
      guide: before,
      critical: loaded.config.integrity.critical,
      jobs,
      onProgress: progressReporter(cli, 'snapshot'),
    });
  }
  const report = compareSnapshots(before, after, { expect: loaded.config.integrity.expect, allowShrink: flags.allowShrink });

  let restoreCommand: string | undefined;
  if (report.verdict === 'fail') {
    const dir = path.resolve(loaded.file ? loaded.dir : cli.cwd, loaded.config.backup.dir);
    const backup = listBackups(dir).find(
      (b) => b.manifest.database === before.database && (b.manifest.identity?.name ?? null) === (before.identity?.name ?? null),
    );
    if (backup) {
      const to = target?.source === '--env' && target.environment ? { env: target.environment.name } : { url: target ? cli.io.redact(target.url) : `<url of ${before.database}>` };
      restoreCommand = restoreCommandLine(path.relative(cli.cwd, backup.dumpPath) || backup.dumpPath, to, before.identity?.kind === 'production');
    }
  }
  const advice = { restoreCommand };
  if (flags.report) {
    const { comparisonEntry } = await import('../../html/views.js');
    const source = `${beforeFile} → ${afterFile ?? 'live database'}`;
    await writeHtmlReport(cli, flags.report, {
      title: 'prodguard compare',
      views: { integrity: { dirs: [], snapshots: [], comparisons: [comparisonEntry(source, report, advice)] } },
    });
  }
  if (format === 'json') cli.io.out(renderCompareJson(report, advice));
  else if (format === 'junit') cli.io.out(renderCompareJunit(report, advice));
  else cli.io.out(renderCompareText(report, cli.io.colors(), advice, flags.verbose ?? false));
  return report.verdict === 'fail' ? ExitCode.failed : ExitCode.ok;
}
