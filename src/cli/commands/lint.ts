import type { Command } from 'commander';
import { Option } from 'commander';
import { ExitCode, UsageError } from '../../errors.js';
import type { LoadedConfig } from '../../config/load.js';
import type { LintOptions, LintResult } from '../../lint/engine.js';
import { ParsePool } from '../../migrations/parse-pool.js';
import type { MigrationFile, MigrationLayout, TransactionMode } from '../../migrations/types.js';
import type { CliContext } from '../context.js';
import { addFailOnOption, addFormatOption, addReportOption, layoutOption } from '../options.js';
import { writeHtmlReport } from '../report-file.js';

interface LintFlags {
  format?: string;
  failOn?: 'error' | 'warning' | undefined;
  since?: string;
  pgVersion?: string;
  layout?: Exclude<MigrationLayout, 'stdin'>;
  transaction?: TransactionMode;
  report?: string;
}

const FORMATS = ['text', 'json', 'sarif', 'github'] as const;

export function register(program: Command, cli: CliContext): void {
  const command = program
    .command('lint')
    .description('lint migrations for statements that lose data, break running clients or lock tables')
    .argument('[paths...]', 'migration files, directories or globs; - reads stdin (default: config "migrations")')
    .option('--since <ref>', 'lint only migrations added or changed since this git ref (e.g. origin/main); the others are read as the applied schema')
    .option('--pg-version <major>', 'target PostgreSQL major version (default: config pgVersion, else 14)')
    .addOption(layoutOption())
    .addOption(
      new Option('--transaction <mode>', 'how the migration tool runs each file: wrapped in a transaction, as one query (implicit transaction when several statements), or statement by statement').choices(['per-file', 'implicit', 'none']),
    );
  addFormatOption(command, FORMATS);
  addFailOnOption(command);
  addReportOption(command);
  command
    .addHelpText(
      'after',
      `
Exit codes: 0 no errors (warnings allowed), 1 errors found (or warnings under --fail-on warning;
an unknown rule id in a prodguard-ignore comment is an unknown-rule error finding), 2 usage error
(no such path, no migrations in it, unknown rule id in config).

Migrations given together are one run: a table created by an earlier one is new for the later
ones. With --since, only the changed migrations are linted and the others are read first as the
schema already applied.

Examples:
  $ prodguard lint prisma/migrations
  $ prodguard lint --since origin/main                 # only the migrations this branch adds
  $ prodguard lint db/migrations --format sarif > lint.sarif
  $ prodguard lint prisma/migrations --report lint-report.html
  $ cat migration.sql | prodguard lint -
  $ prodguard lint 'supabase/migrations/*.sql' --pg-version 16 --fail-on warning`,
    )
    .action(async (paths: string[], flags: LintFlags) => {
      cli.exitCode = await lint(cli, paths, flags);
    });
}

/** The `migrations` config entry as path, layout and transaction mode (shared with `check`). */
export function configuredMigrations(loaded: LoadedConfig): { path?: string; layout?: Exclude<MigrationLayout, 'stdin'>; transaction?: TransactionMode } {
  const m = loaded.config.migrations;
  if (m === undefined) return {};
  if (typeof m === 'string') return { path: m };
  return { path: m.path, layout: m.layout, transaction: m.transaction };
}

export function readStdin(): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => (text += chunk));
    process.stdin.on('end', () => resolve(text));
    process.stdin.on('error', reject);
  });
}

/** What `prodguard lint` reads and finds; shared with the dashboard's Lint view and HTML reports. */
export interface LintRun {
  files: MigrationFile[];
  result: LintResult;
  loaded: LoadedConfig;
}

/**
 * Discovers and lints the given paths (default: config "migrations") with the config's settings.
 * @throws UsageError when there is nothing to lint or a path does not exist.
 */
export async function lintProject(
  cli: CliContext,
  paths: string[],
  flags: Omit<LintFlags, 'format' | 'failOn' | 'report'>,
  findingSink?: LintOptions['findingSink'],
): Promise<LintRun> {
  // The engine (every rule module), discovery and the config schema load side by side.
  const [loaded, { lintFiles }, { changedSince, discoverMigrations }] = await Promise.all([
    cli.config(),
    import('../../lint/engine.js'),
    import('../../migrations/discover.js'),
  ]);
  const configured = configuredMigrations(loaded);
  const inputs = paths.length > 0 ? paths : configured.path ? [configured.path] : [];
  if (inputs.length === 0) {
    throw new UsageError('no migrations to lint', {
      hint: 'give paths (prodguard lint prisma/migrations), - for stdin, or set "migrations" in prodguard.config',
    });
  }
  let pgVersion = loaded.config.pgVersion;
  if (flags.pgVersion !== undefined) {
    pgVersion = Number(flags.pgVersion);
    if (!Number.isInteger(pgVersion) || pgVersion < 9 || pgVersion > 30) {
      throw new UsageError(`--pg-version must be a PostgreSQL major version such as 14, got "${flags.pgVersion}"`);
    }
  }
  const cwd = paths.length > 0 ? cli.cwd : loaded.dir;
  const discovered = await discoverMigrations(inputs, {
    cwd,
    layout: flags.layout ?? configured.layout,
    transaction: flags.transaction ?? configured.transaction,
    readStdin,
  });
  if (discovered.length === 0) {
    // A path that holds no migration is a wrong path, not a clean run: CI must not pass on it.
    throw new UsageError(`no migrations found in ${inputs.join(', ')}`, {
      code: 'PRODGUARD_NO_MIGRATIONS',
      hint: 'give the directory that holds the migrations (prodguard lint prisma/migrations), a .sql file, or - for stdin',
    });
  }
  // With --since the other migrations are already applied: the engine reads them first as the
  // existing schema (what they created is not new; their types and enum values are known).
  // A changed migration that already existed at the ref (an old one edited) ran wherever the ref
  // was deployed: it is linted, but what it creates is not new for the migrations after it.
  let files = discovered;
  let context: MigrationFile[] = [];
  const edited = new Set<MigrationFile>();
  if (flags.since !== undefined) {
    const since = await changedSince(discovered, flags.since, cwd, { edited: true });
    files = discovered.filter((file) => file.layout === 'stdin' || since.changed.has(file.path));
    context = discovered.filter((file) => !files.includes(file));
    for (const file of files) if (since.edited.has(file.path)) edited.add(file);
  }
  // Worker threads parse ahead of the rules only for inputs big enough to repay starting them.
  let inputChars = 0;
  for (const file of discovered) inputChars += file.upText.length;
  const parsePool = ParsePool.start({ inputChars });
  let result: LintResult;
  try {
    result = await lintFiles(files, {
      pgVersion,
      ruleSettings: loaded.config.lint.rules,
      templateValues: loaded.config.lint.templateValues,
      parsePool,
      findingSink,
      context,
      edited,
    });
  } finally {
    await parsePool?.close();
  }
  return { files, result, loaded };
}

async function lint(cli: CliContext, paths: string[], flags: LintFlags): Promise<number> {
  const format = cli.format(flags.format, FORMATS);
  // The JSON report is rendered as the engine goes (the HTML report needs the findings whole).
  const stream = format === 'json' && !flags.report ? (await import('../../lint/report/json.js')).lintJsonStream(cli.io.redact) : undefined;
  const { files, result, loaded } = await lintProject(cli, paths, flags, stream?.add);
  if (flags.report) {
    const { lintView } = await import('../../html/views.js');
    await writeHtmlReport(cli, flags.report, { title: 'prodguard lint', views: { lint: lintView(result) } });
  }
  const report = await import('../../lint/report/index.js');
  const sources = new Map(files.map((f) => [f.path, f.text]));
  switch (format) {
    case 'json': {
      // With --report the result kept its findings: they go into a stream of their own.
      let json = stream;
      if (json === undefined) {
        json = report.lintJsonStream(cli.io.redact);
        json.add(result.findings);
      }
      for (const part of json.parts(result)) cli.io.outRedacted(part);
      break;
    }
    case 'sarif':
      // Each string value is redacted before it is serialised: whole-text redaction of the JSON
      // could cut an escape in half.
      cli.io.outRedacted(report.renderLintSarif(result, {}, cli.io.redact));
      break;
    case 'github':
      cli.io.outRedacted(report.renderLintGithub(result, cli.io.redact));
      break;
    default:
      cli.io.out(report.renderLintText(result, { color: cli.io.useColor(), cwd: cli.cwd, sources }));
  }
  // The flag wins over the config either way (`--fail-on error` with a config that says warning).
  const failOn = flags.failOn ?? loaded.config.lint.failOn ?? 'error';
  if (result.summary.errors > 0) return ExitCode.failed;
  if (failOn === 'warning' && result.summary.warnings > 0) return ExitCode.failed;
  return ExitCode.ok;
}
