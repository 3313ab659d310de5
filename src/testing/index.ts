/**
 * `prodguard/testing`: create test data in a real database from your tests, marked as test data,
 * and remove exactly what the test created afterwards — children before parents — so a test
 * against staging or production leaves nothing behind.
 *
 * @example
 * import { testData } from 'prodguard/testing';
 * const td = testData.fixture(pool, { afterEach });           // vitest or jest
 * it('books an appointment', async () => {
 *   const s = await td.session();
 *   const user = await s.insert('users', { email: 'test@example.com' });
 *   const appt = await s.insert('appointments', { user_id: user.id, starts_at: '2030-01-01T10:00Z' });
 *   expect(appt.user_id).toBe(user.id);
 * });                                                         // afterEach: both rows deleted
 */
import { loadConfig } from '../config/load.js';
import type { ProdguardConfig, TestDataConfig } from '../config/schema.js';
import { quoteIdent } from '../db/introspect.js';
import type { Queryable, QueryResult } from '../db/types.js';
import { RefusedError, UsageError } from '../errors.js';
import { closeBatch, deleteByKeySql, lockByKeySql, runBatch, selfReferencing } from '../testdata/cleanup.js';
import { assertTestDataAllowed, assertTriggersAllowed } from '../testdata/guard.js';
import { type TestDataSettings, testDataSettings } from '../testdata/settings.js';
import { childrenFirst, deleteTriggers, describeTables, foreignKeysInto, type TableInfo } from '../testdata/tables.js';

/**
 * What the session needs from a database client: a `pg` Client, Pool or PoolClient, or a
 * PGlite instance all have this `query`.
 */
export interface SqlClient {
  query(text: string, params?: unknown[]): Promise<{ rows: unknown[]; rowCount?: number | null; affectedRows?: number }>;
}

export interface TestDataSessionOptions {
  /** Test-data settings (a whole config or its `testData`); default: the prodguard config found from `cwd`. */
  config?: ProdguardConfig | Partial<TestDataConfig> | undefined;
  cwd?: string | undefined;
}

export interface CreatedRow {
  table: string;
  /** Primary-key value(s) of the row. */
  key: unknown;
}

export interface SessionCleanup {
  deleted: number;
  /** Rows kept because a row this session did not create references them (never cascaded into). */
  kept: CreatedRow[];
}

function queryableOf(client: SqlClient): Queryable {
  return {
    async query<Row>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
      const result = await client.query(sql, params ? [...params] : []);
      return { rows: result.rows as Row[], rowCount: result.rowCount ?? result.affectedRows ?? result.rows.length, fields: [] };
    },
    async exec(sql: string): Promise<void> {
      await client.query(sql);
    },
  };
}

/**
 * One test's test data. Inserts rows with the marker set, records what it created, and on
 * `cleanup()` deletes exactly those rows (children first), re-checking the marker.
 */
export class TestDataSession {
  private readonly client: SqlClient;
  private readonly db: Queryable;
  private readonly tables = new Map<string, TableInfo>();
  private readonly rows: { table: TableInfo; key: unknown }[] = [];

  private constructor(
    client: SqlClient,
    readonly settings: TestDataSettings,
  ) {
    this.client = client;
    this.db = queryableOf(client);
  }

  /**
   * Opens a session after checking the database: refuses one marked production unless
   * `testData.allowOnProduction`.
   *
   * @throws RefusedError (PRODGUARD_PROTECTED)
   */
  static async open(client: SqlClient, options: TestDataSessionOptions = {}): Promise<TestDataSession> {
    const settings = testDataSettings(options.config ?? (await loadConfig({ cwd: options.cwd ?? process.cwd() })).config);
    await assertTestDataAllowed(queryableOf(client), settings, 'create test data');
    return new TestDataSession(client, settings);
  }

  private async table(name: string): Promise<TableInfo> {
    const cached = this.tables.get(name);
    if (cached) return cached;
    const { rows } = await this.db.query<{ oid: string | null }>(`SELECT to_regclass($1)::oid::int8::text AS oid`, [name]);
    const oid = rows[0]?.oid;
    const [info] = oid ? await describeTables(this.db, [oid], this.settings.column, this.settings.createdAt) : [];
    if (!info) throw new UsageError(`table ${name} does not exist`);
    if (!info.marker.present) {
      throw new RefusedError(`${info.qualified} has no ${this.settings.column} column: rows created there could not be told apart from real data`, {
        code: 'PRODGUARD_NO_MARKER',
        hint: 'add it first: prodguard testdata install --tables ' + name,
      });
    }
    if (info.keyColumns.length !== 1) throw new UsageError(`${info.qualified} needs a single-column primary key for test-data sessions`);
    this.tables.set(name, info);
    return info;
  }

  /**
   * Inserts one row with the marker set and returns it (`RETURNING *`). The marker cannot be
   * overridden: `values` may not set it to anything but true.
   */
  async insert<Row extends Record<string, unknown> = Record<string, unknown>>(table: string, values: Record<string, unknown>): Promise<Row> {
    const info = await this.table(table);
    if (this.settings.column in values && values[this.settings.column] !== true) {
      throw new UsageError(`rows created through a test-data session are always test data (${this.settings.column} = true)`);
    }
    const columns = Object.keys(values).filter((c) => c !== this.settings.column);
    const params = columns.map((c) => values[c]);
    const list = [...columns.map(quoteIdent), quoteIdent(this.settings.column)].join(', ');
    const placeholders = [...columns.map((_, i) => `$${i + 1}`), 'true'].join(', ');
    const { rows } = await this.db.query<Row>(`INSERT INTO ${info.sql} (${list}) VALUES (${placeholders}) RETURNING *`, params);
    const row = rows[0]!;
    this.rows.push({ table: info, key: row[info.keyColumns[0]!] });
    return row;
  }

  /**
   * Records a row your application created (through its API, say) so cleanup removes it too. The
   * row must be marked as test data, or cleanup leaves it alone.
   */
  async track(table: string, key: unknown): Promise<void> {
    this.rows.push({ table: await this.table(table), key });
  }

  /** What this session created and has not cleaned up yet, in creation order. */
  get created(): CreatedRow[] {
    return this.rows.map((r) => ({ table: r.table.qualified, key: r.key }));
  }

  /**
   * Deletes exactly the rows this session created, children before parents (foreign keys from
   * pg_constraint), each `DELETE ... WHERE key = ANY ($1) AND <marker> AND NOT EXISTS (<a
   * referencing row>)`: a row someone else's row references is kept (and reported), never
   * cascaded into. Safe to call twice.
   *
   * @throws RefusedError (PRODGUARD_DELETE_TRIGGERS) when a DELETE trigger or rule not named in
   *   `testData.allowDeleteTriggers` would fire; nothing is deleted then.
   */
  async cleanup(): Promise<SessionCleanup> {
    const tables = [...new Map(this.rows.map((r) => [r.table.oid, r.table])).values()];
    assertTriggersAllowed(await deleteTriggers(this.db, tables), this.settings, 'clean up test data');
    const keys = await foreignKeysInto(this.db, tables, this.settings);
    let deleted = 0;
    const kept: CreatedRow[] = [];
    // The same batch as `testdata cleanup` (BEGIN; lock the rows FOR UPDATE; DELETE ... NOT EXISTS;
    // COMMIT) on one connection: a real row inserted meanwhile that references one of ours is
    // waited for and then keeps it, instead of being cascaded away.
    await onOneClient(this.client, async (conn) => {
      for (const table of childrenFirst(tables, keys)) {
        const key = quoteIdent(table.keyColumns[0]!);
        const referencedBy = keys.filter((fk) => fk.parentOid === table.oid);
        const deleteSql = `${deleteByKeySql(table, this.settings.column, referencedBy)} RETURNING x.${key}::text AS key`;
        const lockSql = lockByKeySql(table, this.settings.column);
        // A table that references itself: our rows may reference each other (10 ↔ 11); they go in
        // one statement, limited to those no row outside the session's references.
        const self = selfReferencing(table, referencedBy);
        const mine = this.rows.filter((r) => r.table.oid === table.oid).map((r) => String(r.key));
        let remaining = mine;
        const outcome = await runBatch(conn, this.settings.lockTimeout, async () => {
          await conn.query(lockSql, [mine]);
          const keys = self ? await closeBatch(conn, table, this.settings.column, referencedBy, mine) : mine;
          return keys.length === 0 ? [] : (await conn.query<{ key: string }>(deleteSql, [keys])).rows;
        });
        if (outcome) {
          deleted += outcome.rows.length;
          const gone = new Set(outcome.rows.map((r) => r.key));
          remaining = remaining.filter((k) => !gone.has(k));
        }
        const stillThere = await conn.query<{ key: string }>(
          `SELECT x.${key}::text AS key FROM ${table.from} x WHERE x.${key} = ANY ($1::${table.keyType ?? 'text'}[])`,
          [remaining],
        );
        for (const row of stillThere.rows) kept.push({ table: table.qualified, key: row.key });
      }
    });
    this.rows.length = 0;
    return { deleted, kept };
  }
}

interface PoolLike extends SqlClient {
  connect(): Promise<SqlClient & { release(error?: Error | boolean): void }>;
  idleCount: number;
}

/** A `pg` Pool (not a Client, whose connect() opens the connection, nor a PoolClient). */
function isPool(client: SqlClient): client is PoolLike {
  return typeof (client as Partial<PoolLike>).connect === 'function' && typeof (client as Partial<PoolLike>).idleCount === 'number';
}

/**
 * Runs `fn` on one connection: a client checked out of a Pool (BEGIN ... COMMIT must not be
 * spread over pooled connections), else the client itself. A client whose transaction failed is
 * released as broken, so the pool does not hand out a connection in an unknown state.
 */
async function onOneClient<T>(client: SqlClient, fn: (conn: Queryable) => Promise<T>): Promise<T> {
  if (!isPool(client)) return fn(queryableOf(client));
  const checkedOut = await client.connect();
  let failed: Error | undefined;
  try {
    return await fn(queryableOf(checkedOut));
  } catch (error) {
    failed = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    checkedOut.release(failed);
  }
}

export interface FixtureOptions extends TestDataSessionOptions {
  /** The test framework's afterEach (vitest or jest); default the global one when it exists. */
  afterEach?: ((fn: () => Promise<unknown>) => unknown) | undefined;
}

export interface TestDataFixture {
  /** The current test's session (created on first use). */
  session(): Promise<TestDataSession>;
  /** Cleans up the current session now (also what the afterEach hook does when autoCleanup is on). */
  cleanup(): Promise<SessionCleanup | undefined>;
}

type ClientSource = SqlClient | (() => SqlClient | Promise<SqlClient>);

/**
 * A per-test session for vitest or jest. With `testData.autoCleanup` on (the default) it
 * registers an afterEach hook that deletes what the test created, whether the test passed or not.
 */
function fixture(client: ClientSource, options: FixtureOptions = {}): TestDataFixture {
  let current: Promise<TestDataSession> | undefined;
  let settings: TestDataSettings | undefined;
  const resolveClient = async () => (typeof client === 'function' ? client() : client);
  const api: TestDataFixture = {
    session() {
      current ??= resolveClient().then((c) =>
        TestDataSession.open(c, options).then((s) => {
          settings = s.settings;
          return s;
        }),
      );
      return current;
    },
    async cleanup() {
      const pending = current;
      current = undefined;
      return pending ? (await pending).cleanup() : undefined;
    },
  };
  const hook = options.afterEach ?? (globalThis as { afterEach?: FixtureOptions['afterEach'] }).afterEach;
  if (!hook) {
    throw new UsageError('testData.fixture needs afterEach', { hint: "pass it: testData.fixture(pool, { afterEach }) with afterEach from 'vitest'" });
  }
  hook(async () => {
    const configured = settings ?? (options.config ? testDataSettings(options.config) : undefined);
    if (configured?.autoCleanup === false) {
      current = undefined;
      return;
    }
    await api.cleanup();
  });
  return api;
}

/** The entry point: `testData.session(client)` for manual control, `testData.fixture(client)` for tests. */
export const testData = {
  session: (client: SqlClient, options?: TestDataSessionOptions) => TestDataSession.open(client, options),
  fixture,
};

export type { TestDataSettings } from '../testdata/settings.js';
