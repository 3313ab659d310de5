import { main } from '../../src/cli/main.js';
import { memoryIo } from '../../src/cli/io.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in-process, exactly as the bin does (same main, same redacting output), and
 * returns the exit code and everything it wrote.
 */
export async function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const env = { ...options.env, NO_COLOR: '1' } as NodeJS.ProcessEnv;
  const io = memoryIo(env);
  const code = await main(args, { io, cwd: options.cwd ?? process.cwd() });
  return { code, stdout: io.stdout(), stderr: io.stderr() };
}
