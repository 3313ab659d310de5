import { expect, it } from 'vitest';
import { lintText } from '../../../src/lint/engine.js';
import rule from '../../../src/lint/rules/create-index-not-concurrently.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
    'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email_key ON users (email);',
    'CREATE TABLE users (id bigint, email text);\nCREATE INDEX users_email_idx ON users (email);',
    'CREATE TABLE app."Users" (id bigint, "Email" text);\nCREATE INDEX "Users_Email_idx" ON app."Users" ("Email");',
    { code: 'CREATE TABLE users (id bigint, email text);\nCREATE INDEX ON users (email);', transaction: 'per-file' },
    // ON ONLY creates an invalid parent index on a partitioned table; CONCURRENTLY is not available there.
    'CREATE INDEX events_at_idx ON ONLY events (at);',
  ],
  invalid: [
    {
      code: 'CREATE INDEX users_email_idx ON users (email);',
      errors: [
        {
          line: 1,
          column: 1,
          severity: 'warning',
          message: /users_email_idx on users holds a SHARE lock .*INSERT, UPDATE and DELETE/,
          help: /CONCURRENTLY/,
          fix: 'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);',
        },
      ],
    },
    {
      name: 'quoted, schema-qualified, unique',
      code: 'SELECT 1;\nCREATE UNIQUE INDEX "Users_Email_key" ON "app"."Users" ("Email");',
      errors: [{ line: 2, column: 1, message: /CREATE UNIQUE INDEX "Users_Email_key" on app\."Users"/ }],
    },
    {
      name: 'a table of the same name in another schema',
      code: 'CREATE TABLE app.users (id bigint);\nCREATE INDEX ON billing.users (id);',
      errors: [{ line: 2, column: 1 }],
    },
    {
      code: 'CREATE INDEX users_email_idx ON users (email);',
      transaction: 'per-file',
      errors: [{ line: 1, column: 1, help: /cannot run inside a transaction/ }],
    },
  ],
});

it('create-index-not-concurrently offers the CONCURRENTLY statement as the fix', async () => {
  const { findings } = await lintText('create unique index if not exists users_email_key on users (email);', { rules: [rule] });
  expect(findings[0]?.fix).toBe('create unique index CONCURRENTLY if not exists users_email_key on users (email);');
});
