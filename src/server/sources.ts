/**
 * Where the dashboard's figures come from: each view calls the capability that owns the data
 * (identity, integrity, lint, test data, verify, deploy) against the watched environments.
 * Connections are opened lazily, kept for the server's life and reopened after a failure.
 */
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import type { EnvironmentConfig } from '../config/schema.js';
import { environmentKind, findEnvironment, isProtected, resolveTarget, sessionSettings } from '../config/target.js';
import { openDb } from '../db/open.js';
import { parseDatabaseUrl } from '../db/url.js';
import type { Db, SessionSettings } from '../db/types.js';
import { readIdentity } from '../identity/environment.js';
import { readIntegrityRecords } from '../integrity/store.js';
import { redactUrl } from '../redact/secrets.js';
import { integrityView } from '../html/views.js';
import { type DeploysView, type EnvironmentsView, type EnvironmentStatus, type IntegrityView, type LintView, STALE_ROWS_SHOWN, type TestdataView, type VerifyView, type ViewName } from '../html/types.js';
import { type PromotionEnvironment, type PromotionGateState, readPromotionGates } from '../deploy/gate.js';
import { readRunReport, readRuns } from '../deploy/ledger.js';
import type { DeployReport } from '../deploy/types.js';
import { type AlertRules, evaluateAlert } from '../testdata/monitor.js';
import { recommendations } from '../testdata/render.js';
import { testDataSettings } from '../testdata/settings.js';
import { listTestRows, testDataSummary } from '../testdata/summary.js';
import { readVerifyHistory } from '../verify/history.js';

/** One environment the dashboard watches. */
export interface WatchedEnvironment {
  name: string;
  /** The URL (with credentials: never sent to a page); undefined when it cannot be resolved. */
  url: string | undefined;
  /** Why the URL could not be resolved (e.g. an unset ${VAR}). */
  problem: string | undefined;
  config: EnvironmentConfig | undefined;
  settings: SessionSettings;
}

/** What the server asks for; a view whose method is missing is not offered. */
export interface DashboardSources {
  /** Names of the watched environments, in promotion order. */
  environmentNames(): string[];
  views(): ViewName[];
  overview(): Promise<EnvironmentsView>;
  integrity(): Promise<IntegrityView>;
  lint(): Promise<LintView>;
  testdata?(environment: string): Promise<TestdataView>;
  verify?(environment: string): Promise<VerifyView>;
  deploys?(environment: string): Promise<DeploysView>;
  /** One run's full report from the environment's ledger; undefined when there is no such run. */
  deployReport?(environment: string, id: number): Promise<DeployReport | undefined>;
  /** Removes every secret the process knows from a text about to leave the server. */
  redact(text: string): string;
  close(): Promise<void>;
}

/**
 * Resolves the environments to watch: `--db`, else the `--env` names, else every environment in
 * config. An environment whose URL cannot be resolved (an unset `${VAR}`) is still watched, with
 * the reason, so the dashboard can say so.
 *
 * @throws UsageError for an unknown `--env` name (exit 2, as for every other command).
 */
export function watchedEnvironments(loaded: LoadedConfig, names: string[], db: string | undefined, env: NodeJS.ProcessEnv): WatchedEnvironment[] {
  const { config } = loaded;
  for (const name of names) findEnvironment(config, name);
  const watched: WatchedEnvironment[] = [];
  if (db) {
    const target = resolveTarget({ db }, config, loaded.file, env);
    watched.push({ name: 'db', url: target.url, problem: undefined, config: undefined, settings: target.settings });
  }
  const chosen = names.length > 0 ? config.environments.filter((e) => names.includes(e.name)) : db ? [] : config.environments;
  for (const environment of chosen) {
    const settings = sessionSettings(config.session, environment.session);
    try {
      const target = resolveTarget({ env: environment.name }, config, loaded.file, env);
      watched.push({ name: environment.name, url: target.url, problem: undefined, config: environment, settings });
    } catch (error) {
      // A ConfigError lists its problems after a first line naming the file: keep the problem.
      const message = error instanceof Error ? (error.message.split('\n').at(-1)?.trim() ?? error.message) : String(error);
      watched.push({ name: environment.name, url: undefined, problem: message, config: environment, settings });
    }
  }
  return watched;
}

export interface ProjectSourcesOptions {
  loaded: LoadedConfig;
  environments: WatchedEnvironment[];
  /** Lints the project's migrations (the CLI's lint, with the config's settings). */
  lint: () => Promise<LintView>;
  redact: (text: string) => string;
  /** Environments in promotion order (`deploy.promotion`, else config order), for the gates. */
  promotion: PromotionEnvironment[];
  /** Test-data alert thresholds (as `monitor watch`). */
  alerts: AlertRules;
}

/** The longest a dashboard statement may run, whatever the config allows commands. */
export const DASHBOARD_STATEMENT_TIMEOUT_MS = 10_000;

/**
 * The dashboard's sessions: the environment's settings, but lighter on the database — two
 * connections, a connect timeout of at most 5 s, statements cut at 10 s (or the config's lower
 * value), and their own application_name so a DBA can tell dashboard reads from commands.
 */
export function dashboardSettings(settings: SessionSettings): SessionSettings {
  const configured = settings.statementTimeoutMs > 0 ? settings.statementTimeoutMs : Infinity;
  return {
    ...settings,
    applicationName: 'prodguard-serve',
    statementTimeoutMs: Math.min(configured, DASHBOARD_STATEMENT_TIMEOUT_MS),
    maxConnections: 2,
    connectTimeoutMs: Math.min(settings.connectTimeoutMs, 5_000),
  };
}

/**
 * Opens a database whose every transaction is READ ONLY (`default_transaction_read_only=on`): the
 * dashboard only looks, and a bug in a read must not be able to write to production. On a server
 * the setting travels in the startup packet (the URL's `options`), so every pooled connection has
 * it; PGlite has one connection, set once.
 */
export async function openReadOnly(url: string, settings: SessionSettings): Promise<Db> {
  const kind = parseDatabaseUrl(url).kind;
  if (kind === 'pglite') {
    const db = await openDb(url, { settings });
    await db.exec('SET default_transaction_read_only = on');
    return db;
  }
  const withOptions = new URL(url);
  const options = withOptions.searchParams.get('options');
  withOptions.searchParams.set('options', `${options ? `${options} ` : ''}-c default_transaction_read_only=on`);
  return openDb(withOptions.toString(), { settings });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The dashboard's data, read from the project's config, files and databases. */
export class ProjectSources implements DashboardSources {
  private readonly dbs = new Map<string, Promise<Db>>();
  private closed = false;

  constructor(private readonly options: ProjectSourcesOptions) {}

  environmentNames(): string[] {
    return this.options.environments.map((e) => e.name);
  }

  views(): ViewName[] {
    const self: DashboardSources = this;
    const views: ViewName[] = ['overview'];
    if (self.testdata) views.push('testdata');
    views.push('integrity');
    if (self.verify) views.push('verify');
    if (self.deploys) views.push('deploys');
    views.push('lint');
    return views;
  }

  redact(text: string): string {
    return this.options.redact(text);
  }

  environment(name: string): WatchedEnvironment | undefined {
    return this.options.environments.find((e) => e.name === name);
  }

  /** The environment's database, opened once; a failed open is forgotten so the next call retries. */
  protected db(environment: WatchedEnvironment): Promise<Db> {
    if (this.closed) return Promise.reject(new Error('the dashboard is shutting down'));
    if (!environment.url) return Promise.reject(new Error(environment.problem ?? 'no URL'));
    let opened = this.dbs.get(environment.name);
    if (!opened) {
      const settings = dashboardSettings(environment.settings);
      opened = openReadOnly(environment.url, settings);
      opened.catch(() => this.dbs.delete(environment.name));
      this.dbs.set(environment.name, opened);
    }
    return opened;
  }

  /** Runs `fn` on the environment's database; a connection that broke is dropped and reopened next time. */
  protected async withDb<T>(environment: WatchedEnvironment, fn: (db: Db) => Promise<T>): Promise<T> {
    const db = await this.db(environment);
    try {
      return await fn(db);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'PRODGUARD_CONNECTION_FAILED' || /terminat|connection|ECONNRESET|closed/i.test(messageOf(error))) {
        this.dbs.delete(environment.name);
        await db.close().catch(() => undefined);
      }
      throw error;
    }
  }

  private async status(environment: WatchedEnvironment): Promise<EnvironmentStatus> {
    const kind = environment.config ? (environmentKind(environment.config) ?? null) : null;
    const status: EnvironmentStatus = {
      name: environment.name,
      kind,
      protected: isProtected(environment.config),
      url: environment.url ? redactUrl(environment.url) : null,
      reachable: false,
      error: environment.problem ?? null,
      latencyMs: null,
      serverVersion: null,
      identity: null,
      identityMatches: null,
      lastDeploy: null,
      gate: null,
    };
    if (!environment.url) return status;
    try {
      await this.withDb(environment, async (db) => {
        // One round trip on an open connection: opening the pool (first call) is not latency.
        const started = performance.now();
        const version = await db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
        status.latencyMs = Math.round(performance.now() - started);
        status.reachable = true;
        status.serverVersion = version.rows[0]?.v ?? null;
        status.identity = (await readIdentity(db)) ?? null;
        status.lastDeploy = (await readRuns(db, { limit: 1 }))[0] ?? null;
      });
      if (status.identity && kind) status.identityMatches = status.identity.kind === kind;
    } catch (error) {
      status.error = messageOf(error);
    }
    return status;
  }

  async overview(): Promise<EnvironmentsView> {
    const environments = await Promise.all(this.options.environments.map((e) => this.status(e)));
    const gates = await this.gates(environments);
    for (const status of environments) status.gate = gates.find((g) => g.from === status.name) ?? null;
    return { generatedAt: new Date().toISOString(), environments };
  }

  /** The promotion gates between consecutive environments, read from the reachable ledgers. */
  private async gates(statuses: EnvironmentStatus[]): Promise<PromotionGateState[]> {
    const { promotion } = this.options;
    if (promotion.length < 2) return [];
    const reachable = new Set(statuses.filter((s) => s.reachable).map((s) => s.name));
    try {
      return await readPromotionGates(promotion, async (name) => {
        const environment = this.environment(name);
        if (!environment || !reachable.has(name)) return undefined;
        return this.db(environment).catch(() => undefined);
      });
    } catch {
      return [];
    }
  }

  private named(name: string): WatchedEnvironment {
    const environment = this.environment(name);
    if (!environment) throw new Error(`unknown environment "${name}"`);
    return environment;
  }

  async testdata(name: string): Promise<TestdataView> {
    const environment = this.named(name);
    try {
      const settings = testDataSettings(this.options.loaded.config);
      const { summary, staleRows } = await this.withDb(environment, async (db) => {
        const summary = await testDataSummary(db, settings);
        // Which rows are stale, oldest first — read only when there are some.
        const staleRows = summary.stale > 0 ? (await listTestRows(db, settings, { olderThanHours: summary.retentionHours, limit: STALE_ROWS_SHOWN })).rows : [];
        return { summary, staleRows };
      });
      const alert = evaluateAlert(summary, this.options.alerts, name);
      return { environment: name, summary, alerts: alert?.reasons ?? [], recommendations: recommendations(summary), staleRows, error: null };
    } catch (error) {
      return { environment: name, summary: null, alerts: [], recommendations: [], staleRows: [], error: messageOf(error) };
    }
  }

  async deploys(name: string): Promise<DeploysView> {
    const environment = this.named(name);
    try {
      // Each database keeps the ledger of the deploys made to it.
      const runs = await this.withDb(environment, (db) => readRuns(db, { limit: 50 }));
      return { environment: name, runs, reports: {}, error: null };
    } catch (error) {
      return { environment: name, runs: [], reports: {}, error: messageOf(error) };
    }
  }

  async verify(name: string): Promise<VerifyView> {
    const environment = this.named(name);
    try {
      // Runs are recorded in the database of the environment they verified.
      const history = await this.withDb(environment, (db) => readVerifyHistory(db, { limit: 20 }));
      return { environment: name, latest: history[0] ?? null, history, error: null };
    } catch (error) {
      return { environment: name, latest: null, history: [], error: messageOf(error) };
    }
  }

  deployReport(name: string, id: number): Promise<DeployReport | undefined> {
    return this.withDb(this.named(name), (db) => readRunReport(db, id));
  }

  async integrity(): Promise<IntegrityView> {
    const { loaded } = this.options;
    const base = loaded.dir;
    const integrityDir = path.resolve(base, loaded.config.integrity.dir);
    const backupDir = path.resolve(base, loaded.config.backup.dir);
    const records = readIntegrityRecords(integrityDir, backupDir);
    return integrityView(records, [loaded.config.integrity.dir, loaded.config.backup.dir], { expect: loaded.config.integrity.expect });
  }

  lint(): Promise<LintView> {
    return this.options.lint();
  }

  async close(): Promise<void> {
    this.closed = true;
    const opened = [...this.dbs.values()];
    this.dbs.clear();
    await Promise.all(opened.map(async (p) => (await p.catch(() => undefined))?.close()));
  }
}
