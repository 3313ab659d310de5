import type { Command } from 'commander';
import { parseDuration } from '../../config/schema.js';
import { environmentKind, isProtected } from '../../config/target.js';
import { ExitCode, isProdguardError, ProdguardError, UsageError } from '../../errors.js';
import { lintView, lintViewError } from '../../html/views.js';
import type { LintView } from '../../html/types.js';
import { secretsOfUrl } from '../../redact/secrets.js';
import { isLoopbackHost } from '../../server/auth.js';
import { checkPaths, type RunningDashboard, startDashboard } from '../../server/server.js';
import { ProjectSources, watchedEnvironments } from '../../server/sources.js';
import type { CliContext } from '../context.js';
import { promotionOrder } from './deploy.js';
import { lintProject } from './lint.js';
import { integerFlag } from './snapshot.js';

/** The shortest live refresh allowed against a protected (production) database. */
const PROTECTED_MIN_INTERVAL_MS = 2_000;

interface ServeFlags {
  port: string;
  host: string;
  env?: string[];
  db?: string;
  token?: string;
  interval: string;
  check?: boolean;
  alertThreshold?: string;
  maxStale?: string;
}

export function register(program: Command, cli: CliContext): void {
  program
    .command('serve')
    .description('serve the web dashboard: environments, test data (live), integrity, verify, deploys, lint')
    .option('-p, --port <port>', 'port to listen on (0 picks a free one)', '4700')
    .option('--host <address>', 'address to bind; anything but loopback requires --token', '127.0.0.1')
    .option('--env <names...>', 'environments from config to watch (default: all of them)')
    .option('--db <url>', 'watch this database (shown as environment "db") instead of the config environments')
    .option('--token <token>', 'require this token on every request (default: $PRODGUARD_SERVE_TOKEN); required off loopback')
    .option('--interval <duration>', 'how often live test-data figures are re-read (at least 2s with a protected environment)', '5s')
    .option('--alert-threshold <n>', 'test data: alert when an environment holds more test rows than this')
    .option('--max-stale <n>', 'test data: alert when stale test rows exceed this (default 0)')
    .option('--check', 'start, request the page and every API endpoint once, print what answered, and stop')
    .addHelpText(
      'after',
      `
The page reads the JSON API it documents at /api (docs/serve.md). It binds to 127.0.0.1 unless --host says
otherwise; a non-loopback --host needs a token, sent as "Authorization: Bearer <token>" or ?token=<token>.
The server stops on Ctrl-C (SIGINT) or SIGTERM.

Exit codes: 0 stopped cleanly (--check: every endpoint answered and every environment was reachable),
1 --check: an endpoint failed, 2 usage error (non-loopback host without a token, unknown environment),
3 could not run (port taken; --check: an environment unreachable).

Examples:
  $ prodguard serve                                  # http://127.0.0.1:4700/
  $ prodguard serve --env staging --env production --port 8080
  $ PRODGUARD_SERVE_TOKEN=$(openssl rand -hex 24) prodguard serve --host 0.0.0.0
  $ prodguard serve --db "$DATABASE_URL" --check     # smoke test: every endpoint once, then exit`,
    )
    .action(async (flags: ServeFlags) => {
      cli.exitCode = await serve(cli, flags);
    });
}

async function serve(cli: CliContext, flags: ServeFlags): Promise<number> {
  const port = integerFlag('--port', flags.port, 0);
  if (port > 65_535) throw new UsageError(`--port must be at most 65535 (got ${port})`);
  const intervalMs = parseDuration(flags.interval);
  if (intervalMs === undefined || intervalMs < 200) {
    throw new UsageError(`--interval expects a duration of at least 200ms such as 2s or 1m (got "${flags.interval}")`);
  }
  const token = flags.token ?? (cli.env.PRODGUARD_SERVE_TOKEN || undefined);
  if (token !== undefined) {
    if (token.length < 8) throw new UsageError('--token must be at least 8 characters long');
    cli.io.addSecrets([token]);
  }
  if (!isLoopbackHost(flags.host) && !token) {
    throw new UsageError(`refusing to serve on ${flags.host} without a token: anyone who can reach it would see your databases' state`, {
      code: 'PRODGUARD_TOKEN_REQUIRED',
      hint: 'pass --token <secret> (or set PRODGUARD_SERVE_TOKEN), or keep the default --host 127.0.0.1',
    });
  }
  if (flags.db) cli.io.addSecrets(secretsOfUrl(flags.db));
  const loaded = await cli.config();
  const environments = watchedEnvironments(loaded, flags.env ?? [], flags.db, cli.env);
  for (const environment of environments) if (environment.url) cli.io.addSecrets(secretsOfUrl(environment.url));
  const guarded = environments.find((e) => isProtected(e.config) || (e.config && environmentKind(e.config) === 'production'));
  if (guarded && intervalMs < PROTECTED_MIN_INTERVAL_MS) {
    throw new UsageError(`--interval must be at least 2s while watching "${guarded.name}" (protected): each read counts its test tables`, {
      code: 'PRODGUARD_INTERVAL_TOO_SHORT',
      hint: 'use --interval 2s or more, or watch only unprotected environments with --env',
    });
  }

  let linting: Promise<LintView> | undefined;
  const lint = (): Promise<LintView> => {
    // One lint at a time: several tabs asking at once share the run.
    linting ??= lintProject(cli, [], {})
      .then(({ result }) => lintView(result))
      .catch((error: unknown) => {
        if (isProdguardError(error)) return lintViewError(error.hint ? `${error.message} (${error.hint})` : error.message);
        throw error;
      })
      .finally(() => (linting = undefined));
    return linting;
  };
  const alerts = {
    alertThreshold: flags.alertThreshold === undefined ? undefined : integerFlag('--alert-threshold', flags.alertThreshold, 0),
    maxStale: flags.maxStale === undefined ? undefined : integerFlag('--max-stale', flags.maxStale, 0),
  };
  const promotion = flags.db ? [] : promotionOrder(loaded);
  const sources = new ProjectSources({ loaded, environments, lint, redact: (text) => cli.io.redact(text), promotion, alerts });

  let running: RunningDashboard;
  try {
    running = await startDashboard(sources, { host: flags.host, port, token, intervalMs, title: 'prodguard' });
  } catch (error) {
    await sources.close();
    if (isProdguardError(error)) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EADDRNOTAVAIL' ? 'no such address on this machine' : (error as Error).message;
    throw new ProdguardError('PRODGUARD_CANNOT_LISTEN', ExitCode.couldNotRun, `cannot listen on ${flags.host}:${port}: ${reason}`, {
      hint: code === 'EADDRINUSE' ? 'pick another port with --port, or --port 0 for a free one' : undefined,
    });
  }
  // Listen for Ctrl-C before saying where we are: whoever reads the URL may stop us at once.
  const stopped = flags.check ? undefined : untilStopped();
  const watched = environments.map((e) => e.name).join(', ') || 'none';
  const auth = token ? ' (token required: Authorization: Bearer <token> or ?token=<token>)' : '';
  cli.io.out(`prodguard serve: ${running.url}${auth}\nwatching: ${watched}\n`);

  try {
    if (!stopped) return await selfCheck(cli, running, sources.environmentNames(), sources.views(), token);
    await stopped;
    cli.io.out('prodguard serve: stopped\n');
    return ExitCode.ok;
  } finally {
    await running.close();
    await sources.close();
  }
}

/** Resolves on Ctrl-C or SIGTERM. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/**
 * `--check`: requests the page and every endpoint as a browser would, prints one line each, and
 * says which environments are unreachable. Exit 3 when one is, 1 when an endpoint failed.
 */
async function selfCheck(cli: CliContext, running: RunningDashboard, environments: string[], views: string[], token: string | undefined): Promise<number> {
  const paths = checkPaths(environments, views);
  const headers: Record<string, string> = token ? { Authorization: `Bearer ${token}` } : {};
  let failed = false;
  let unreachable = false;
  const c = cli.io.colors();
  for (const path of paths) {
    const started = performance.now();
    let line: string;
    try {
      const response = await fetch(new URL(path, running.url), { headers });
      const body = await response.text();
      const took = Math.round(performance.now() - started);
      if (response.status !== 200) failed = true;
      const label = response.status === 200 ? c.green('200') : c.red(String(response.status));
      line = `${label} GET ${path} ${body.length} bytes ${took} ms`;
      if (path === '/api/environments' && response.status === 200) {
        const view = JSON.parse(body) as { environments: { name: string; reachable: boolean; error: string | null }[] };
        for (const env of view.environments) {
          if (!env.reachable) unreachable = true;
          line += `\n    ${env.reachable ? c.green('reachable  ') : c.red('unreachable')} ${env.name}${env.error ? `: ${env.error}` : ''}`;
        }
      }
    } catch (error) {
      failed = true;
      line = `${c.red('ERR')} GET ${path}: ${error instanceof Error ? error.message : String(error)}`;
    }
    cli.io.out(`${line}\n`);
  }
  if (unreachable) return ExitCode.couldNotRun;
  return failed ? ExitCode.failed : ExitCode.ok;
}
