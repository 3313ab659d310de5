import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import type { Db } from '../../src/db/types.js';
import { DEFAULT_SESSION_SETTINGS } from '../../src/db/types.js';
import { lintViewError } from '../../src/html/views.js';
import { dashboardSettings, ProjectSources, type WatchedEnvironment } from '../../src/server/sources.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

/** The dashboard's own sources, with a window on the connections they open. */
class ProbedSources extends ProjectSources {
  read<T>(environment: WatchedEnvironment, fn: (db: Db) => Promise<T>): Promise<T> {
    return this.withDb(environment, fn);
  }
}

let database: TestDatabase;
let environment: WatchedEnvironment;
let sources: ProbedSources;

beforeAll(async () => {
  database = await createTestDatabase('serve_sources');
  await database.sql('CREATE TABLE kept (id int)');
  environment = { name: 'staging', url: database.url, problem: undefined, config: undefined, settings: { ...DEFAULT_SESSION_SETTINGS } };
  sources = new ProbedSources({
    loaded: { file: undefined, dir: process.cwd(), config: defaultConfig(), warnings: [] },
    environments: [environment],
    lint: async () => lintViewError('not linted here'),
    redact: (text) => text,
    promotion: [],
    alerts: { alertThreshold: undefined, maxStale: undefined },
  });
});

afterAll(async () => {
  await sources?.close();
});

describe('the dashboard reads production in READ ONLY transactions', () => {
  it('its sessions report transaction_read_only = on', async () => {
    const rows = await sources.read(environment, (db) => db.query<{ ro: string }>(`SELECT current_setting('transaction_read_only') AS ro`).then((r) => r.rows));
    expect(rows[0]?.ro).toBe('on');
  });

  it('a write through a dashboard connection fails and changes nothing', async () => {
    await expect(sources.read(environment, (db) => db.exec('INSERT INTO kept VALUES (1)'))).rejects.toThrow(/read-only transaction/);
    await expect(sources.read(environment, (db) => db.exec('CREATE TABLE made_by_dashboard (id int)'))).rejects.toThrow(/read-only transaction/);
    expect(await database.sql('SELECT * FROM kept')).toEqual([]);
    expect(await database.sql(`SELECT to_regclass('made_by_dashboard') AS t`)).toEqual([{ t: null }]);
  });

  it('the views still read: environments and test data answer', async () => {
    const overview = await sources.overview();
    expect(overview.environments[0]).toMatchObject({ name: 'staging', reachable: true, error: null });
    const testdata = await sources.testdata('staging');
    expect(testdata.error).toBeNull();
  });
});

describe('the dashboard is light on the database', () => {
  it('its sessions are named prodguard-serve and cut statements at 10 s (or the config\'s lower timeout)', async () => {
    const rows = await sources.read(environment, (db) =>
      db.query<{ app: string; timeout: string }>(`SELECT current_setting('application_name') AS app, current_setting('statement_timeout') AS timeout`).then((r) => r.rows),
    );
    expect(rows[0]).toEqual({ app: 'prodguard-serve', timeout: '10s' });
    expect(dashboardSettings({ ...DEFAULT_SESSION_SETTINGS, statementTimeoutMs: 3_000 }).statementTimeoutMs).toBe(3_000);
    expect(dashboardSettings({ ...DEFAULT_SESSION_SETTINGS, statementTimeoutMs: 0 }).statementTimeoutMs).toBe(10_000);
  });
});

describe('latency', () => {
  it('is one round trip, not the opening of the connection (PGlite takes seconds to open)', async () => {
    const pglite: WatchedEnvironment = { name: 'local', url: 'pglite://memory', problem: undefined, config: undefined, settings: { ...DEFAULT_SESSION_SETTINGS } };
    const local = new ProbedSources({
      loaded: { file: undefined, dir: process.cwd(), config: defaultConfig(), warnings: [] },
      environments: [pglite],
      lint: async () => lintViewError('not linted here'),
      redact: (text) => text,
      promotion: [],
      alerts: { alertThreshold: undefined, maxStale: undefined },
    });
    try {
      const started = performance.now();
      const [status] = (await local.overview()).environments;
      const took = performance.now() - started;
      expect(status).toMatchObject({ name: 'local', reachable: true });
      // The first call opened the database; the latency must leave that out.
      expect(status?.latencyMs).toBeLessThan(took / 2);
      expect(await local.read(pglite, (db) => db.query<{ ro: string }>(`SELECT current_setting('transaction_read_only') AS ro`).then((r) => r.rows[0]?.ro))).toBe('on');
    } finally {
      await local.close();
    }
  }, 60_000);
});
