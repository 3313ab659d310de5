import type { TransactionOptions } from '../db/types.js';
import { type ProdguardConfig, type TestDataConfig, testDataSchema } from '../config/schema.js';

/** The `testData` config with every default applied (also when the config has no `testData`). */
export type TestDataSettings = TestDataConfig;

/**
 * The effective test-data settings: config `testData` with defaults, or the defaults alone.
 * Accepts a whole config, a `testData` section (possibly partial, as written in a file), or nothing.
 */
export function testDataSettings(input?: ProdguardConfig | Partial<TestDataConfig> | undefined): TestDataSettings {
  const section = input && 'environments' in input ? (input as ProdguardConfig).testData : input;
  return testDataSchema.parse(section ?? {});
}

/** Age buckets of the summary, in hours: [from, to). Labels are what reports print. */
export const AGE_BUCKETS = [
  { label: '< 1 h', fromHours: 0, toHours: 1 },
  { label: '1–6 h', fromHours: 1, toHours: 6 },
  { label: '6–24 h', fromHours: 6, toHours: 24 },
  { label: '1–7 d', fromHours: 24, toHours: 168 },
  { label: '> 7 d', fromHours: 168, toHours: Number.POSITIVE_INFINITY },
] as const;

/**
 * How every read of test-data figures runs: read-only, and REPEATABLE READ so all of its
 * statements see one snapshot (READ COMMITTED would give each statement its own: a user and its
 * booking committed in between would be counted in one table and not the other).
 */
export const ONE_SNAPSHOT: TransactionOptions = Object.freeze({ readOnly: true, isolation: 'repeatable read' });
