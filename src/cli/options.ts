import { type Command, Option } from 'commander';
import { ENVIRONMENT_KINDS } from '../config/kinds.js';

/** `--db URL` and `--env NAME`: how every command that needs a database picks one. */
export function addTargetOptions(command: Command): Command {
  return command
    .option('--db <url>', 'database URL (postgresql://…, pglite://memory, pglite://./dir)')
    .option('--env <name>', 'an environment from config (default: $DATABASE_URL, then the first environment)');
}

export function addFormatOption(command: Command, formats: readonly string[]): Command {
  return command.addOption(
    new Option('--format <format>', `output format (${formats.join(', ')})`).choices([...formats]),
  );
}

export function addFailOnOption(command: Command): Command {
  return command.addOption(
    // No commander default: a config's failOn applies only when the flag is not given.
    new Option('--fail-on <level>', 'exit 1 on findings of this level or worse (default: error)').choices(['error', 'warning']),
  );
}

/** The layouts a user can force with `--layout` (every recognised one but stdin). */
const FORCEABLE_LAYOUTS = ['prisma', 'drizzle', 'supabase', 'flyway', 'golang-migrate', 'dbmate', 'node-pg-migrate', 'plain'] as const;

/** `--layout <layout>`: force a migration layout instead of recognising it (lint, check). */
export function layoutOption(): Option {
  return new Option('--layout <layout>', 'force a migration layout instead of recognising it').choices([...FORCEABLE_LAYOUTS]);
}

export function kindOption(flags: string, description: string): Option {
  return new Option(flags, description).choices([...ENVIRONMENT_KINDS]);
}

export interface TargetOptions {
  db?: string;
  env?: string;
}

/** `--report FILE.html`: a self-contained HTML report (inline CSS, JS and data) besides the normal output. */
export function addReportOption(command: Command): Command {
  return command.option('--report <file>', 'also write a self-contained HTML report to this file (no network needed to view it)');
}
