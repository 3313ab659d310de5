import { existsSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { parseDuration } from '../../config/schema.js';
import { discoverMigrations } from '../../migrations/discover.js';
import type { MigrationLayout } from '../../migrations/types.js';
import { ExitCode, UsageError } from '../../errors.js';
import { renderChecklist } from '../../report/checks.js';
import { cleanupTestData } from '../../testdata/cleanup.js';
import { installFiles, installScript, type InstallTable } from '../../testdata/install.js';
import { renderCleanup, renderSummary } from '../../testdata/render.js';
import { type TestDataSettings, testDataSettings } from '../../testdata/settings.js';
import { countTestRows, listTestRows, testDataSummary } from '../../testdata/summary.js';
import { resolveTables } from '../../testdata/tables.js';
import { auditRealChanges, verifyTestData } from '../../testdata/verify.js';
import type { CliContext } from '../context.js';
import { writeOutputFile } from '../files.js';
import { addFormatOption, addTargetOptions, type TargetOptions } from '../options.js';

interface CommonFlags extends TargetOptions {
  format?: string;
}

interface InstallFlags extends TargetOptions {
  tables?: string[];
  out?: string;
  write?: boolean;
  key?: string;
}

interface ListFlags extends CommonFlags {
  olderThan?: string;
  limit?: string;
}

interface CleanupFlags extends ListFlags {
  dryRun: boolean;
  batchSize?: string;
}

interface AuditFlags extends CommonFlags {
  since: string;
  updatedColumn?: string;
}

export function register(program: Command, cli: CliContext): void {
  const testdata = program
    .command('testdata')
    .description('mark, count, list, clean up, verify and audit test data in a live database')
    .addHelpText(
      'after',
      `
Rows are test data when their marker column (testData.column, default is_test_data) is true.

Examples:
  $ prodguard testdata install --tables users bookings --out migrations/042_test_data.sql
  $ prodguard testdata count --env staging
  $ prodguard testdata cleanup --env staging                 # dry run: prints what would go
  $ prodguard testdata cleanup --env staging --no-dry-run
  $ prodguard testdata verify --env production`,
    );

  const install = testdata
    .command('install')
    .description('print (or write as migrations) the SQL that adds the marker column and its partial index')
    .option('--tables <tables...>', 'tables to mark (default: testData.tables)')
    .option('--out <file>', 'write the SQL to this file (a migrations directory: files in its layout)')
    .option('--write', 'write migration files into the configured migrations directory, in its layout')
    .option('--key <column>', 'key column of the partial index when no database is given (default id)');
  addTargetOptions(install);
  install
    .addHelpText(
      'after',
      `
Without --db/--env nothing connects; with one, each table's primary key is read for the index.

Examples:
  $ prodguard testdata install --tables users bookings
  $ prodguard testdata install --write                     # into config "migrations", e.g. Prisma folders
  $ prodguard testdata install --db "$DATABASE_URL" --out db/migrations`,
    )
    .action(async (flags: InstallFlags) => {
      cli.exitCode = await installCommand(cli, flags);
    });

  const count = testdata.command('count').description('test rows per table and in total');
  common(count, ['text', 'json']).addHelpText('after', `\nExamples:\n  $ prodguard testdata count --env staging\n  $ prodguard testdata count --format json`);
  count.action(async (flags: CommonFlags) => {
    cli.exitCode = await countCommand(cli, flags);
  });

  const list = testdata
    .command('list')
    .description('test rows with table, key, created_at and age, oldest first')
    .option('--older-than <hours>', 'only rows older than this many hours')
    .option('--limit <n>', 'at most this many rows (default 100)');
  common(list, ['text', 'json']).addHelpText('after', `\nExamples:\n  $ prodguard testdata list --older-than 24 --limit 20`);
  list.action(async (flags: ListFlags) => {
    cli.exitCode = await listCommand(cli, flags);
  });

  const cleanup = testdata
    .command('cleanup')
    .description('delete stale test rows (a dry run unless --no-dry-run), children first, in small batches')
    .option('--older-than <hours>', 'delete test rows older than this many hours (default testData.retentionHours)')
    .option('--limit <n>', 'delete at most this many rows')
    .option('--batch-size <n>', 'rows per batch transaction (default testData.batchSize)')
    .option('--no-dry-run', 'really delete');
  common(cleanup, ['text', 'json']).addHelpText(
    'after',
    `
A test row referenced by a row that stays (a non-test row, a newer test row) is never deleted and
never cascaded into; it is reported with the referencing table and key. Every run is recorded in
prodguard.cleanup_log. A database marked production is refused unless testData.allowOnProduction.

Examples:
  $ prodguard testdata cleanup --env staging
  $ prodguard testdata cleanup --env staging --older-than 1 --no-dry-run --batch-size 2000`,
  );
  cleanup.action(async (flags: CleanupFlags) => {
    cli.exitCode = await cleanupCommand(cli, flags);
  });

  const verify = testdata.command('verify').description('stale rows, marker set-up; prints Cleanup recommended: YES/NO (exit 1 when stale)');
  common(verify, ['text', 'json']).addHelpText('after', `\nExamples:\n  $ prodguard testdata verify --env production`);
  verify.action(async (flags: CommonFlags) => {
    cli.exitCode = await verifyCommand(cli, flags);
  });

  const summary = testdata.command('summary').description('counts per table, age distribution, oldest and newest');
  common(summary, ['text', 'json']).addHelpText('after', `\nExamples:\n  $ prodguard testdata summary --env staging`);
  summary.action(async (flags: CommonFlags) => {
    cli.exitCode = await summaryCommand(cli, flags);
  });

  const audit = testdata
    .command('audit')
    .description('real (non-test) rows inserted or updated in a recent window, per table')
    .option('--since <duration>', 'the window, e.g. 30m, 1h, 2d', '1h')
    .option('--updated-column <column>', 'the column that records updates', 'updated_at');
  common(audit, ['text', 'json']).addHelpText('after', `\nExamples:\n  $ prodguard testdata audit --since 1h\n  $ prodguard testdata audit --since 2d --updated-column modified_at`);
  audit.action(async (flags: AuditFlags) => {
    cli.exitCode = await auditCommand(cli, flags);
  });
}

function common(command: Command, formats: string[]): Command {
  addTargetOptions(command);
  addFormatOption(command, formats);
  return command;
}

async function settingsOf(cli: CliContext): Promise<TestDataSettings> {
  const settings = testDataSettings((await cli.config()).config);
  if (settings.tables.length === 0) cli.io.err('warning: no testData.tables in config: nothing to look at\n');
  return settings;
}

function positiveNumber(value: string | undefined, flag: string, integer = false): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n)) || (integer && n === 0)) {
    throw new UsageError(`${flag} expects ${integer ? 'a positive whole number' : 'a number of hours'} (got "${value}")`);
  }
  return n;
}

async function installCommand(cli: CliContext, flags: InstallFlags): Promise<number> {
  const loaded = await cli.config();
  const settings = testDataSettings(loaded.config);
  const names = flags.tables && flags.tables.length > 0 ? flags.tables : settings.tables;
  if (names.length === 0) throw new UsageError('no tables to mark', { hint: 'pass --tables users bookings, or set testData.tables in config' });
  let tables: InstallTable[] = names.map((table) => ({ table, keyColumns: [flags.key ?? 'id'] }));
  if (flags.db || flags.env) {
    const { db } = await cli.open(await cli.target(flags));
    const resolved = await db.transaction((tx) => resolveTables(tx, settings, names), { readOnly: true });
    if (resolved.missing.length) throw new UsageError(`no such table: ${resolved.missing.join(', ')}`);
    tables = resolved.tables.map((t) => ({ table: t.qualified, keyColumns: t.keyColumns.length ? t.keyColumns : [flags.key ?? 'id'] }));
  }
  const options = { column: settings.column };
  let dir: string | undefined;
  let layout: MigrationLayout | undefined;
  if (flags.write) {
    const migrations = loaded.config.migrations;
    if (!migrations) throw new UsageError('--write needs "migrations" in config', { hint: 'or pass --out FILE' });
    dir = path.resolve(loaded.dir, typeof migrations === 'string' ? migrations : migrations.path);
    layout = typeof migrations === 'string' ? undefined : migrations.layout;
  } else if (flags.out && existsSync(flags.out) && statSync(flags.out).isDirectory()) {
    dir = path.resolve(cli.cwd, flags.out);
  }
  if (dir) {
    await mkdir(dir, { recursive: true });
    layout ??= (await discoverMigrations([dir], { cwd: cli.cwd }).catch(() => []))[0]?.layout ?? 'plain';
    const files = installFiles(layout === 'stdin' ? 'plain' : layout, tables, options);
    for (const file of files) {
      const target = path.join(dir, file.path);
      await mkdir(path.dirname(target), { recursive: true });
      await writeOutputFile(target, file.text, 'wx');
      cli.io.out(`wrote ${path.relative(cli.cwd, target) || target}\n`);
    }
    cli.io.out(`${files.length} ${layout} migration file${files.length === 1 ? '' : 's'}; check them with: prodguard lint ${path.relative(cli.cwd, dir) || '.'}\n`);
    return ExitCode.ok;
  }
  const script = installScript(tables, options);
  if (flags.out) {
    await writeOutputFile(path.resolve(cli.cwd, flags.out), script, 'w');
    cli.io.out(`wrote ${flags.out}\n`);
  } else {
    cli.io.out(script);
  }
  return ExitCode.ok;
}

async function countCommand(cli: CliContext, flags: CommonFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  const settings = await settingsOf(cli);
  const { db } = await cli.open(await cli.target(flags));
  const result = await countTestRows(db, settings);
  if (format === 'json') {
    cli.io.out(`${JSON.stringify({ command: 'testdata count', target: db.displayUrl, ...result }, null, 2)}\n`);
  } else {
    const width = Math.max(5, ...result.tables.map((t) => t.table.length));
    for (const t of result.tables) cli.io.out(`${t.table.padEnd(width)}  ${String(t.count).padStart(9)}${t.problem ? `  (${t.problem})` : ''}\n`);
    cli.io.out(`${'total'.padEnd(width)}  ${String(result.total).padStart(9)}\n`);
  }
  return ExitCode.ok;
}

async function listCommand(cli: CliContext, flags: ListFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  const olderThanHours = positiveNumber(flags.olderThan, '--older-than');
  const limit = positiveNumber(flags.limit, '--limit', true);
  const settings = await settingsOf(cli);
  const { db } = await cli.open(await cli.target(flags));
  const result = await listTestRows(db, settings, { olderThanHours, limit });
  if (format === 'json') {
    cli.io.out(`${JSON.stringify({ command: 'testdata list', target: db.displayUrl, ...result }, null, 2)}\n`);
  } else {
    for (const row of result.rows) {
      cli.io.out(`${row.table}  key ${row.key}  created ${row.createdAt ?? '-'}  age ${row.ageHours ?? '-'} h\n`);
    }
    cli.io.out(`${result.rows.length} test row${result.rows.length === 1 ? '' : 's'}\n`);
    for (const p of result.problems) cli.io.err(`warning: ${p}\n`);
  }
  return ExitCode.ok;
}

async function cleanupCommand(cli: CliContext, flags: CleanupFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  const olderThanHours = positiveNumber(flags.olderThan, '--older-than');
  const limit = positiveNumber(flags.limit, '--limit', true);
  const batchSize = positiveNumber(flags.batchSize, '--batch-size', true);
  const settings = await settingsOf(cli);
  const target = await cli.target(flags);
  const { db } = await cli.open(target);
  const progress = cli.io.stderrIsTTY && format === 'text';
  const result = await cleanupTestData(db, settings, {
    dryRun: flags.dryRun,
    olderThanHours,
    limit,
    batchSize,
    environmentKind: target.expectedKind,
    onProgress: progress
      ? (p) => cli.io.err(`\r${p.table}: ${p.deleted}/${p.candidates} deleted (total ${p.totalDeleted}/${p.totalCandidates})\x1b[K`)
      : undefined,
  });
  if (progress && result.batches > 0) cli.io.err('\n');
  if (format === 'json') {
    cli.io.out(`${JSON.stringify({ command: 'testdata cleanup', target: db.displayUrl, ...result }, null, 2)}\n`);
  } else {
    cli.io.out(renderCleanup(result, cli.io.colors()));
  }
  return result.tables.some((t) => t.skippedBatches > 0) ? ExitCode.failed : ExitCode.ok;
}

async function verifyCommand(cli: CliContext, flags: CommonFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  const settings = await settingsOf(cli);
  const { db } = await cli.open(await cli.target(flags));
  const result = await verifyTestData(db, settings);
  if (format === 'json') {
    cli.io.out(`${JSON.stringify({ command: 'testdata verify', target: db.displayUrl, ...result }, null, 2)}\n`);
  } else {
    const c = cli.io.colors();
    cli.io.out(renderChecklist(result.checks, c));
    cli.io.out(`Test rows: ${result.total}, stale: ${result.stale}, unknown age: ${result.unknownAge}, marker NULL: ${result.markerNull}\n`);
    if (result.tablesWithoutColumn.length) cli.io.out(`Tables without ${settings.column}: ${result.tablesWithoutColumn.join(', ')}\n`);
    if (result.tablesWithoutIndex.length) cli.io.out(`Tables without an index on ${settings.column}: ${result.tablesWithoutIndex.join(', ')}\n`);
    cli.io.out(`Cleanup recommended: ${result.cleanupRecommended ? c.red(c.bold('YES')) : c.green('NO')}\n`);
  }
  return result.cleanupRecommended || result.checks.some((check) => check.status === 'fail') ? ExitCode.failed : ExitCode.ok;
}

async function summaryCommand(cli: CliContext, flags: CommonFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  const settings = await settingsOf(cli);
  const { db } = await cli.open(await cli.target(flags));
  const summary = await testDataSummary(db, settings);
  cli.io.out(format === 'json' ? `${JSON.stringify(summary, null, 2)}\n` : renderSummary(summary, cli.io.colors()));
  return ExitCode.ok;
}

async function auditCommand(cli: CliContext, flags: AuditFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  const sinceMs = parseDuration(flags.since);
  if (sinceMs === undefined) throw new UsageError(`--since expects a duration such as 30m, 1h, 2d (got "${flags.since}")`);
  const settings = await settingsOf(cli);
  const { db } = await cli.open(await cli.target(flags));
  const result = await auditRealChanges(db, settings, { sinceMs, updatedColumn: flags.updatedColumn });
  if (format === 'json') {
    cli.io.out(`${JSON.stringify({ command: 'testdata audit', target: db.displayUrl, ...result }, null, 2)}\n`);
  } else {
    cli.io.out(`Real (non-test) rows changed since ${result.since}:\n`);
    for (const t of result.tables) {
      const updated = t.updated === null ? '-' : String(t.updated);
      cli.io.out(`  ${t.table}: ${t.inserted} inserted, ${updated} updated${t.problem ? `  (${t.problem})` : ''}\n`);
    }
    cli.io.out(`Total: ${result.inserted} inserted, ${result.updated} updated\n`);
    const flipped = result.tables.filter((t) => (t.becameTest ?? 0) > 0);
    if (flipped.length > 0) {
      cli.io.out(cli.io.colors().yellow('Marked as test data but created before the window and updated in it (real rows flipped to test?):\n'));
      for (const t of flipped) cli.io.out(`  ${t.table}: ${t.becameTest}\n`);
    }
  }
  return ExitCode.ok;
}
