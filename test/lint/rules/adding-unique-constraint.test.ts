import { expect, it } from 'vitest';
import { lintText } from '../../../src/lint/engine.js';
import rule from '../../../src/lint/rules/adding-unique-constraint.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE TABLE bookings (room int, during tstzrange);\nALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);',
    'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;',
    'ALTER TABLE users ADD CONSTRAINT users_pkey PRIMARY KEY USING INDEX users_id_idx;',
    'CREATE TABLE users (id bigint, email text);\nALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);',
    'CREATE TABLE app."Users" (id bigint);\nALTER TABLE app."Users" ADD PRIMARY KEY (id);',
    'ALTER TABLE users ADD CONSTRAINT c CHECK (id > 0) NOT VALID;',
    'ALTER TABLE users ADD COLUMN handle text;',
  ],
  invalid: [
    {
      name: 'ADD CONSTRAINT ... EXCLUDE builds its index under ACCESS EXCLUSIVE (pg_locks, PostgreSQL 15)',
      code: 'ALTER TABLE bookings ADD CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&);',
      errors: [{ line: 1, column: 26, severity: 'warning', message: /^ADD CONSTRAINT no_overlap EXCLUDE builds its index over every row of bookings while holding an ACCESS EXCLUSIVE lock/, help: /cannot be attached to an index built CONCURRENTLY/ }],
    },
    {
      code: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);',
      errors: [
        {
          line: 1,
          column: 23,
          endColumn: 33,
          severity: 'warning',
          message: /users_email_key UNIQUE builds a unique index .*ACCESS EXCLUSIVE/,
          help: /CREATE UNIQUE INDEX CONCURRENTLY .*USING INDEX/,
        },
      ],
    },
    {
      code: 'ALTER TABLE users ADD PRIMARY KEY (id);',
      errors: [{ line: 1, column: 23, message: /users_pkey PRIMARY KEY .*NOT NULL/ }],
    },
    {
      code: 'ALTER TABLE users ADD COLUMN handle text UNIQUE;',
      errors: [{ line: 1, column: 42, message: /ADD COLUMN handle \.\.\. UNIQUE/ }],
    },
    {
      name: 'quoted, schema-qualified',
      code: 'ALTER TABLE "app"."Users" ADD CONSTRAINT "Users_Email_key" UNIQUE ("Email");',
      errors: [{ line: 1, column: 31, message: /"Users_Email_key" UNIQUE .* app\."Users"/ }],
    },
    {
      code: 'ALTER TABLE users ADD UNIQUE (email);',
      transaction: 'per-file',
      errors: [{ line: 1, column: 23, message: /users_email_key/ }],
    },
  ],
});

it('adding-unique-constraint offers the concurrent index and USING INDEX as the fix', async () => {
  const { findings } = await lintText('ALTER TABLE "app"."Users" ADD CONSTRAINT "Users_Email_key" UNIQUE ("Email", org_id);', {
    rules: [rule],
  });
  expect(findings[0]?.fix).toBe(
    'CREATE UNIQUE INDEX CONCURRENTLY "Users_Email_key_idx" ON app."Users" ("Email", org_id);\nALTER TABLE app."Users" ADD CONSTRAINT "Users_Email_key" UNIQUE USING INDEX "Users_Email_key_idx";',
  );
});
