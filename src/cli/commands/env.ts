import type { Command } from 'commander';
import type { EnvironmentKind } from '../../config/schema.js';
import { ExitCode, UsageError } from '../../errors.js';
import { markIdentity, readIdentity } from '../../identity/environment.js';
import type { CliContext } from '../context.js';
import { addFormatOption, addTargetOptions, kindOption, type TargetOptions } from '../options.js';

interface MarkFlags extends TargetOptions {
  as?: EnvironmentKind;
  name?: string;
  force?: boolean;
  format?: string;
}

interface ShowFlags extends TargetOptions {
  format?: string;
}

export function register(program: Command, cli: CliContext): void {
  const env = program
    .command('env')
    .description("record or show a database's environment identity (the prodguard.environment table)")
    .addHelpText(
      'after',
      `
Examples:
  $ prodguard env mark --db "$PRODUCTION_DATABASE_URL" --as production --name production
  $ prodguard env show --env staging`,
    );

  const mark = env
    .command('mark')
    .description('write what this database is into prodguard.environment (name, kind, marked_at, marked_by)')
    .addOption(kindOption('--as <kind>', 'the kind of environment').makeOptionMandatory())
    .option('--name <name>', 'environment name (default: the --env name, else the database name)')
    .option('--force', 're-mark a database recorded as production as something else');
  addTargetOptions(mark);
  addFormatOption(mark, ['text', 'json']);
  mark
    .addHelpText(
      'after',
      `
Marking a database already marked production as anything else requires --force (exit 1 without it).

Examples:
  $ prodguard env mark --db postgresql://app@db-staging/app --as staging --name staging
  $ prodguard env mark --env test --as test`,
    )
    .action(async (flags: MarkFlags) => {
      cli.exitCode = await markCommand(cli, flags);
    });

  const show = env.command('show').description("print the database's recorded identity (exit 1 when unmarked)");
  addTargetOptions(show);
  addFormatOption(show, ['text', 'json']);
  show
    .addHelpText(
      'after',
      `
Examples:
  $ prodguard env show --db pglite://./.prodguard/demo
  $ prodguard env show --env production --format json`,
    )
    .action(async (flags: ShowFlags) => {
      cli.exitCode = await showCommand(cli, flags);
    });
}

async function markCommand(cli: CliContext, flags: MarkFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  if (!flags.as) throw new UsageError('--as <kind> is required');
  const target = await cli.target(flags);
  const { db } = await cli.open(target);
  const result = await markIdentity(db, {
    kind: flags.as,
    name: flags.name ?? target.environment?.name,
    force: flags.force ?? false,
  });
  if (format === 'json') {
    cli.io.out(`${JSON.stringify({ target: db.displayUrl, ...result }, null, 2)}\n`);
  } else {
    const { identity, previous } = result;
    const was = previous ? ` (was "${previous.name}", ${previous.kind})` : '';
    cli.io.out(`marked ${db.displayUrl} as "${identity.name}" (${identity.kind})${was}\n`);
  }
  return ExitCode.ok;
}

async function showCommand(cli: CliContext, flags: ShowFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  const target = await cli.target(flags);
  const { db } = await cli.open(target);
  const identity = await db.transaction((tx) => readIdentity(tx), { readOnly: true });
  if (format === 'json') {
    cli.io.out(`${JSON.stringify({ target: db.displayUrl, identity: identity ?? null }, null, 2)}\n`);
  } else if (identity) {
    cli.io.out(`${db.displayUrl}: "${identity.name}" (${identity.kind}), marked by ${identity.markedBy} at ${identity.markedAt}\n`);
  } else {
    cli.io.out(`${db.displayUrl}: not marked (run: prodguard env mark --as <kind>)\n`);
  }
  return identity ? ExitCode.ok : ExitCode.failed;
}
