/**
 * Running pg_dump and pg_restore: finding them, their versions, and the connection environment.
 * The password travels in PGPASSWORD, never on the command line (where `ps` would show it).
 */
import { spawn } from 'node:child_process';
import type { SessionSettings } from '../db/types.js';
import type { PostgresTarget } from '../db/url.js';
import { ExitCode, MissingBinaryError, ProdguardError, type ProdguardErrorOptions } from '../errors.js';
import { redactText } from '../redact/secrets.js';

/** pg_dump older than the server: it refuses to dump it. Exit 3, naming both versions. */
export class ToolVersionError extends ProdguardError {
  constructor(message: string, options: ProdguardErrorOptions = {}) {
    super('PRODGUARD_TOOL_TOO_OLD', ExitCode.couldNotRun, message, options);
  }
}

/** pg_dump or pg_restore ran and failed: exit 3 with the tool's own last words. */
export class ToolFailedError extends ProdguardError {
  constructor(message: string, options: ProdguardErrorOptions = {}) {
    super('PRODGUARD_TOOL_FAILED', ExitCode.couldNotRun, message, options);
  }
}

export interface ToolVersion {
  /** e.g. "15.20" */
  version: string;
  major: number;
}

export interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

const INSTALL_HINT =
  'install the PostgreSQL client tools of the server\'s major version or newer (e.g. apt install postgresql-client-16) and make sure they are on PATH';

/**
 * Runs a PostgreSQL client tool. Resolves with its exit code and output; never rejects for a
 * non-zero exit.
 *
 * @throws MissingBinaryError when the program is not on PATH.
 */
export function runTool(
  binary: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  onStderrLine?: (line: string) => void,
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (!onStderrLine) return;
      const lines = (partial + chunk).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) onStderrLine(line);
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        reject(new MissingBinaryError(binary, `${binary} was not found on PATH`, { hint: INSTALL_HINT }));
      } else {
        reject(new ToolFailedError(`cannot run ${binary}: ${error.message}`));
      }
    });
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** `pg_dump --version` → { version: "15.20", major: 15 }. @throws MissingBinaryError */
export async function toolVersion(binary: string, env: NodeJS.ProcessEnv): Promise<ToolVersion> {
  const run = await runTool(binary, ['--version'], env);
  const m = /\(PostgreSQL\)\s+(\d+)(?:\.(\d+))?/.exec(run.stdout);
  if (run.code !== 0 || !m) {
    throw new MissingBinaryError(binary, `${binary} --version did not report a PostgreSQL version (${run.stdout.trim() || run.stderr.trim()})`, {
      hint: INSTALL_HINT,
    });
  }
  return { version: m[2] ? `${m[1]}.${m[2]}` : (m[1] ?? ''), major: Number(m[1]) };
}

/** libpq environment for a target: everything the tools need, the password included, none of it on argv. */
export function libpqEnv(target: PostgresTarget, settings: SessionSettings, base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const key of ['PGSERVICE', 'PGSERVICEFILE', 'PGHOSTADDR', 'PGOPTIONS']) delete env[key];
  env.PGHOST = target.host;
  env.PGPORT = String(target.port);
  env.PGDATABASE = target.database;
  if (target.user) env.PGUSER = target.user;
  else env.PGUSER ??= 'postgres';
  if (target.password) env.PGPASSWORD = target.password;
  env.PGSSLMODE = target.sslMode;
  env.PGAPPNAME = settings.applicationName;
  if (settings.connectTimeoutMs > 0) env.PGCONNECT_TIMEOUT = String(Math.max(1, Math.ceil(settings.connectTimeoutMs / 1000)));
  return env;
}

/** The last lines of a tool's stderr, redacted, for an error message. */
export function toolErrorText(run: ToolRun, secrets: readonly string[] = []): string {
  const lines = run.stderr.trim().split('\n').filter(Boolean);
  return redactText(lines.slice(-5).join('\n') || `exit code ${run.code}`, secrets);
}
