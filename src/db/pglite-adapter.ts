import { rmSync } from 'node:fs';
import { PGlite, type Transaction } from '@electric-sql/pglite';
import { ConnectionError } from '../errors.js';
import { toDatabaseError } from './errors.js';
import type { Db, Queryable, QueryResult, SessionSettings, TransactionOptions } from './types.js';
import { ensureTemplate, scratchDir, seedFromTemplate } from './pglite-template.js';
import type { PgliteTarget } from './url.js';

// Keep int8, numeric and date/time values as the server's text, as the node-postgres adapter does,
// so capabilities see the same JavaScript types on both adapters.
const TEXT_PARSERS = Object.fromEntries([20, 1700, 1082, 1114, 1184].map((oid) => [oid, (value: string) => value]));

type PgliteLike = Pick<PGlite, 'query' | 'exec'> | Transaction;

class PgliteQueryable implements Queryable {
  constructor(private readonly target: PgliteLike) {}

  async query<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
    try {
      const result = await this.target.query<Row>(sql, params as unknown[]);
      return {
        rows: result.rows,
        rowCount: result.affectedRows ?? result.rows.length,
        fields: result.fields.map((f) => ({ name: f.name })),
      };
    } catch (error) {
      throw toDatabaseError(error, []);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.target.exec(sql);
    } catch (error) {
      throw toDatabaseError(error, []);
    }
  }
}

/**
 * PGlite adapter: PostgreSQL compiled to WASM, in-process, one connection. Transactions are
 * serialised by PGlite's own mutex; inside `transaction(fn)` use only the `tx` given to `fn`.
 */
export class PgliteDb implements Db {
  readonly kind = 'pglite' as const;
  readonly displayUrl: string;
  readonly settings: Readonly<SessionSettings>;
  private readonly root: PgliteQueryable;
  private closed = false;
  /** A scratch directory that backs an in-memory database; removed on close. */
  private scratch: string | undefined;

  private constructor(
    private readonly pglite: PGlite,
    displayUrl: string,
    settings: SessionSettings,
    private readonly ownsInstance: boolean,
  ) {
    this.displayUrl = displayUrl;
    this.settings = settings;
    this.root = new PgliteQueryable(pglite);
  }

  static async open(target: PgliteTarget, settings: SessionSettings): Promise<PgliteDb> {
    let instance: PGlite;
    let scratch: string | undefined;
    try {
      const template = await ensureTemplate(async (dir) => {
        const fresh = await PGlite.create(dir);
        await fresh.close();
      });
      // pglite://memory is a throwaway copy of the template in a scratch directory: same
      // semantics (nothing survives close), a fraction of the start-up time of a new initdb.
      const dataDir = target.dataDir ?? (scratch = scratchDir());
      seedFromTemplate(template, dataDir);
      instance = await PGlite.create(dataDir, { parsers: TEXT_PARSERS });
    } catch (error) {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
      const message = error instanceof Error ? error.message : String(error);
      throw new ConnectionError(target.displayUrl, 'other', `cannot open the embedded database: ${message}`, {
        hint: 'check that the directory is writable and not opened by another process',
      });
    }
    const db = await PgliteDb.wrap(instance, target.displayUrl, settings, true);
    db.scratch = scratch;
    return db;
  }

  /**
   * Opens a database from a `dumpDataDir` tarball: in memory (`dataDir` undefined) or in a new,
   * empty directory. The instance is closed with the Db.
   */
  static async fromTarball(tarball: Uint8Array, dataDir: string | undefined, displayUrl: string, settings: SessionSettings): Promise<PgliteDb> {
    const options = { loadDataDir: new Blob([new Uint8Array(tarball)]), parsers: TEXT_PARSERS };
    let instance: PGlite;
    try {
      instance = dataDir === undefined ? await PGlite.create(options) : await PGlite.create(dataDir, options);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new ConnectionError(displayUrl, 'other', `cannot open the embedded database from the backup: ${message}`);
    }
    return PgliteDb.wrap(instance, displayUrl, settings, true);
  }

  /** The whole data directory as a gzipped tarball (PGlite's own dump tooling). */
  async dumpDataDir(): Promise<Uint8Array> {
    const blob = await this.pglite.dumpDataDir('gzip');
    return new Uint8Array(await blob.arrayBuffer());
  }

  /** Wraps an existing PGlite instance (tests and the library API); `close()` then leaves it open. */
  static async wrap(instance: PGlite, displayUrl: string, settings: SessionSettings, owns = false): Promise<PgliteDb> {
    const db = new PgliteDb(instance, displayUrl, settings, owns);
    await db.applySessionSettings();
    return db;
  }

  private async applySessionSettings(): Promise<void> {
    const s = this.settings;
    await this.root.query(
      `SELECT set_config('application_name', $1, false), set_config('lock_timeout', $2, false),
              set_config('statement_timeout', $3, false), set_config('idle_in_transaction_session_timeout', $4, false)`,
      [s.applicationName, `${s.lockTimeoutMs}ms`, `${s.statementTimeoutMs}ms`, `${s.idleInTransactionSessionTimeoutMs}ms`],
    );
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    return this.root.query<Row>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.root.exec(sql);
  }

  /**
   * PGlite has one connection, so session state stays put by construction. Not wrapped in
   * `pglite.runExclusive`: that holds PGlite's query mutex, which every query inside `fn` needs
   * too (a deadlock: the process exits with code 13, an unsettled top-level await).
   */
  withConnection<T>(fn: (conn: Queryable) => Promise<T>): Promise<T> {
    return fn(this.root);
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.runInTransaction(fn, options, false);
  }

  rollbackOnly<T>(fn: (tx: Queryable) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    return this.runInTransaction(fn, options, true);
  }

  private async runInTransaction<T>(
    fn: (tx: Queryable) => Promise<T>,
    options: TransactionOptions,
    alwaysRollback: boolean,
  ): Promise<T> {
    try {
      return await this.pglite.transaction(async (tx) => {
        const queryable = new PgliteQueryable(tx);
        const modes: string[] = [];
        if (options.isolation) modes.push(`ISOLATION LEVEL ${options.isolation.toUpperCase()}`);
        if (options.readOnly) modes.push('READ ONLY');
        if (modes.length > 0) await queryable.exec(`SET TRANSACTION ${modes.join(' ')}`);
        const result = await fn(queryable);
        if (alwaysRollback && !tx.closed) await tx.rollback();
        return result;
      });
    } catch (error) {
      throw error instanceof Error && 'exitCode' in error ? error : toDatabaseError(error, []);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.ownsInstance) await this.pglite.close().catch(() => undefined);
    if (this.scratch) rmSync(this.scratch, { recursive: true, force: true });
  }
}
