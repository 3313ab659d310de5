import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, inject } from 'vitest';

/** The admin URL of the test server (PRODGUARD_TEST_DATABASE_URL or the embedded one). */
export function adminUrl(): string {
  return inject('pgAdminUrl');
}

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** `url` with a password set (trust-auth servers accept any password; the embedded one has its own). */
export function withPassword(url: string, password: string): string {
  const u = new URL(url);
  if (!u.password) u.password = password;
  return u.toString();
}

export async function adminQuery<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return (await client.query<R>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  /** Runs SQL in the test database (setup only; the code under test uses its own connections). */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, params?: unknown[]): Promise<R[]>;
  drop(): Promise<void>;
}

/**
 * Creates a fresh database on the test server for one test file or test, so tests run in
 * parallel without seeing each other. Dropped automatically after the file.
 */
export async function createTestDatabase(prefix = 't'): Promise<TestDatabase> {
  const name = `pg_${prefix.replace(/[^a-z0-9_]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl(), name);
  const db: TestDatabase = {
    name,
    url,
    async sql(text, params = []) {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return (await client.query(text, params)).rows;
      } finally {
        await client.end();
      }
    },
    async drop() {
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
  afterAll(() => db.drop());
  return db;
}
