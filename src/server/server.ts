/**
 * The dashboard's HTTP server (node:http, no framework): the page at `/`, the JSON API under
 * `/api/`, server-sent events at `/api/events`. Every response passes through the sources'
 * redaction; every request is authorised first.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { renderPage } from '../html/page.js';
import type { TestdataView } from '../html/types.js';
import { UsageError } from '../errors.js';
import { hostHeaderAllowed, isLoopbackHost, presentedToken, tokenMatches, unprotectedBind } from './auth.js';
import { redactingReplacer, redactValues } from '../redact/values.js';
import type { DashboardSources } from './sources.js';

export interface DashboardOptions {
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** Required when `host` is not a loopback address; checked on every request when set. */
  token?: string | undefined;
  /** How often live test-data figures are re-read for subscribers, in ms. */
  intervalMs: number;
  /** Event streams open at once (default MAX_EVENT_STREAMS); more are answered 503. */
  maxStreams?: number;
  title?: string;
}

export interface RunningDashboard {
  /** `http://host:port/`, without the token. */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** The JSON API, as `GET /api` lists it. */
export const API_ENDPOINTS = [
  { path: '/api/environments', description: 'each environment: identity, reachability, last deploy, promotion gate' },
  { path: '/api/testdata?env=NAME', description: 'test-data counts per table and in total, age buckets, hourly trend, stale rows, alerts' },
  { path: '/api/integrity', description: 'stored snapshots and compare results' },
  { path: '/api/verify?env=NAME', description: 'the latest verify run and the history' },
  { path: '/api/deploys?env=NAME', description: 'the deploy ledger with phases and durations' },
  { path: '/api/deploys?env=NAME&run=ID', description: "one run's full deploy report" },
  { path: '/api/lint', description: "lint findings for the project's migrations, with the rule docs" },
  { path: '/api/events?env=NAME', description: 'server-sent events: "testdata" with the /api/testdata body whenever it changes' },
] as const;

/** Each open event stream holds a socket and a file descriptor: a page (or a loop) must not exhaust them. */
export const MAX_EVENT_STREAMS = 32;

/**
 * What `serve --check` requests, derived from API_ENDPOINTS: the page, `/api`, and every endpoint
 * answered by one GET — per watched environment where it takes `env`, and only for views this build
 * offers. One run's report (needs an id) and the event stream (never ends) are left out.
 */
export function checkPaths(environments: readonly string[], views: readonly string[]): string[] {
  const paths = ['/', '/api'];
  for (const { path } of API_ENDPOINTS) {
    if (path.includes('run=') || path.startsWith('/api/events')) continue;
    const route = path.split('?')[0] ?? path;
    if (!path.includes('env=NAME')) {
      paths.push(route);
      continue;
    }
    if (!views.includes(route.slice('/api/'.length))) continue;
    for (const name of environments) paths.push(`${route}?env=${encodeURIComponent(name)}`);
  }
  return paths;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The latest test-data figures of one environment, shared by GET /api/testdata and the event
 * stream: a summary counts every test table, so a page opening the view (one API call, one
 * stream) or several pages following it cause one read, not one each.
 */
class TestdataCache {
  private latest: { view: TestdataView; readAt: number } | undefined;
  private reading: Promise<TestdataView> | undefined;

  constructor(private readonly read: () => Promise<TestdataView>) {}

  /** The figures, read again only when the latest are older than `maxAgeMs` (a read under way is shared). */
  get(maxAgeMs: number): Promise<TestdataView> {
    if (this.latest && performance.now() - this.latest.readAt < maxAgeMs) return Promise.resolve(this.latest.view);
    this.reading ??= (async () => {
      const readAt = performance.now();
      try {
        const view = await this.read();
        this.latest = { view, readAt };
        return view;
      } finally {
        this.reading = undefined;
      }
    })();
    return this.reading;
  }
}

/** One polling loop per environment, shared by every page that follows it. */
class LiveFeed {
  private readonly subscribers = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private last: { view: TestdataView; payload: string } | undefined;
  private reading = false;

  constructor(
    private readonly cache: TestdataCache,
    private readonly redact: (text: string) => string,
    private readonly intervalMs: number,
  ) {}

  add(response: ServerResponse): void {
    this.subscribers.add(response);
    if (this.last !== undefined) this.send(response, this.last.payload);
    if (!this.timer) {
      this.timer = setInterval(() => void this.tick(), this.intervalMs);
      void this.tick();
    }
  }

  remove(response: ServerResponse): void {
    this.subscribers.delete(response);
    if (this.subscribers.size === 0) this.stop();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.last = undefined;
  }

  private send(response: ServerResponse, payload: string): void {
    response.write(`event: testdata\ndata: ${payload}\n\n`);
  }

  private async tick(): Promise<void> {
    // A slow database must not pile up reads.
    if (this.reading) return;
    this.reading = true;
    try {
      // Strings are redacted before serialising: an escaped secret would slip past text redaction.
      // Figures read within the last half interval (by GET /api/testdata) are fresh enough.
      const view = redactValues(await this.cache.get(this.intervalMs / 2), this.redact);
      if (this.last === undefined || !sameFigures(view, this.last.view)) {
        const payload = JSON.stringify(view);
        this.last = { view, payload };
        for (const subscriber of this.subscribers) this.send(subscriber, payload);
      } else {
        for (const subscriber of this.subscribers) subscriber.write(': alive\n\n');
      }
    } catch {
      for (const subscriber of this.subscribers) subscriber.write(': read failed\n\n');
    } finally {
      this.reading = false;
    }
  }
}

/** Whether two reads show the same figures: generatedAt changes on every read and is ignored. */
function sameFigures(a: TestdataView, b: TestdataView): boolean {
  const figures = (view: TestdataView) => JSON.stringify({ ...view, summary: view.summary && { ...view.summary, generatedAt: undefined } });
  return figures(a) === figures(b);
}

function securityHeaders(response: ServerResponse, nonce?: string): void {
  const script = nonce ? `'nonce-${nonce}'` : "'none'";
  response.setHeader(
    'Content-Security-Policy',
    `default-src 'none'; script-src ${script}; style-src ${script}; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
  );
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('X-Frame-Options', 'DENY');
  // The token may be in the page's URL: never send it to another site.
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cache-Control', 'no-store');
}

/**
 * Starts the dashboard. Resolves once it listens.
 *
 * @throws Error when the port is taken or the host cannot be bound (the CLI maps it);
 *   refuses a non-loopback host without a token (the CLI checks that first, with exit 2), and
 *   UsageError when a name accepted as loopback turned out bound to another address.
 */
export async function startDashboard(sources: DashboardSources, options: DashboardOptions): Promise<RunningDashboard> {
  if (!isLoopbackHost(options.host) && !options.token) {
    throw new Error(`refusing to serve on ${options.host} without a token`);
  }
  const startedAt = new Date().toISOString();
  const feeds = new Map<string, LiveFeed>();
  const caches = new Map<string, TestdataCache>();
  const testdataCache = (environment: string): TestdataCache => {
    const read = sources.testdata?.bind(sources);
    if (!read) throw new HttpError(404, 'test-data figures are not available in this build');
    let cache = caches.get(environment);
    if (!cache) {
      cache = new TestdataCache(() => read(environment));
      caches.set(environment, cache);
    }
    return cache;
  };
  const sockets = new Set<Socket>();
  const streams = new Set<ServerResponse>();

  const environmentParam = (url: URL): string => {
    const names = sources.environmentNames();
    const wanted = url.searchParams.get('env') ?? names[0];
    if (wanted === undefined) throw new HttpError(404, 'no environments are watched');
    if (!names.includes(wanted)) throw new HttpError(404, `unknown environment "${wanted}" (watched: ${names.join(', ')})`);
    return wanted;
  };

  const api: Record<string, (url: URL) => Promise<unknown>> = {
    '/api': async () => ({ endpoints: API_ENDPOINTS, environments: sources.environmentNames(), views: sources.views() }),
    '/api/environments': () => sources.overview(),
    '/api/integrity': () => sources.integrity(),
    '/api/lint': () => sources.lint(),
    // Figures younger than the refresh interval are answered as they are (see TestdataCache).
    '/api/testdata': (url) => testdataCache(environmentParam(url)).get(options.intervalMs),
    '/api/verify': (url) => {
      if (!sources.verify) throw new HttpError(404, 'verify results are not available in this build');
      return sources.verify(environmentParam(url));
    },
    '/api/deploys': async (url) => {
      if (!sources.deploys) throw new HttpError(404, 'the deploy ledger is not available in this build');
      const environment = environmentParam(url);
      const run = url.searchParams.get('run');
      if (run === null) return sources.deploys(environment);
      if (!/^\d+$/.test(run) || !sources.deployReport) throw new HttpError(400, `run must be a run id (got "${run}")`);
      // An unreachable ledger is the database's state, not the server's fault: 503 with the reason.
      const report = await sources.deployReport(environment, Number(run)).catch((error: unknown) => {
        throw new HttpError(503, `cannot read the ledger of "${environment}": ${error instanceof Error ? error.message : String(error)}`);
      });
      if (!report) throw new HttpError(404, `no run #${run} in the ledger of "${environment}"`);
      return { environment, report };
    },
  };

  const sendJson = (response: ServerResponse, status: number, body: unknown): void => {
    // Each string is redacted before serialising: JSON escaping would hide a secret holding `"` or `\`.
    const text = JSON.stringify(body, redactingReplacer((t) => sources.redact(t)), 2);
    securityHeaders(response);
    response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
    response.end(`${text}\n`);
  };

  const page = (response: ServerResponse): void => {
    const nonce = randomBytes(16).toString('base64');
    const html = renderPage(
      redactValues(
        {
        mode: 'live',
        title: options.title ?? 'prodguard',
        generatedAt: startedAt,
        views: sources.views(),
        data: {},
        environments: sources.environmentNames(),
        refreshMs: options.intervalMs,
        },
        (t) => sources.redact(t),
      ),
      { nonce },
    );
    securityHeaders(response, nonce);
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(html);
  };

  const events = (request: IncomingMessage, response: ServerResponse, url: URL): void => {
    const environment = environmentParam(url);
    const cache = testdataCache(environment);
    if (request.method === 'HEAD') {
      // A HEAD asks whether the stream exists: headers only, and no subscriber.
      securityHeaders(response);
      response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8' });
      return void response.end();
    }
    let feed = feeds.get(environment);
    if (!feed) {
      feed = new LiveFeed(cache, (t) => sources.redact(t), options.intervalMs);
      feeds.set(environment, feed);
    }
    const maxStreams = options.maxStreams ?? MAX_EVENT_STREAMS;
    if (streams.size >= maxStreams) {
      // The page falls back to polling GET /api/testdata when its stream is refused.
      response.setHeader('Retry-After', String(Math.ceil(options.intervalMs / 1000)));
      throw new HttpError(503, `too many event streams open (${maxStreams}); poll GET /api/testdata instead`);
    }
    securityHeaders(response);
    response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
    response.write(`retry: ${options.intervalMs}\n\n`);
    streams.add(response);
    const subscribed = feed;
    subscribed.add(response);
    request.on('close', () => {
      streams.delete(response);
      subscribed.remove(response);
    });
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://dashboard.invalid');
    if (options.token) {
      if (!tokenMatches(presentedToken(request, url), options.token)) {
        response.setHeader('WWW-Authenticate', 'Bearer realm="prodguard"');
        return sendJson(response, 401, { error: 'a valid token is required (Authorization: Bearer <token> or ?token=<token>)' });
      }
    } else if (!hostHeaderAllowed(request)) {
      return sendJson(response, 403, { error: 'this dashboard answers only to localhost, 127.0.0.1 and [::1]' });
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return sendJson(response, 405, { error: 'the dashboard is read-only: GET only' });
    }
    const route = url.pathname.replace(/\/+$/, '') || '/';
    if (route === '/' || route === '/index.html') return page(response);
    if (route === '/favicon.ico') {
      response.writeHead(204);
      return void response.end();
    }
    if (route === '/api/events') return events(request, response, url);
    const handler = api[route];
    if (!handler) return sendJson(response, 404, { error: `no such page: ${route}`, endpoints: API_ENDPOINTS.map((e) => e.path) });
    sendJson(response, 200, await handler(url));
  };

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        response.end();
        return;
      }
      if (error instanceof HttpError) sendJson(response, error.status, { error: error.message });
      else sendJson(response, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const unprotected = unprotectedBind(address.address, options.token);
  if (unprotected) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    throw new UsageError(`refusing to serve on ${options.host}: ${unprotected}`, {
      code: 'PRODGUARD_TOKEN_REQUIRED',
      hint: 'pass --token <secret> (or set PRODGUARD_SERVE_TOKEN), or bind to 127.0.0.1',
    });
  }
  const hostForUrl = address.family === 'IPv6' || address.address.includes(':') ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostForUrl}:${address.port}/`,
    port: address.port,
    close() {
      closing ??= (async () => {
        for (const feed of feeds.values()) feed.stop();
        for (const stream of streams) stream.end();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          // Idle keep-alive sockets would hold close() open.
          for (const socket of sockets) socket.destroy();
        });
      })();
      return closing;
    },
  };
}
