import rule from '../../../src/lint/rules/prefer-robust-stmts.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    // In a transaction the file is all-or-nothing.
    'BEGIN;\nCREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN n int;\nCOMMIT;',
    { code: 'CREATE TABLE t (id bigint);\nDROP TABLE old;', transaction: 'per-file' },
    // The last statement of a file: if it fails, nothing of the file is applied.
    'DROP TABLE old;',
    "SET lock_timeout = '2s';\nALTER TABLE customers ADD COLUMN notes text;\n-- done",
    'ALTER TABLE t DROP COLUMN m, DROP CONSTRAINT t_m_check;',
    // Re-runnable forms.
    'CREATE TABLE IF NOT EXISTS t (id bigint);\nSELECT 1;',
    'CREATE INDEX CONCURRENTLY IF NOT EXISTS t_n_idx ON t (n);',
    'DROP INDEX IF EXISTS app.t_n_idx;\nCREATE INDEX CONCURRENTLY t_n_idx ON app.t (n);',
    // An unnamed CHECK / UNIQUE / FOREIGN KEY is added again under a new name: no failure.
    'ALTER TABLE t ADD CHECK (n > 0);\nSELECT 1;',
    // A DROP CONSTRAINT IF EXISTS inside a transaction still counts for a later ADD outside it.
    'BEGIN;\nALTER TABLE t DROP CONSTRAINT IF EXISTS c;\nCOMMIT;\nALTER TABLE t ADD CONSTRAINT c CHECK (n > 0) NOT VALID;\nSELECT 1;',
    'CREATE INDEX ON t (n);\nSELECT 1;',
    'CREATE SCHEMA IF NOT EXISTS app;\nCREATE EXTENSION IF NOT EXISTS pgcrypto;\nCREATE SEQUENCE IF NOT EXISTS s;\nSELECT 1;',
    'DROP TABLE IF EXISTS old;\nDROP INDEX CONCURRENTLY IF EXISTS t_n_idx;\nSELECT 1;',
    'ALTER TABLE t ADD COLUMN IF NOT EXISTS n int, DROP COLUMN IF EXISTS m;\nSELECT 1;',
    'ALTER TABLE t DROP CONSTRAINT IF EXISTS t_n_check;\nALTER TABLE t ADD CONSTRAINT t_n_check CHECK (n > 0) NOT VALID;\nSELECT 1;',
    'ALTER TABLE t DROP CONSTRAINT IF EXISTS t_n_check, ADD CONSTRAINT t_n_check CHECK (n > 0);\nSELECT 1;',
    // Nothing to make re-runnable.
    'UPDATE t SET n = 0 WHERE n IS NULL;\nALTER TABLE t ALTER COLUMN n SET DEFAULT 0;\nSELECT 1;',
  ],
  invalid: [
    {
      name: 'a concurrent index build, even alone: a failed one leaves an INVALID index behind',
      code: 'CREATE INDEX CONCURRENTLY t_n_idx ON t (n);',
      errors: [
        {
          line: 1,
          column: 1,
          severity: 'warning',
          message: /CREATE INDEX CONCURRENTLY t_n_idx runs outside a transaction, and when it fails .* leaves an INVALID index named t_n_idx behind: rerunning the migration then fails with "already exists"\.$/,
          help: /CREATE INDEX CONCURRENTLY IF NOT EXISTS t_n_idx, or put DROP INDEX CONCURRENTLY IF EXISTS t_n_idx; before it/,
        },
      ],
    },
    {
      code: 'DROP MATERIALIZED VIEW stats;\nDROP INDEX CONCURRENTLY t_old_idx;\nSELECT 1;',
      errors: [{ line: 1, message: /^DROP MATERIALIZED VIEW fails/, help: /DROP MATERIALIZED VIEW IF EXISTS/ }, { line: 2, message: /^DROP INDEX CONCURRENTLY fails/, help: /DROP INDEX CONCURRENTLY IF EXISTS/ }],
    },
    {
      name: 'an unnamed PRIMARY KEY fails on a rerun (a table has one)',
      code: 'ALTER TABLE t ADD PRIMARY KEY (id);\nSELECT 1;',
      errors: [{ message: /^ADD CONSTRAINT PRIMARY KEY on t fails/ }],
    },
    {
      code: 'CREATE TABLE t (id bigint);\nALTER TABLE t ADD COLUMN n int;\nDROP TABLE old;\n/* end */ ;',
      errors: [
        { line: 1, message: /^CREATE TABLE fails/ },
        { line: 2, message: /^ADD COLUMN n fails/, help: /ADD COLUMN IF NOT EXISTS/ },
      ],
    },
    {
      code: 'ALTER TABLE t DROP COLUMN m, DROP CONSTRAINT t_m_check;\nDROP INDEX t_m_idx;\nSELECT 1;',
      errors: [{ line: 1, message: /^DROP COLUMN m/ }, { line: 1, message: /^DROP CONSTRAINT t_m_check/ }, { line: 2, message: /^DROP INDEX fails/, help: /DROP INDEX IF EXISTS/ }],
    },
    {
      name: 'ADD CONSTRAINT without a DROP CONSTRAINT IF EXISTS of the same name on the same table',
      code: 'ALTER TABLE other DROP CONSTRAINT IF EXISTS t_n_check;\nALTER TABLE t ADD CONSTRAINT t_n_check CHECK (n > 0);\nSELECT 1;',
      errors: [{ line: 2, column: 19, message: /^ADD CONSTRAINT t_n_check on t fails/, help: /DROP CONSTRAINT IF EXISTS t_n_check before it/ }],
    },
    {
      name: 'after COMMIT the rest of the file runs outside the transaction',
      code: 'BEGIN;\nCREATE TABLE a (id bigint);\nCOMMIT;\nCREATE SCHEMA app;\nCREATE TABLE app.b (id bigint);',
      errors: [{ line: 4, message: /^CREATE SCHEMA fails/ }],
    },
  ],
});
