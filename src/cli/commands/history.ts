import type { Command } from 'commander';
import type { Db } from '../../db/types.js';
import { readRuns } from '../../deploy/ledger.js';
import { renderHistoryText } from '../../deploy/render.js';
import type { DeployRun } from '../../deploy/types.js';
import { ExitCode, isProdguardError } from '../../errors.js';
import type { CliContext } from '../context.js';
import { addFormatOption, addTargetOptions, type TargetOptions } from '../options.js';
import { integerFlag } from './snapshot.js';

interface HistoryFlags extends TargetOptions {
  format?: string;
  limit: string;
}

export function register(program: Command, cli: CliContext): void {
  const command = program
    .command('history')
    .description('the recorded deploys (prodguard.runs), newest first, with their phases and outcomes')
    .option('-n, --limit <n>', 'at most this many runs', '50');
  addTargetOptions(command);
  addFormatOption(command, ['text', 'json']);
  command
    .addHelpText(
      'after',
      `
Each environment's ledger lives in its own database. With --env or --db one database is read; with
neither, every environment in the config (an environment that cannot be read is reported on stderr).

Exit codes: 0 read, 2 usage or config error, 3 no database could be read.

Examples:
  $ prodguard history --env production
  $ prodguard history --format json --limit 20
  $ prodguard history --db "$DATABASE_URL"`,
    )
    .action(async (flags: HistoryFlags) => {
      cli.exitCode = await historyCommand(cli, flags);
    });
}

async function historyCommand(cli: CliContext, flags: HistoryFlags): Promise<number> {
  const format = cli.format(flags.format, ['text', 'json'] as const);
  const limit = integerFlag('--limit', flags.limit, 1);
  const read = async (db: Db, environment?: string) => readRuns(db, { environment, limit });
  let runs: DeployRun[] = [];
  if (flags.db || flags.env) {
    const target = await cli.target(flags);
    const { db } = await cli.open(target);
    runs = await read(db, flags.env);
  } else {
    const { config } = await cli.config();
    if (config.environments.length === 0) {
      const target = await cli.target({});
      runs = await read((await cli.open(target)).db);
    } else {
      let readable = 0;
      let lastError: unknown;
      for (const environment of config.environments) {
        try {
          const { db } = await cli.open(await cli.target({ env: environment.name }));
          runs.push(...(await read(db, environment.name)));
          readable++;
        } catch (error) {
          if (!isProdguardError(error)) throw error;
          lastError = error;
          cli.io.err(`warning: ${environment.name}: ${error.message}\n`);
        }
      }
      if (readable === 0 && lastError) throw lastError;
      runs.sort((a, b) => b.finishedAt.localeCompare(a.finishedAt) || b.id - a.id);
      runs = runs.slice(0, limit);
    }
  }
  if (format === 'json') cli.io.out(`${JSON.stringify({ format: 'prodguard-history', version: 1, runs }, null, 2)}\n`);
  else cli.io.out(renderHistoryText(runs, cli.io.colors()));
  return ExitCode.ok;
}
