import { secretsOfUrl } from '../redact/secrets.js';
import { DEFAULT_SESSION_SETTINGS, type Db, type SessionSettings } from './types.js';
import { parseDatabaseUrl } from './url.js';

export interface OpenDbOptions {
  settings?: Partial<SessionSettings>;
}

/**
 * Opens a database by URL and checks that it answers. Adapters load lazily, so a command that
 * talks to a server never loads the WASM build of PGlite.
 *
 * @throws UsageError for a malformed URL, ConnectionError (redacted URL, server's reason) when
 *   the database cannot be reached.
 * @example
 * const db = await openDb('pglite://memory');
 * try { await db.query('SELECT 1'); } finally { await db.close(); }
 */
export async function openDb(url: string, options: OpenDbOptions = {}): Promise<Db> {
  const target = parseDatabaseUrl(url);
  const settings: SessionSettings = { ...DEFAULT_SESSION_SETTINGS, ...options.settings };
  if (target.kind === 'pglite') {
    const { PgliteDb } = await import('./pglite-adapter.js');
    return PgliteDb.open(target, settings);
  }
  const { PgDb } = await import('./pg-adapter.js');
  return PgDb.open(target, settings, secretsOfUrl(url));
}
