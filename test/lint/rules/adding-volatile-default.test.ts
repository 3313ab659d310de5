import rule from '../../../src/lint/rules/adding-volatile-default.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    // An array of a constrained domain, and a domain whose only constraint was dropped, add without a rewrite (relfilenode on PostgreSQL 15).
    'CREATE DOMAIN d1 AS int CHECK (VALUE > 0);\nALTER TABLE t ADD COLUMN y d1[];',
    'CREATE DOMAIN d3 AS int CONSTRAINT c3 CHECK (VALUE > 0);\nALTER DOMAIN d3 DROP CONSTRAINT c3;\nALTER TABLE t ADD COLUMN z d3;',
    // A domain without constraints adds like its base type (relfilenode unchanged on PostgreSQL 15).
    'CREATE DOMAIN plain_int AS int;\nALTER TABLE t ADD COLUMN d plain_int DEFAULT 1;',
    'CREATE DOMAIN posint AS int CHECK (VALUE > 0);\nDROP DOMAIN posint;\nCREATE DOMAIN posint AS int;\nALTER TABLE t ADD COLUMN d posint;',
    // PostgreSQL 11+: non-volatile defaults are stored in the catalog, no rewrite.
    'ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();',
    'ALTER TABLE users ADD COLUMN created_at timestamptz NOT NULL DEFAULT CURRENT_TIMESTAMP;',
    `ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'active';`,
    `ALTER TABLE users ADD COLUMN settings jsonb NOT NULL DEFAULT '{}'::jsonb;`,
    `ALTER TABLE users ADD COLUMN code text DEFAULT lower('X');`,
    'ALTER TABLE users ADD COLUMN age integer DEFAULT NULL;',
    'ALTER TABLE users ADD COLUMN age integer;',
    { code: 'ALTER TABLE users ADD COLUMN age integer;', pgVersion: 10 },
    // New tables have no rows to rewrite.
    'CREATE TABLE users (id bigint);\nALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();',
    'CREATE TABLE app."Users" (id bigint);\nALTER TABLE app."Users" ADD COLUMN "Token" uuid DEFAULT gen_random_uuid();',
    // A new primary key column is adding-serial-primary-key-field's finding.
    'ALTER TABLE users ADD COLUMN id bigserial PRIMARY KEY;',
    // PostgreSQL 18 virtual generated columns store nothing.
    { code: 'ALTER TABLE items ADD COLUMN total numeric GENERATED ALWAYS AS (price * qty) VIRTUAL;', pgVersion: 18 },
  ],
  invalid: [
    {
      name: 'a domain over a constrained domain checks its constraints too (rewrite on PostgreSQL 15)',
      code: 'CREATE DOMAIN d1 AS int CHECK (VALUE > 0);\nCREATE DOMAIN d2 AS d1;\nALTER TABLE t ADD COLUMN x d2;',
      errors: [{ line: 3, message: /of the domain d2, which has constraints/ }],
    },
    {
      name: 'a column of a domain with constraints rewrites the table, with or without a default',
      code: 'CREATE DOMAIN posint AS int CHECK (VALUE > 0);\nALTER TABLE t ADD COLUMN b posint;\nALTER DOMAIN posint RENAME TO positive;\nALTER TABLE t ADD COLUMN c positive DEFAULT 1;\nCREATE DOMAIN code AS text;\nALTER DOMAIN code SET NOT NULL;\nALTER TABLE t ADD COLUMN d code DEFAULT \'x\';',
      errors: [
        { line: 2, column: 28, message: /^ADD COLUMN b of the domain posint, which has constraints, on t: PostgreSQL checks the domain's constraints by rewriting the table/ },
        { line: 4, message: /of the domain positive, which has constraints/ },
        { line: 7, message: /of the domain code, which has constraints/ },
      ],
    },
    {
      code: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();',
      errors: [
        {
          line: 1,
          column: 49,
          endColumn: 64,
          severity: 'warning',
          message: /volatile default gen_random_uuid\(\) on users .*rewrites every row .*ACCESS EXCLUSIVE/,
          help: /SET DEFAULT/,
        },
      ],
    },
    {
      code: 'ALTER TABLE users ADD COLUMN score float8 DEFAULT random() * 10;',
      errors: [{ line: 1, column: 51, message: /random\(\)/ }],
    },
    {
      code: `ALTER TABLE users ADD COLUMN n bigint DEFAULT nextval('users_n_seq');`,
      errors: [{ line: 1, column: 47, message: /nextval\(\)/ }],
    },
    {
      name: 'quoted, schema-qualified, schema-qualified function',
      code: 'ALTER TABLE "public"."Users" ADD COLUMN "Token" uuid DEFAULT public.uuid_generate_v4();',
      errors: [{ line: 1, column: 62, endColumn: 85, message: /"Token" with the volatile default uuid_generate_v4\(\) on public\."Users"/ }],
    },
    {
      name: 'unknown functions are volatile unless declared otherwise',
      code: 'ALTER TABLE users ADD COLUMN code text DEFAULT make_code();',
      errors: [{ line: 1, column: 48, message: /treats a function as VOLATILE/, help: /STABLE or IMMUTABLE/ }],
    },
    {
      name: 'before PostgreSQL 11 any default rewrites',
      code: 'ALTER TABLE users ADD COLUMN active boolean DEFAULT true;',
      pgVersion: 10,
      errors: [{ line: 1, column: 45, message: /before PostgreSQL 11/ }],
    },
    {
      code: 'ALTER TABLE users ADD COLUMN n bigserial;',
      errors: [{ line: 1, column: 32, message: /bigserial .*sequence/ }],
    },
    {
      code: 'ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;',
      errors: [{ line: 1, column: 39, message: /IDENTITY/ }],
    },
    {
      code: 'ALTER TABLE items ADD COLUMN total numeric GENERATED ALWAYS AS (price * qty) STORED;',
      errors: [{ line: 1, column: 44, message: /STORED/ }],
    },
    {
      code: 'ALTER TABLE events ADD COLUMN seen_at timestamptz DEFAULT clock_timestamp();',
      transaction: 'per-file',
      errors: [{ line: 1, column: 59 }],
    },
  ],
});
