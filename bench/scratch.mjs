// The scratch-database helpers the database benchmarks share: the server they use and one-off SQL.
import pg from 'pg';

/** The server benchmarks create their scratch databases on. */
export const BENCH_ADMIN_URL = process.env.PRODGUARD_BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

/** `url` with its database name replaced. */
export function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs `text` on its own connection and returns the rows. */
export async function sql(url, text) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}
