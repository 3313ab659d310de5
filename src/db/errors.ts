import { ConnectionError, type ConnectionFailure, DatabaseError } from '../errors.js';
import { redactText } from '../redact/secrets.js';

interface ErrorLike {
  code?: unknown;
  message?: unknown;
  detail?: unknown;
  hint?: unknown;
  position?: unknown;
  errno?: unknown;
}

function field(error: unknown, key: keyof ErrorLike): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const value = (error as ErrorLike)[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Classifies why a connection attempt failed, from a server SQLSTATE or a Node socket error code. */
export function classifyConnectionFailure(error: unknown): ConnectionFailure {
  const code = field(error, 'code');
  const message = (field(error, 'message') ?? '').toLowerCase();
  switch (code) {
    case '28P01':
    case '28000':
      return 'auth-failed';
    case '3D000':
      return 'no-such-database';
    case 'ECONNREFUSED':
    case 'ECONNRESET':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host-not-found';
    case 'ETIMEDOUT':
      return 'timeout';
  }
  if (message.includes('timeout') || message.includes('timed out')) return 'timeout';
  if (message.includes('ssl') || message.includes('tls') || message.includes('certificate')) return 'ssl';
  if (message.includes('password authentication failed')) return 'auth-failed';
  if (message.includes('does not exist') && message.includes('database')) return 'no-such-database';
  return 'other';
}

const CONNECTION_HINTS: Record<ConnectionFailure, string> = {
  'auth-failed': 'check the user name and password in the URL (or PGPASSWORD / .pgpass)',
  'no-such-database': 'check the database name at the end of the URL; list databases with psql -l',
  refused: 'check that the server is running and that host and port are right',
  'host-not-found': 'check the host name in the URL',
  timeout: 'the server did not answer in time: check network access or raise session.connectTimeout',
  ssl: 'check sslmode in the URL (disable, require, verify-full) against what the server accepts',
  other: 'check the URL and that the server accepts connections',
};

function describe(error: unknown): string {
  const message = field(error, 'message');
  if (message) return message;
  // AggregateError from happy-eyeballs connects has an empty message; use the first inner error.
  const inner = (error as { errors?: unknown[] } | undefined)?.errors?.[0];
  if (inner) return describe(inner);
  const code = field(error, 'code');
  return code ?? String(error);
}

/** Turns a failed connect into a ConnectionError whose text carries only the redacted URL. */
export function toConnectionError(error: unknown, displayUrl: string, secrets: readonly string[]): ConnectionError {
  const reason = classifyConnectionFailure(error) === 'other' ? classifyInner(error) : classifyConnectionFailure(error);
  const serverMessage = redactText(describe(error), secrets);
  return new ConnectionError(displayUrl, reason, serverMessage, { hint: CONNECTION_HINTS[reason], cause: undefined });
}

function classifyInner(error: unknown): ConnectionFailure {
  const inner = (error as { errors?: unknown[] } | undefined)?.errors?.[0];
  return inner ? classifyConnectionFailure(inner) : 'other';
}

/** Wraps a query error (node-postgres or PGlite) into a DatabaseError with redacted text. */
export function toDatabaseError(error: unknown, secrets: readonly string[]): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const position = field(error, 'position');
  return new DatabaseError(redactText(describe(error), secrets), {
    sqlState: field(error, 'code'),
    detail: maybeRedact(field(error, 'detail'), secrets),
    hint: maybeRedact(field(error, 'hint'), secrets),
    position: position === undefined ? undefined : Number(position),
  });
}

function maybeRedact(text: string | undefined, secrets: readonly string[]): string | undefined {
  return text === undefined ? undefined : redactText(text, secrets);
}

/** True when a node-postgres / socket error means the connection itself is gone. */
export function isConnectionLost(error: unknown): boolean {
  const code = field(error, 'code');
  const message = (field(error, 'message') ?? '').toLowerCase();
  return (
    code === '57P01' || // admin_shutdown (pg_terminate_backend)
    code === '57P02' ||
    code === '57P03' ||
    code === '08006' ||
    code === '08003' ||
    code === 'ECONNRESET' ||
    code === 'EPIPE' ||
    message.includes('connection terminated') ||
    message.includes('client has encountered a connection error')
  );
}
