import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll } from 'vitest';

/** The test Redis: PRODGUARD_TEST_REDIS_URL, else the local server. */
export function redisUrl(): string {
  return process.env.PRODGUARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
}

export interface TestRedis {
  url: string;
  /** A prefix unique to this test file; every key the test writes starts with it. */
  prefix: string;
  client: Redis;
}

/**
 * Connects to the test Redis and fails loudly when it is unreachable (Redis tests are never
 * skipped). Keys under the returned prefix are deleted after the file.
 */
export async function connectTestRedis(): Promise<TestRedis> {
  const url = redisUrl();
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`Redis tests need a server at ${url} (set PRODGUARD_TEST_REDIS_URL): ${(error as Error).message}`);
  }
  const prefix = `prodguard-test:${randomBytes(4).toString('hex')}:`;
  afterAll(async () => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length > 0) await client.del(...keys);
    client.disconnect();
  });
  return { url, prefix, client };
}
