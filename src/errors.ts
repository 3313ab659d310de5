/**
 * Typed errors. Every error a user can cause or fix carries a stable `code` and the exit code
 * the CLI maps it to. The CLI's single top-level catch prints `message` (and `hint`) for these,
 * never a stack; anything else is a bug and prints its stack.
 *
 * Exit codes: 0 passed, 1 failed, 2 usage or configuration error, 3 could not run.
 */

export const ExitCode = {
  ok: 0,
  failed: 1,
  usage: 2,
  couldNotRun: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface ProdguardErrorOptions {
  /** One actionable sentence: what to do about it. */
  hint?: string;
  cause?: unknown;
}

/** Base class of every error the user can act on. Messages must already be redacted. */
export class ProdguardError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  readonly hint: string | undefined;

  constructor(code: string, exitCode: ExitCode, message: string, options: ProdguardErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
    this.hint = options.hint;
  }
}

/** Wrong flags, unknown rule ids, missing paths: exit 2. */
export class UsageError extends ProdguardError {
  constructor(message: string, options: ProdguardErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'PRODGUARD_USAGE', ExitCode.usage, message, options);
  }
}

export interface ConfigProblem {
  /** Dotted key path, e.g. `environments.2.url`; empty for the whole file. */
  path: string;
  message: string;
}

/** A config file that cannot be read, parsed or validated: exit 2, listing every problem. */
export class ConfigError extends ProdguardError {
  readonly file: string | undefined;
  readonly problems: readonly ConfigProblem[];

  constructor(file: string | undefined, problems: readonly ConfigProblem[], options: ProdguardErrorOptions = {}) {
    const where = file ?? 'configuration';
    const lines = problems.map((p) => (p.path ? `  ${p.path}: ${p.message}` : `  ${p.message}`));
    const noun = problems.length === 1 ? 'problem' : 'problems';
    super('PRODGUARD_CONFIG_INVALID', ExitCode.usage, `${where}: ${problems.length} ${noun}\n${lines.join('\n')}`, options);
    this.file = file;
    this.problems = problems;
  }
}

export type ConnectionFailure =
  | 'auth-failed'
  | 'no-such-database'
  | 'refused'
  | 'host-not-found'
  | 'timeout'
  | 'ssl'
  | 'other';

/** The database could not be reached: exit 3. `url` is always the redacted form. */
export class ConnectionError extends ProdguardError {
  readonly url: string;
  readonly reason: ConnectionFailure;

  constructor(url: string, reason: ConnectionFailure, serverMessage: string, options: ProdguardErrorOptions = {}) {
    super('PRODGUARD_CONNECTION_FAILED', ExitCode.couldNotRun, `cannot connect to ${url}: ${serverMessage}`, options);
    this.url = url;
    this.reason = reason;
  }
}

/** A required program (pg_dump, git, ...) is not installed or not runnable: exit 3. */
export class MissingBinaryError extends ProdguardError {
  readonly binary: string;
  constructor(binary: string, message: string, options: ProdguardErrorOptions = {}) {
    super('PRODGUARD_MISSING_BINARY', ExitCode.couldNotRun, message, options);
    this.binary = binary;
  }
}

/** Work that ran out of time (a child process, a wait): exit 3. */
export class TimeoutError extends ProdguardError {
  constructor(message: string, options: ProdguardErrorOptions = {}) {
    super('PRODGUARD_TIMEOUT', ExitCode.couldNotRun, message, options);
  }
}

export interface DatabaseErrorDetails {
  sqlState?: string | undefined;
  detail?: string | undefined;
  hint?: string | undefined;
  /** 1-based character position in the query text, as the server reports it. */
  position?: number | undefined;
}

/**
 * An error the server (or PGlite) returned for a query: exit 3 (could not run). `sqlState` keeps
 * the SQLSTATE so capabilities can tell a lock timeout (55P03) or statement timeout (57014)
 * from a real failure.
 */
export class DatabaseError extends ProdguardError {
  readonly sqlState: string | undefined;
  readonly detail: string | undefined;
  readonly position: number | undefined;
  constructor(message: string, details: DatabaseErrorDetails = {}, options: ProdguardErrorOptions = {}) {
    const timedOut = details.sqlState === '57014' || details.sqlState === '55P03';
    super(timedOut ? 'PRODGUARD_TIMEOUT' : 'PRODGUARD_DATABASE_ERROR', ExitCode.couldNotRun, message, {
      hint: options.hint ?? details.hint,
      cause: options.cause,
    });
    this.sqlState = details.sqlState;
    this.detail = details.detail;
    this.position = details.position;
  }

  /** True for lock_timeout (55P03) and statement_timeout / cancel (57014). */
  get isTimeout(): boolean {
    return this.sqlState === '57014' || this.sqlState === '55P03';
  }
}

/** The command refuses to act (e.g. a protected database without the override): exit 1. */
export class RefusedError extends ProdguardError {
  constructor(message: string, options: ProdguardErrorOptions & { code?: string } = {}) {
    super(options.code ?? 'PRODGUARD_REFUSED', ExitCode.failed, message, options);
  }
}

export function isProdguardError(error: unknown): error is ProdguardError {
  return error instanceof ProdguardError;
}
