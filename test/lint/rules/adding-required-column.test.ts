import rule from '../../../src/lint/rules/adding-required-column.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'ALTER TABLE users ADD COLUMN age integer;',
    'ALTER TABLE users ADD COLUMN age integer NOT NULL DEFAULT 0;',
    `ALTER TABLE users ADD COLUMN status text DEFAULT 'active' NOT NULL;`,
    'ALTER TABLE users ADD COLUMN n bigserial NOT NULL;',
    'ALTER TABLE users ADD COLUMN n bigint NOT NULL GENERATED ALWAYS AS IDENTITY;',
    'ALTER TABLE users ADD COLUMN total integer NOT NULL GENERATED ALWAYS AS (a + b) STORED;',
    // New tables have no rows.
    'CREATE TABLE users (id bigint);\nALTER TABLE users ADD COLUMN age integer NOT NULL;',
    'CREATE TABLE app."Users" (id bigint);\nALTER TABLE app."Users" ADD COLUMN "Age" integer NOT NULL;',
    { code: 'CREATE TABLE users (id bigint);\nALTER TABLE users ADD COLUMN age integer NOT NULL;', transaction: 'per-file' },
  ],
  invalid: [
    {
      name: 'a NULL default, cast or not, fills nothing',
      code: 'ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT NULL::int;\nALTER TABLE t ADD COLUMN d text NOT NULL DEFAULT CAST(NULL AS text);',
      errors: [{ line: 1, message: /NOT NULL without a DEFAULT/ }, { line: 2, message: /NOT NULL without a DEFAULT/ }],
    },
    {
      code: 'ALTER TABLE users ADD COLUMN age integer NOT NULL;',
      errors: [
        {
          line: 1,
          column: 42,
          endColumn: 45,
          severity: 'error',
          message: /ADD COLUMN age NOT NULL without a DEFAULT fails .* on users/,
          help: /nullable/,
        },
      ],
    },
    {
      name: 'DEFAULT NULL is no default',
      code: 'ALTER TABLE users ADD COLUMN age integer DEFAULT NULL NOT NULL;',
      errors: [{ line: 1, column: 55 }],
    },
    {
      name: 'quoted, schema-qualified',
      code: 'ALTER TABLE "public"."Users"\n  ADD COLUMN "Age" integer NOT NULL;',
      errors: [{ line: 2, column: 28, message: /"Age" NOT NULL .* on public\."Users"/ }],
    },
    {
      name: 'one finding per required column',
      code: 'ALTER TABLE users ADD COLUMN a text NOT NULL, ADD COLUMN b text, ADD COLUMN c text NOT NULL;',
      errors: [{ column: 37 }, { column: 84 }],
    },
    { code: 'ALTER TABLE users ADD COLUMN age integer NOT NULL;', transaction: 'per-file', errors: [{ line: 1, column: 42 }] },
    { code: 'ALTER TABLE users ADD COLUMN age integer NOT NULL;', pgVersion: 11, errors: [{ line: 1, column: 42 }] },
    {
      name: 'a table of the same name in another schema is not the new one',
      code: 'CREATE TABLE app.users (id bigint);\nALTER TABLE billing.users ADD COLUMN age integer NOT NULL;',
      errors: [{ line: 2, column: 50 }],
    },
  ],
});
