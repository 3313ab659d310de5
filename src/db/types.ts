/**
 * The one database interface every capability uses. Two adapters implement it: node-postgres
 * for real servers and PGlite for the embedded default. Capabilities take a `Db`, never a URL.
 */

export interface QueryResult<Row> {
  rows: Row[];
  /** Rows affected (INSERT/UPDATE/DELETE) or returned. */
  rowCount: number;
  fields: { name: string }[];
}

export interface Queryable {
  /**
   * Runs one statement with `$1`-style parameters (extended protocol).
   * @throws DatabaseError with the server's message and SQLSTATE.
   */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>;
  /**
   * Runs a script of one or more statements without parameters (simple protocol), as psql does.
   * @throws DatabaseError
   */
  exec(sql: string): Promise<void>;
}

export type IsolationLevel = 'read committed' | 'repeatable read' | 'serializable';

export interface TransactionOptions {
  readOnly?: boolean;
  isolation?: IsolationLevel;
}

/** Session settings applied to every connection prodguard opens. Durations in milliseconds; 0 = no limit. */
export interface SessionSettings {
  applicationName: string;
  lockTimeoutMs: number;
  statementTimeoutMs: number;
  idleInTransactionSessionTimeoutMs: number;
  connectTimeoutMs: number;
  /** Pool size for real servers. */
  maxConnections: number;
}

export const DEFAULT_SESSION_SETTINGS: Readonly<SessionSettings> = Object.freeze({
  applicationName: 'prodguard',
  lockTimeoutMs: 5_000,
  statementTimeoutMs: 60_000,
  idleInTransactionSessionTimeoutMs: 60_000,
  connectTimeoutMs: 10_000,
  maxConnections: 4,
});

export type DbKind = 'postgres' | 'pglite';

export interface Db extends Queryable {
  readonly kind: DbKind;
  /** The URL with credentials redacted: safe to print. */
  readonly displayUrl: string;
  readonly settings: Readonly<SessionSettings>;
  /**
   * Runs `fn` inside one transaction on one connection. Commits when `fn` resolves, rolls back
   * when it throws (and rethrows). Read-only work passes `{ readOnly: true }`.
   */
  transaction<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs `fn` inside a transaction that is always rolled back, whatever `fn` does. */
  rollbackOnly<T>(fn: (tx: Queryable) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** Runs `fn` on one dedicated connection (session state such as SET or advisory locks stays put). */
  withConnection<T>(fn: (conn: Queryable) => Promise<T>): Promise<T>;
  /** Closes every connection. Safe to call twice. */
  close(): Promise<void>;
}

export function beginStatement(options: TransactionOptions = {}): string {
  const parts = ['BEGIN'];
  if (options.isolation) parts.push(`ISOLATION LEVEL ${options.isolation.toUpperCase()}`);
  if (options.readOnly) parts.push('READ ONLY');
  return parts.join(' ');
}
