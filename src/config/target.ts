import { ConfigError, UsageError } from '../errors.js';
import { DEFAULT_SESSION_SETTINGS, type SessionSettings } from '../db/types.js';
import { parseDatabaseUrl } from '../db/url.js';
import { hasPlaceholder, placeholderNames } from './interpolate.js';
import type { EnvironmentConfig, EnvironmentKind, ProdguardConfig, SessionConfig } from './schema.js';

export type TargetSource = '--db' | '--env' | 'DATABASE_URL' | 'config';

export interface ResolvedTarget {
  /** The URL to connect to (contains credentials: print only through redaction). */
  url: string;
  source: TargetSource;
  /** The config environment, when the target came from one. */
  environment: EnvironmentConfig | undefined;
  /** The kind this environment is declared as (or inferred from its name), if known. */
  expectedKind: EnvironmentKind | undefined;
  settings: SessionSettings;
}

export interface TargetFlags {
  db?: string | undefined;
  env?: string | undefined;
}

/**
 * Picks the database a command works on: `--db URL`, else `--env NAME` from config, else
 * `DATABASE_URL`, else the config's first environment.
 *
 * @throws UsageError when nothing names a database or `--env` is unknown;
 *   ConfigError when the chosen environment's URL has an unset `${VAR}`.
 */
export function resolveTarget(
  flags: TargetFlags,
  config: ProdguardConfig,
  configFile: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): ResolvedTarget {
  if (flags.db && flags.env) {
    // --db wins for the connection; --env still says what the caller expects it to be.
    const environment = findEnvironment(config, flags.env);
    return build(flags.db, '--db', environment, config);
  }
  if (flags.db) return build(flags.db, '--db', undefined, config);
  if (flags.env) {
    const environment = findEnvironment(config, flags.env);
    return build(environmentUrl(config, environment, configFile), '--env', environment, config);
  }
  const fromEnv = env.DATABASE_URL;
  if (fromEnv) return build(fromEnv, 'DATABASE_URL', undefined, config);
  const first = config.environments[0];
  if (first) return build(environmentUrl(config, first, configFile), 'config', first, config);
  throw new UsageError('no database given', {
    code: 'PRODGUARD_NO_DATABASE',
    hint: 'pass --db URL (e.g. --db pglite://memory) or --env NAME, set DATABASE_URL, or declare environments in prodguard.config.*',
  });
}

function findEnvironment(config: ProdguardConfig, name: string): EnvironmentConfig {
  const environment = config.environments.find((e) => e.name === name);
  if (!environment) {
    const known = config.environments.map((e) => e.name);
    throw new UsageError(`unknown environment "${name}"`, {
      code: 'PRODGUARD_UNKNOWN_ENVIRONMENT',
      hint: known.length > 0 ? `environments in config: ${known.join(', ')}` : 'declare environments in prodguard.config.*',
    });
  }
  return environment;
}

function environmentUrl(config: ProdguardConfig, environment: EnvironmentConfig, configFile: string | undefined): string {
  const index = config.environments.indexOf(environment);
  if (!environment.url) {
    throw new ConfigError(configFile, [{ path: `environments.${index}.url`, message: `environment "${environment.name}" has no url` }]);
  }
  if (hasPlaceholder(environment.url)) {
    const names = placeholderNames(environment.url);
    throw new ConfigError(configFile, [
      {
        path: `environments.${index}.url`,
        message: `environment variable ${names.join(', ')} is not set (needed for environment "${environment.name}")`,
      },
    ]);
  }
  return environment.url;
}

function build(url: string, source: TargetSource, environment: EnvironmentConfig | undefined, config: ProdguardConfig): ResolvedTarget {
  return {
    url,
    source,
    environment,
    expectedKind: environment ? environmentKind(environment) : undefined,
    settings: sessionSettings(config.session, environment?.session),
  };
}

/** The declared kind, or the kind the environment's name suggests. */
export function environmentKind(environment: EnvironmentConfig): EnvironmentKind | undefined {
  return environment.kind ?? kindFromName(environment.name);
}

/**
 * The kind a name suggests (a second signal only), by whole words of the name so that
 * "products" is not production: prod/production/prd/live, staging/stage/stg/preprod/uat,
 * test/testing/qa/ci/e2e, dev/development/local.
 */
export function kindFromName(name: string): EnvironmentKind | undefined {
  const words = name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z]+/)
    .filter(Boolean);
  const has = (...candidates: string[]) => words.some((w) => candidates.includes(w));
  if (has('prod', 'production', 'prd', 'live')) return 'production';
  if (has('staging', 'stage', 'stg', 'preprod', 'uat')) return 'staging';
  if (has('test', 'testing', 'tests', 'qa', 'ci', 'e2e')) return 'test';
  if (has('dev', 'development', 'local')) return 'development';
  return undefined;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1']);

/** host:port/database of a server URL (loopback names folded), or undefined for PGlite and bad URLs. */
function serverKey(url: string): string | undefined {
  try {
    const target = parseDatabaseUrl(url);
    if (target.kind !== 'postgres') return undefined;
    const host = target.host.toLowerCase();
    return `${LOOPBACK.has(host) ? 'localhost' : host}:${target.port}/${target.database}`;
  } catch {
    return undefined;
  }
}

/**
 * The config environment whose URL names the same server and database (host, port, database;
 * user and password ignored) as `url`: so `--db URL` of a database the config declares
 * production is still treated as production. Environments whose URL has an unset `${VAR}` are
 * skipped.
 */
export function environmentForUrl(config: ProdguardConfig, url: string): EnvironmentConfig | undefined {
  const key = serverKey(url);
  if (key === undefined) return undefined;
  return config.environments.find((e) => e.url !== undefined && !hasPlaceholder(e.url) && serverKey(e.url) === key);
}

/** True when the environment must refuse destructive work without an explicit override. */
export function isProtected(environment: EnvironmentConfig | undefined): boolean {
  if (!environment) return false;
  return environment.protected ?? environmentKind(environment) === 'production';
}

export function sessionSettings(...layers: (SessionConfig | undefined)[]): SessionSettings {
  const settings: SessionSettings = { ...DEFAULT_SESSION_SETTINGS };
  for (const layer of layers) {
    if (!layer) continue;
    if (layer.applicationName !== undefined) settings.applicationName = layer.applicationName;
    if (layer.lockTimeout !== undefined) settings.lockTimeoutMs = layer.lockTimeout;
    if (layer.statementTimeout !== undefined) settings.statementTimeoutMs = layer.statementTimeout;
    if (layer.idleInTransactionSessionTimeout !== undefined) {
      settings.idleInTransactionSessionTimeoutMs = layer.idleInTransactionSessionTimeout;
    }
    if (layer.connectTimeout !== undefined) settings.connectTimeoutMs = layer.connectTimeout;
    if (layer.maxConnections !== undefined) settings.maxConnections = layer.maxConnections;
  }
  return settings;
}
