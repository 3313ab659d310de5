import pg from 'pg';
import { ConnectionError } from '../errors.js';
import { redactText } from '../redact/secrets.js';
import { isConnectionLost, toConnectionError, toDatabaseError } from './errors.js';
import {
  beginStatement,
  type Db,
  type Queryable,
  type QueryResult,
  type SessionSettings,
  type TransactionOptions,
} from './types.js';
import { type PostgresTarget, sslOptionsFor } from './url.js';

// Return int8 and numeric as strings is node-postgres' safe default; counts are cast to int where
// needed. Dates stay strings too, so snapshots and reports never shift time zones.
const RAW_TYPES = {
  getTypeParser: (oid: number, format?: string) => {
    const DATE_OIDS = new Set([1082, 1114, 1184]);
    if (DATE_OIDS.has(oid)) return (value: string) => value;
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

function toResult<Row>(result: pg.QueryResult): QueryResult<Row> {
  return {
    rows: result.rows as Row[],
    rowCount: result.rowCount ?? result.rows.length,
    fields: result.fields.map((f) => ({ name: f.name })),
  };
}

class PgQueryable implements Queryable {
  constructor(
    private readonly client: pg.PoolClient | pg.Pool,
    private readonly onError: (error: unknown) => Error,
  ) {}

  async query<Row = Record<string, unknown>>(sql: string, params: readonly unknown[] = []): Promise<QueryResult<Row>> {
    try {
      return toResult<Row>(await this.client.query({ text: sql, values: params as unknown[], types: RAW_TYPES }));
    } catch (error) {
      throw this.onError(error);
    }
  }

  async exec(sql: string): Promise<void> {
    try {
      await this.client.query(sql);
    } catch (error) {
      throw this.onError(error);
    }
  }
}

/**
 * node-postgres adapter. Session settings travel in the startup packet, so every pooled
 * connection has application_name, lock_timeout, statement_timeout and
 * idle_in_transaction_session_timeout before its first query.
 */
export class PgDb implements Db {
  readonly kind = 'postgres' as const;
  readonly displayUrl: string;
  readonly settings: Readonly<SessionSettings>;
  private readonly pool: pg.Pool;
  private readonly secrets: string[];
  private readonly root: PgQueryable;
  private closed = false;

  private constructor(target: PostgresTarget, settings: SessionSettings, secrets: string[]) {
    this.displayUrl = target.displayUrl;
    this.settings = settings;
    this.secrets = secrets;
    const options = target.options;
    this.pool = new pg.Pool({
      host: target.host,
      port: target.port,
      database: target.database,
      user: target.user ?? process.env.PGUSER ?? 'postgres',
      password: target.password ?? process.env.PGPASSWORD,
      ssl: sslOptionsFor(target.sslMode),
      max: settings.maxConnections,
      connectionTimeoutMillis: settings.connectTimeoutMs,
      idleTimeoutMillis: 10_000,
      application_name: settings.applicationName,
      statement_timeout: settings.statementTimeoutMs || undefined,
      lock_timeout: settings.lockTimeoutMs || undefined,
      idle_in_transaction_session_timeout: settings.idleInTransactionSessionTimeoutMs || undefined,
      options: options.get('options') ?? undefined,
    } as pg.PoolConfig);
    // An idle client that loses its server (restart, pg_terminate_backend) must not crash the process.
    this.pool.on('error', () => undefined);
    this.root = new PgQueryable(this.pool, (e) => this.wrap(e));
  }

  /** Opens a pool and checks one connection, so an unreachable server fails here with a clear reason. */
  static async open(target: PostgresTarget, settings: SessionSettings, secrets: string[]): Promise<PgDb> {
    const db = new PgDb(target, settings, secrets);
    let client: pg.PoolClient;
    try {
      client = await db.pool.connect();
    } catch (error) {
      await db.pool.end().catch(() => undefined);
      throw toConnectionError(error, target.displayUrl, secrets);
    }
    client.on('error', () => undefined);
    client.release();
    return db;
  }

  private wrap(error: unknown): Error {
    if (error instanceof ConnectionError) return error;
    if (isConnectionLost(error)) {
      const message = redactText(error instanceof Error ? error.message : String(error), this.secrets);
      return new ConnectionError(this.displayUrl, 'other', `connection lost: ${message}`, {
        hint: 'the server closed the connection; work in the open transaction was rolled back by the server',
      });
    }
    return toDatabaseError(error, this.secrets);
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    return this.root.query<Row>(sql, params);
  }

  exec(sql: string): Promise<void> {
    return this.root.exec(sql);
  }

  private async checkout(): Promise<pg.PoolClient> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toConnectionError(error, this.displayUrl, this.secrets);
    }
    // A checked-out client whose server goes away (pg_terminate_backend, restart, network) emits
    // 'error'; without a listener that would crash the process. The failing query reports it.
    if (client.listenerCount('error') === 0) client.on('error', () => undefined);
    return client;
  }

  async withConnection<T>(fn: (conn: Queryable) => Promise<T>): Promise<T> {
    const client = await this.checkout();
    let broken: Error | undefined;
    try {
      return await fn(new PgQueryable(client, (e) => this.wrap(e)));
    } catch (error) {
      if (isConnectionLost(error) || (error instanceof ConnectionError)) broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
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
    const client = await this.checkout();
    const tx = new PgQueryable(client, (e) => this.wrap(e));
    let broken: Error | undefined;
    try {
      await tx.exec(beginStatement(options));
      let result: T;
      try {
        result = await fn(tx);
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
        });
        throw error;
      }
      await tx.exec(alwaysRollback ? 'ROLLBACK' : 'COMMIT');
      return result;
    } catch (error) {
      if (error instanceof ConnectionError) broken = error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end().catch(() => undefined);
  }
}
