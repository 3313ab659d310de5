import rule from '../../../src/lint/rules/concurrently-in-transaction.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    // Sent as one query (Prisma, golang-migrate), a lone statement runs outside any transaction.
    { code: 'CREATE INDEX CONCURRENTLY "t_a_idx" ON "t"("a");', transaction: 'implicit' },
    { code: '-- CreateIndex\nDROP INDEX CONCURRENTLY IF EXISTS t_a_idx;', transaction: 'implicit' },
    'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
    'DROP INDEX CONCURRENTLY users_email_idx;',
    'REINDEX INDEX CONCURRENTLY users_email_idx;',
    'ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;',
    // Not CONCURRENTLY: other rules' business.
    { code: 'CREATE INDEX users_email_idx ON users (email);', transaction: 'per-file' },
    'BEGIN;\nCREATE INDEX users_email_idx ON users (email);\nCOMMIT;',
    // After COMMIT the statement runs on its own.
    'BEGIN;\nALTER TABLE users ADD COLUMN age integer;\nCOMMIT;\nCREATE INDEX CONCURRENTLY users_age_idx ON users (age);',
    { code: 'REINDEX (CONCURRENTLY false) TABLE users;', transaction: 'per-file' },
    { code: 'REFRESH MATERIALIZED VIEW CONCURRENTLY stats;', transaction: 'per-file' },
  ],
  invalid: [
    {
      name: 'COMMIT AND CHAIN starts the next transaction at once',
      code: 'BEGIN;\nCREATE TABLE x (id bigint);\nCOMMIT AND CHAIN;\nCREATE INDEX CONCURRENTLY i ON users (id);',
      errors: [{ line: 4 }],
    },
    {
      name: 'several statements sent as one query run in one implicit transaction',
      code: 'CREATE INDEX CONCURRENTLY a_idx ON t (a);\nCREATE INDEX CONCURRENTLY b_idx ON t (b);',
      transaction: 'implicit',
      errors: [
        { line: 1, message: /sends this file as one query, which PostgreSQL runs as one transaction/, help: /as its only statement/ },
        { line: 2, message: /sends this file as one query/ },
      ],
    },
    {
      name: 'per-file transaction (Prisma, Flyway, ...)',
      code: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
      transaction: 'per-file',
      errors: [
        {
          line: 1,
          column: 1,
          severity: 'error',
          message: /CREATE INDEX CONCURRENTLY cannot run inside a transaction block, and the migration tool runs this file inside a transaction/,
          help: /without a transaction/,
        },
      ],
    },
    {
      name: 'explicit BEGIN',
      code: 'BEGIN;\nCREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nCOMMIT;',
      errors: [{ line: 2, column: 1, message: /follows an explicit BEGIN/, help: /after the COMMIT/ }],
    },
    {
      name: 'quoted, schema-qualified',
      code: 'START TRANSACTION;\nCREATE UNIQUE INDEX CONCURRENTLY "Users_Email_key" ON "app"."Users" ("Email");\nCOMMIT;',
      errors: [{ line: 2, column: 1 }],
    },
    {
      code: 'DROP INDEX CONCURRENTLY app.users_email_idx;',
      transaction: 'per-file',
      errors: [{ line: 1, column: 1, message: /DROP INDEX CONCURRENTLY/ }],
    },
    {
      code: 'REINDEX (CONCURRENTLY) TABLE users;',
      transaction: 'per-file',
      errors: [{ line: 1, column: 10, endColumn: 22, message: /REINDEX CONCURRENTLY/ }],
    },
    {
      code: 'BEGIN;\nREINDEX INDEX CONCURRENTLY users_email_idx;',
      errors: [{ line: 2, column: 15, message: /REINDEX CONCURRENTLY/ }],
    },
    {
      code: 'ALTER TABLE events DETACH PARTITION events_2020 CONCURRENTLY;',
      transaction: 'per-file',
      errors: [{ line: 1, column: 37, endColumn: 48, message: /DETACH PARTITION CONCURRENTLY/ }],
    },
    {
      name: 'each statement in the transaction',
      code: 'BEGIN;\nCREATE INDEX CONCURRENTLY a_idx ON t (a);\nCREATE INDEX CONCURRENTLY b_idx ON t (b);\nCOMMIT;',
      errors: [{ line: 2 }, { line: 3 }],
    },
  ],
});
