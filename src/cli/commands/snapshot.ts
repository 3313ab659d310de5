import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import { takeSnapshot } from '../../integrity/snapshot.js';
import type { CliContext } from '../context.js';
import { addTargetOptions, type TargetOptions } from '../options.js';

interface SnapshotFlags extends TargetOptions {
  out?: string;
  schema: string[];
  include: string[];
  exclude: string[];
  jobs: string;
  buckets: string;
  keysUpTo: string;
}

/** Collects a repeatable option; commas separate several values in one. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

export function integerFlag(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min) throw new UsageError(`${name} expects an integer ≥ ${min} (got "${value}")`);
  return n;
}

/** A one-line progress indicator on a terminal's stderr; nothing otherwise. */
export function progressReporter(cli: CliContext, what: string): ((done: number, total: number, label: string) => void) | undefined {
  if (!cli.io.stderrIsTTY) return undefined;
  return (done, total, label) => {
    cli.io.err(`\r\x1b[K${what} ${done}/${total} ${label}`);
    if (done === total) cli.io.err('\r\x1b[K');
  };
}

export function register(program: Command, cli: CliContext): void {
  const command = program
    .command('snapshot')
    .description('record row counts, key fingerprints and columns of every table in one consistent snapshot')
    .option('-o, --out <file>', 'write the snapshot JSON to this file (default: stdout)')
    .option('--schema <name>', 'schema to read (repeatable; default: every non-system schema)', collect, [])
    .option('--include <glob>', 'only tables matching table or schema.table (repeatable)', collect, [])
    .option('--exclude <glob>', 'skip tables matching table or schema.table (repeatable)', collect, [])
    .option('-j, --jobs <n>', 'connections reading in parallel, sharing one snapshot', '1')
    .option('--buckets <n>', 'store per-bucket counts and fingerprints so compare can say where rows went', '0')
    .option('--keys-up-to <n>', 'store every key of tables with at most N rows so compare can name missing keys', '0');
  addTargetOptions(command);
  command
    .addHelpText(
      'after',
      `
Critical entities (counted with a filter, e.g. rows not soft-deleted) come from config integrity.critical.
The document holds no credentials: database name, server version, identity, time and per-table figures.

Exit codes: 0 written, 2 usage or config error, 3 the database could not be read.

Examples:
  $ prodguard snapshot --env production --out before.json
  $ prodguard snapshot --db "$DATABASE_URL" --jobs 4 --buckets 1024 --keys-up-to 10000 -o before.json
  $ prodguard snapshot --schema app --exclude 'audit_*' --out before.json`,
    )
    .action(async (flags: SnapshotFlags) => {
      cli.exitCode = await snapshotCommand(cli, flags);
    });
}

async function snapshotCommand(cli: CliContext, flags: SnapshotFlags): Promise<number> {
  const jobs = integerFlag('--jobs', flags.jobs, 1);
  const buckets = integerFlag('--buckets', flags.buckets, 0);
  const keysUpTo = integerFlag('--keys-up-to', flags.keysUpTo, 0);
  const target = await cli.target(flags);
  const { config } = await cli.config();
  target.settings.maxConnections = Math.max(target.settings.maxConnections, jobs);
  const { db } = await cli.open(target);
  const doc = await takeSnapshot(db, {
    schemas: flags.schema,
    include: flags.include,
    exclude: flags.exclude,
    critical: config.integrity.critical,
    jobs,
    buckets,
    keysUpTo,
    onProgress: progressReporter(cli, 'snapshot'),
  });
  const json = `${JSON.stringify(doc, null, 2)}\n`;
  if (flags.out) {
    const file = path.resolve(cli.cwd, flags.out);
    writeFileSync(file, json);
    const rows = doc.tables.reduce((n, t) => n + t.rows, 0);
    const weak = doc.tables.filter((t) => t.weak).length;
    const weakNote = weak > 0 ? `, ${weak} without a primary key (whole-row fingerprint)` : '';
    cli.io.out(
      `snapshot of ${doc.database}: ${doc.tables.length} tables, ${rows} rows, ${doc.critical.length} critical entities${weakNote} in ${doc.durationMs} ms → ${flags.out}\n`,
    );
  } else {
    cli.io.out(json);
  }
  return ExitCode.ok;
}
