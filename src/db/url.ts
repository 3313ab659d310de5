import { UsageError } from '../errors.js';
import { redactUrl } from '../redact/secrets.js';

export type SslMode = 'disable' | 'allow' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

export interface PostgresTarget {
  kind: 'postgres';
  /** The URL as given (contains credentials: never print it; print `displayUrl`). */
  url: string;
  displayUrl: string;
  host: string;
  port: number;
  database: string;
  user: string | undefined;
  password: string | undefined;
  sslMode: SslMode;
  /** Extra libpq-style query parameters that node-postgres understands are passed through. */
  options: URLSearchParams;
}

export interface PgliteTarget {
  kind: 'pglite';
  url: string;
  displayUrl: string;
  /** Directory of the database files; undefined for an in-memory database. */
  dataDir: string | undefined;
  database: string;
}

export type DatabaseTarget = PostgresTarget | PgliteTarget;

const SSL_MODES: readonly SslMode[] = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'];

/**
 * Parses a database URL: `postgres://` / `postgresql://` for servers, `pglite://memory` or
 * `pglite://./path` / `pglite:///abs/path` for the embedded database.
 *
 * @throws UsageError (with the redacted URL) when the URL cannot be used.
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const displayUrl = redactUrl(url);
  const trimmed = url.trim();
  if (/^pglite:/i.test(trimmed)) return parsePglite(trimmed, displayUrl);
  if (!/^postgres(ql)?:\/\//i.test(trimmed)) {
    throw new UsageError(`unsupported database URL ${displayUrl}`, {
      code: 'PRODGUARD_BAD_URL',
      hint: 'use postgresql://user@host:5432/dbname, or pglite://memory for the embedded database',
    });
  }
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch {
    throw new UsageError(`malformed database URL ${displayUrl}`, {
      code: 'PRODGUARD_BAD_URL',
      hint: 'percent-encode special characters in the user name and password (e.g. @ as %40)',
    });
  }
  const params = new URLSearchParams(parsed.searchParams);
  const sslModeRaw = (params.get('sslmode') ?? 'prefer').toLowerCase();
  if (!SSL_MODES.includes(sslModeRaw as SslMode)) {
    throw new UsageError(`unknown sslmode "${sslModeRaw}" in ${displayUrl}`, {
      code: 'PRODGUARD_BAD_URL',
      hint: `sslmode is one of ${SSL_MODES.join(', ')}`,
    });
  }
  params.delete('sslmode');
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username) || 'postgres';
  const hostParam = params.get('host');
  return {
    kind: 'postgres',
    url: trimmed,
    displayUrl,
    host: hostParam ?? (parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost'),
    port: parsed.port ? Number(parsed.port) : 5432,
    database,
    user: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
    sslMode: sslModeRaw as SslMode,
    options: params,
  };
}

function parsePglite(url: string, displayUrl: string): PgliteTarget {
  const rest = url.replace(/^pglite:(\/\/)?/i, '');
  if (rest === '' || rest === 'memory' || rest === 'memory/' || rest === ':memory:') {
    return { kind: 'pglite', url, displayUrl, dataDir: undefined, database: 'postgres' };
  }
  // pglite://./rel, pglite://rel/dir, pglite:///abs/dir
  const dataDir = rest.startsWith('/') ? rest : rest;
  return { kind: 'pglite', url, displayUrl, dataDir, database: 'postgres' };
}

/** The TLS options node-postgres needs for an sslmode, following libpq's meaning where it can. */
export function sslOptionsFor(mode: SslMode): false | { rejectUnauthorized: boolean } {
  switch (mode) {
    case 'disable':
    case 'allow':
    case 'prefer':
      // node-postgres cannot fall back from TLS to plain text, so `prefer` (libpq's default) and
      // `allow` connect without TLS; use `require` or stricter to insist on it.
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
    case 'verify-full':
      return { rejectUnauthorized: true };
  }
}
