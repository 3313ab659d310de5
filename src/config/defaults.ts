/**
 * The config that applies when there is no config file, without loading the schema (zod), so
 * commands that run with no config file start faster. test/config/defaults.test.ts requires it
 * to equal `configSchema.parse({})`, so a default changed in the schema fails a test until it is
 * changed here too.
 */
import type { ProdguardConfig } from './schema.js';

/** A fresh copy of the defaults: callers may change what they get. */
export function defaultConfig(): ProdguardConfig {
  return {
    environments: [],
    session: {},
    lint: { rules: {}, templateValues: {}, failOn: 'error' },
    preflight: { longTransaction: 60_000 },
    integrity: { critical: [], expect: {} },
    backup: { dir: '.prodguard/backups', maxAge: 86_400_000 },
  } as ProdguardConfig;
}
