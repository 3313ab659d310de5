import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { ConnectionError, DatabaseError } from '../../src/errors.js';
import { createTestDatabase } from '../helpers/pg.js';

/** The same contract, checked against a real PostgreSQL server and against PGlite. */
const adapters: [string, () => Promise<Db>][] = [
  ['postgres', async () => openDb((await createTestDatabase('adapters')).url, { settings: { lockTimeoutMs: 1234, statementTimeoutMs: 45_000 } })],
  ['pglite', () => openDb('pglite://memory', { settings: { lockTimeoutMs: 1234, statementTimeoutMs: 45_000 } })],
];

describe.each(adapters)('%s adapter', (kind, open) => {
  let db: Db;
  beforeAll(async () => {
    db = await open();
    await db.exec('CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())');
  });
  afterAll(() => db.close());

  it('reports its kind and a printable URL', () => {
    expect(db.kind).toBe(kind);
    // A password, if the URL has one, shows only as ***.
    expect(db.displayUrl).not.toMatch(/:\/\/[^/@]*:(?!\*\*\*@)[^/@]*@/);
  });

  it('sets application_name, lock_timeout, statement_timeout and idle_in_transaction_session_timeout on the session', async () => {
    const { rows } = await db.query<Record<string, string>>(
      `SELECT current_setting('application_name') AS app, current_setting('lock_timeout') AS lock,
              current_setting('statement_timeout') AS stmt, current_setting('idle_in_transaction_session_timeout') AS idle`,
    );
    expect(rows[0]).toEqual({ app: 'prodguard', lock: '1234ms', stmt: '45s', idle: '1min' });
  });

  it('runs parameterised queries and keeps int8 and timestamps as text', async () => {
    const inserted = await db.query('INSERT INTO items (id, name) VALUES ($1, $2), ($3, $4)', [9007199254740993n.toString(), 'a', 2, 'b']);
    expect(inserted.rowCount).toBe(2);
    const { rows } = await db.query<{ id: string; created_at: string }>('SELECT id, created_at FROM items ORDER BY id DESC LIMIT 1');
    expect(rows[0]?.id).toBe('9007199254740993');
    expect(typeof rows[0]?.created_at).toBe('string');
  });

  it('commits a transaction and rolls it back when the function throws', async () => {
    await db.transaction(async (tx) => {
      await tx.query(`INSERT INTO items (id, name) VALUES (10, 'committed')`);
    });
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO items (id, name) VALUES (11, 'rolled back')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const { rows } = await db.query<{ id: string }>('SELECT id FROM items WHERE id IN (10, 11) ORDER BY id');
    expect(rows.map((r) => r.id)).toEqual(['10']);
  });

  it('rollbackOnly never keeps what ran inside it', async () => {
    const seen = await db.rollbackOnly(async (tx) => {
      await tx.query(`INSERT INTO items (id, name) VALUES (20, 'rehearsal')`);
      return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE id = 20')).rows[0]?.n;
    });
    expect(seen).toBe(1);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE id = 20');
    expect(rows[0]?.n).toBe(0);
  });

  it('read-only transactions refuse writes', async () => {
    const attempt = db.transaction((tx) => tx.query(`INSERT INTO items (id, name) VALUES (30, 'x')`), { readOnly: true });
    await expect(attempt).rejects.toBeInstanceOf(DatabaseError);
    await expect(attempt).rejects.toMatchObject({ sqlState: '25006' });
  });

  it('repeatable read read-only snapshots are consistent', async () => {
    const isolation = await db.transaction(
      async (tx) => (await tx.query<{ i: string }>(`SELECT current_setting('transaction_isolation') AS i`)).rows[0]?.i,
      { readOnly: true, isolation: 'repeatable read' },
    );
    expect(isolation).toBe('repeatable read');
  });

  it('turns SQL errors into DatabaseError with SQLSTATE and the server message', async () => {
    const error = await db.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ sqlState: '42P01', exitCode: 3 });
    expect((error as Error).message).toContain('no_such_table');
  });

  it('exec runs multi-statement scripts', async () => {
    await db.exec(`CREATE TABLE s1 (a int); INSERT INTO s1 VALUES (1); INSERT INTO s1 VALUES (2);`);
    const { rows } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM s1');
    expect(rows[0]?.n).toBe(2);
  });
});

describe('postgres adapter failures', () => {
  it('reports a statement timeout as a timeout (PGlite cannot interrupt a running statement)', async () => {
    const db = await openDb((await createTestDatabase('timeout')).url);
    onTestFinished(() => db.close());
    const error = await db
      .transaction(async (tx) => {
        await tx.exec(`SET LOCAL statement_timeout = '50ms'`);
        await tx.query('SELECT pg_sleep(2)');
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).isTimeout).toBe(true);
    expect((error as DatabaseError).code).toBe('PRODGUARD_TIMEOUT');
  });

  it('an unreachable port is a ConnectionError (refused) carrying only the redacted URL', async () => {
    const error = await openDb('postgresql://postgres:Sup3rSecret@127.0.0.1:1/x').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ reason: 'refused', exitCode: 3, code: 'PRODGUARD_CONNECTION_FAILED' });
    expect((error as Error).message).toContain('postgresql://postgres:***@127.0.0.1:1/x');
    expect(JSON.stringify(error) + String((error as Error).message) + String((error as Error).stack)).not.toContain('Sup3rSecret');
  });

  it('a missing database is reported as such', async () => {
    const { adminUrl, withDatabase } = await import('../helpers/pg.js');
    const error = await openDb(withDatabase(adminUrl(), 'prodguard_no_such_db')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ reason: 'no-such-database' });
    expect((error as Error).message).toContain('prodguard_no_such_db');
  });

  it('an unknown host is reported as host-not-found', async () => {
    const error = await openDb('postgresql://u@no-such-host.invalid:5432/x', { settings: { connectTimeoutMs: 5000 } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).reason).toBe('host-not-found');
  });

  it('a server that accepts but never answers is a timeout after session.connectTimeout', async () => {
    const net = await import('node:net');
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = Date.now();
      const error = await openDb(`postgresql://u:Sil3ntSecret@127.0.0.1:${port}/x`, { settings: { connectTimeoutMs: 500 } }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ConnectionError);
      expect((error as ConnectionError).reason).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(10_000);
      expect((error as Error).message).not.toContain('Sil3ntSecret');
    } finally {
      silent.close();
    }
  });

  it('a connection killed in the middle of a transaction is a ConnectionError and nothing of it is kept', async () => {
    const target = await createTestDatabase('killed');
    await target.sql('CREATE TABLE t (id int PRIMARY KEY)');
    const db = await openDb(target.url);
    try {
      const error = await db
        .transaction(async (tx) => {
          await tx.query('INSERT INTO t VALUES (1)');
          const pid = (await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid;
          await target.sql('SELECT pg_terminate_backend($1)', [pid]);
          await tx.query('INSERT INTO t VALUES (2)');
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(await target.sql('SELECT count(*)::int AS n FROM t')).toEqual([{ n: 0 }]);
      // The pool recovers: the next query gets a fresh connection.
      expect((await db.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
    } finally {
      await db.close();
    }
  });

  it('rejects an unsupported URL scheme or sslmode with a usage error', async () => {
    await expect(openDb('mysql://root:pw@localhost/x')).rejects.toMatchObject({ exitCode: 2, code: 'PRODGUARD_BAD_URL' });
    await expect(openDb('postgresql://u:pw@localhost/x?sslmode=sometimes')).rejects.toMatchObject({ exitCode: 2 });
    const error = await openDb('mysql://root:pw1234@localhost/x').catch((e: unknown) => e);
    expect((error as Error).message).not.toContain('pw1234');
  });
});
