import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/postgres.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // A run with no tests, or with .only left in, is a failed run.
    passWithNoTests: false,
    allowOnly: false,
    pool: 'forks',
    maxWorkers: 2,
  },
});
