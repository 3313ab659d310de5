import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ExitCode, isProdguardError } from '../errors.js';
import type { CliContext } from './context.js';
import { createIo, type Io } from './io.js';
import { COMMANDS } from './registry.js';

export interface MainOptions {
  io?: Io;
  cwd?: string;
}

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** The first argument that is not an option (or an option's value): the command's name. */
function requestedCommand(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--') return undefined;
    if (arg === '-c' || arg === '--config') {
      i++;
      continue;
    }
    if (arg.startsWith('-')) continue;
    if (arg === 'help') return argv[i + 1];
    return arg;
  }
  return undefined;
}

/**
 * Runs the CLI and resolves to its exit code: 0 passed, 1 failed, 2 usage or configuration
 * error, 3 could not run. Never calls process.exit and never throws.
 */
export async function main(argv: readonly string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? createIo(process.stdout, process.stderr, process.env);
  const wanted = requestedCommand(argv);
  if (wanted === undefined && (argv.includes('--version') || argv.includes('-V'))) {
    // Fast path: no command module, config or database code is loaded for --version.
    io.out(`${packageVersion()}\n`);
    return ExitCode.ok;
  }
  const { CliContext: Context } = await import('./context.js');
  const cli: CliContext = new Context(io, options.cwd ?? process.cwd());
  let exitCode: number = ExitCode.ok;
  const program = new Command('prodguard')
    .description('Keeps production PostgreSQL data safe through deployments and testing in production.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('-c, --config <file>', 'config file (default: prodguard.config.* found from the working directory upward)')
    .option('--no-color', 'disable colours (also NO_COLOR=1)')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      outputError: (text, write) => write(text),
    })
    .addHelpText(
      'after',
      `
Exit codes: 0 passed, 1 failed, 2 usage or configuration error, 3 could not run.

Examples:
  $ prodguard preflight --db pglite://memory
  $ prodguard env mark --db "$STAGING_DATABASE_URL" --as staging --name staging
  $ prodguard preflight --env staging --format json`,
    );
  program.hook('preAction', (thisCommand) => {
    const globals = thisCommand.opts<{ config?: string; color?: boolean }>();
    cli.configFile = globals.config;
    if (globals.color === false) io.setColor(false);
  });

  for (const entry of COMMANDS) {
    if (entry.name === wanted) {
      const mod = await entry.load();
      mod.register(program, cli);
    } else {
      program.command(entry.name).description(entry.summary);
    }
  }

  try {
    await program.parseAsync([...argv], { from: 'user' });
    exitCode = cli.exitCode;
  } catch (error) {
    exitCode = reportError(error, io);
  } finally {
    await cli.close().catch(() => undefined);
  }
  return exitCode;
}

function reportError(error: unknown, io: Io): number {
  if (error instanceof CommanderError) {
    // Help and version output are not errors; commander already printed them.
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') {
      return ExitCode.ok;
    }
    if (error.code === 'commander.executeSubCommandAsync') return ExitCode.usage;
    return ExitCode.usage;
  }
  if (isProdguardError(error)) {
    const c = io.colors();
    io.err(`${c.red('error')} ${c.dim(`[${error.code}]`)} ${error.message}\n`);
    if (error.hint) io.err(`  ${c.dim('hint:')} ${error.hint}\n`);
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.err(`prodguard crashed (this is a bug, not your input):\n${stack}\n`);
  io.err('Please report it with the command you ran and the output above.\n');
  return ExitCode.couldNotRun;
}
