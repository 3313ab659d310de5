/** `redis` through ioredis: GET, HGET, or SCAN a key pattern and read each key; VALUE, KEY, COUNT. */
import { createRedactor } from '../../redact/redactor.js';
import { redactUrl } from '../../redact/secrets.js';
import type { VerifyCheck } from '../schema.js';
import { causeOf, type MeasureContext, type Measurement, resolved, Unmeasurable } from './common.js';

const redactor = createRedactor();

/** A value for a one-line detail: redacted first, then cut (a cut secret would escape the detectors). */
export function shorten(text: string, max = 40): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

export async function measureRedis(check: VerifyCheck, ctx: MeasureContext): Promise<Measurement> {
  const r = check.redis!;
  const { Redis } = await import('ioredis');
  const timeoutMs = r.timeout ?? check.timeout;
  const client = new Redis(resolved(r.url, 'redis.url'), {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  client.on('error', () => {
    // Reported through the failing command; without a listener ioredis logs to stderr.
  });
  const abort = () => client.disconnect();
  ctx.signal.addEventListener('abort', abort, { once: true });
  try {
    try {
      await client.connect();
    } catch (error) {
      throw new Unmeasurable(`cannot connect to ${redactUrl(r.url)}: ${causeOf(error)}`);
    }
    const missing = (key: string) => {
      if (r.default !== undefined) return r.default;
      throw new Unmeasurable(`key ${key} not found`);
    };
    if (r.get || r.hget) {
      const key = timeKey(r.get ?? r.hget!.key, ctx.now);
      const value = r.get ? await client.get(key) : await client.hget(key, r.hget!.field);
      const shown = value ?? missing(key);
      return { values: { VALUE: shown, KEY: key, COUNT: value === null ? 0 : 1 }, detail: `${key} = ${shorten(redactor.string(String(shown)))}` };
    }
    const pattern = timeKey(r.keys!, ctx.now);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
      if (keys.length > 100_000) throw new Unmeasurable(`more than 100000 keys match ${pattern}`);
    } while (cursor !== '0');
    keys.sort();
    const values = keys.length === 0 ? [] : r.field ? await Promise.all(keys.map((k) => client.hget(k, r.field!))) : await client.mget(keys);
    const items = keys.map((key, i) => ({ KEY: key, VALUE: values[i] ?? missing(key) }));
    return { values: { COUNT: keys.length }, items, detail: `${keys.length} key${keys.length === 1 ? '' : 's'} match ${pattern}` };
  } catch (error) {
    if (error instanceof Unmeasurable) throw error;
    throw new Unmeasurable(causeOf(error));
  } finally {
    ctx.signal.removeEventListener('abort', abort);
    client.disconnect();
  }
}


/**
 * Replaces time placeholders in a Redis key: `{minute}` (epoch minutes, as fixed-window rate
 * limiters key their counters), `{hour}`, `{day}`, `{second}`, `{epoch}` (seconds), `{date}` (YYYY-MM-DD, UTC).
 */
export function timeKey(key: string, now: number): string {
  const seconds = Math.floor(now / 1000);
  const values: Record<string, string> = {
    second: String(seconds),
    epoch: String(seconds),
    minute: String(Math.floor(seconds / 60)),
    hour: String(Math.floor(seconds / 3600)),
    day: String(Math.floor(seconds / 86400)),
    date: new Date(now).toISOString().slice(0, 10),
  };
  return key.replace(/\{(second|epoch|minute|hour|day|date)\}/g, (_m, name: string) => values[name] ?? '');
}
