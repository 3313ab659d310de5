import rule from '../../../src/lint/rules/set-not-null.js';
import { ruleTester } from '../rule-tester.js';

const checkPattern = [
  'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;',
  'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
  'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
  'ALTER TABLE users DROP CONSTRAINT users_email_not_null;',
].join('\n');

ruleTester(rule, {
  valid: [
    // A CHECK declared with ADD COLUMN proves its column at once.
    'ALTER TABLE t ADD COLUMN c int CHECK (c IS NOT NULL AND b > 0);\nALTER TABLE t ALTER COLUMN c SET NOT NULL;',
    // The proof follows RENAME COLUMN and RENAME CONSTRAINT, as PostgreSQL's catalog does.
    'ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT t_c_nn;\nALTER TABLE t RENAME COLUMN c TO d;\nALTER TABLE t ALTER COLUMN d SET NOT NULL;',
    'ALTER TABLE t ADD CONSTRAINT a CHECK (c IS NOT NULL) NOT VALID;\nALTER TABLE t RENAME CONSTRAINT a TO b;\nALTER TABLE t VALIDATE CONSTRAINT b;\nALTER TABLE t ALTER COLUMN c SET NOT NULL;',
    // Unnamed CHECKs get PostgreSQL's names: <table>_check when they use two columns, <table>_<col>_check for one.
    'ALTER TABLE t ADD CHECK (a IS NOT NULL AND b IS NOT NULL) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT t_check;\nALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b SET NOT NULL;',
    'ALTER TABLE t ADD CHECK (a IS NOT NULL AND a > 0) NOT VALID;\nALTER TABLE t VALIDATE CONSTRAINT t_a_check;\nALTER TABLE t ALTER COLUMN a SET NOT NULL;',
    'ALTER TABLE t ADD COLUMN c int CHECK (c IS NOT NULL);\nALTER TABLE t ALTER COLUMN c SET NOT NULL;',
    // New table in the same file: no rows to scan.
    'CREATE TABLE users (id bigint, email text);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    'CREATE TABLE app."Users" (id bigint, "Email" text);\nALTER TABLE app."Users" ALTER COLUMN "Email" SET NOT NULL;',
    // The PostgreSQL 12+ pattern.
    checkPattern,
    { code: checkPattern, transaction: 'per-file' },
    { code: checkPattern, pgVersion: 12 },
    // Quoted identifiers, schema-qualified once and unqualified once (public).
    [
      'ALTER TABLE "public"."Users" ADD CONSTRAINT "Users_Email_nn" CHECK ("Email" IS NOT NULL) NOT VALID;',
      'ALTER TABLE "public"."Users" VALIDATE CONSTRAINT "Users_Email_nn";',
      'ALTER TABLE "Users" ALTER COLUMN "Email" SET NOT NULL;',
    ].join('\n'),
    // A CHECK added without NOT VALID is validated at once (constraint-without-not-valid flags that).
    'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    // An unnamed check gets PostgreSQL's generated name, which VALIDATE then uses.
    'ALTER TABLE users ADD CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_email_check;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    // A check that covers several columns.
    'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL AND name IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT c;\nALTER TABLE users ALTER COLUMN name SET NOT NULL;',
    // PostgreSQL 18: NOT NULL constraints can be added NOT VALID and validated.
    {
      code: 'ALTER TABLE users ADD CONSTRAINT users_email_not_null NOT NULL email NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
      pgVersion: 18,
    },
    'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
  ],
  invalid: [
    {
      name: 'DROP NOT NULL takes away the NOT NULL a column was declared with',
      code: 'ALTER TABLE acct ADD CONSTRAINT acct_a_nn NOT NULL a;\nALTER TABLE acct ALTER COLUMN a DROP NOT NULL;\nALTER TABLE acct ALTER COLUMN a SET NOT NULL;',
      pgVersion: 18,
      errors: [{ line: 1 }, { line: 3, message: /^SET NOT NULL on acct\.a scans the whole table/ }],
    },
    {
      name: 'a CHECK declared with ADD COLUMN is named after the column its expression uses',
      code: 'ALTER TABLE t ADD COLUMN c int CHECK (b IS NOT NULL);\nALTER TABLE t DROP CONSTRAINT t_b_check;\nALTER TABLE t ALTER COLUMN b SET NOT NULL;',
      errors: [{ line: 3, message: /^SET NOT NULL on t\.b scans the whole table/ }],
    },
    {
      name: 'DROP COLUMN takes its CHECK with it',
      code: 'ALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL);\nALTER TABLE t DROP COLUMN c;\nALTER TABLE t ADD COLUMN c int;\nALTER TABLE t ALTER COLUMN c SET NOT NULL;',
      errors: [{ line: 4, message: /^SET NOT NULL on t\.c scans the whole table/ }],
    },
    {
      code: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      errors: [
        {
          line: 1,
          column: 1,
          severity: 'error',
          message: /SET NOT NULL on users\.email scans the whole table .*ACCESS EXCLUSIVE/,
          help: /CHECK \(email IS NOT NULL\) NOT VALID/,
          fix: 'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;\n-- in a separate transaction, after backfilling NULLs:\nALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nALTER TABLE users DROP CONSTRAINT users_email_not_null;',
        },
      ],
    },
    {
      name: 'quoted, schema-qualified names',
      code: 'SELECT 1;\nALTER TABLE "public"."Users"\n  ALTER COLUMN "Email" SET NOT NULL;',
      errors: [{ line: 2, column: 1, message: 'public."Users"."Email"' }],
    },
    {
      name: 'the check is still NOT VALID',
      code: 'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      errors: [{ line: 2, column: 1, message: /"?c"? is still NOT VALID/, help: /VALIDATE CONSTRAINT c first/ }],
    },
    {
      name: 'validated in the same ALTER TABLE as SET NOT NULL',
      code: 'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT c, ALTER COLUMN email SET NOT NULL;',
      errors: [{ line: 2, column: 1, message: /still NOT VALID/ }],
    },
    {
      name: 'the check is on another column',
      code: 'ALTER TABLE users ADD CONSTRAINT c CHECK (name IS NOT NULL);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      errors: [{ line: 2, column: 1 }],
    },
    {
      name: 'the check is on another table',
      code: 'ALTER TABLE accounts ADD CONSTRAINT c CHECK (email IS NOT NULL);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      errors: [{ line: 2, column: 1 }],
    },
    {
      name: 'the check was dropped again',
      code: 'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL);\nALTER TABLE users DROP CONSTRAINT c;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      errors: [{ line: 3, column: 1 }],
    },
    {
      name: 'before PostgreSQL 12 the check does not help',
      code: checkPattern,
      pgVersion: 11,
      errors: [{ line: 3, column: 1, help: /Before PostgreSQL 12/ }],
    },
    {
      name: 'two columns, two findings',
      code: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL, ALTER COLUMN name SET NOT NULL;',
      errors: [
        { line: 1, column: 1, message: 'users.email' },
        { line: 1, column: 1, message: 'users.name' },
      ],
    },
    {
      code: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      transaction: 'per-file',
      errors: [{ line: 1, column: 1 }],
    },
    {
      code: 'BEGIN;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;\nCOMMIT;',
      errors: [{ line: 2, column: 1 }],
    },
    {
      name: 'PostgreSQL 18 help mentions NOT NULL ... NOT VALID',
      code: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      pgVersion: 18,
      errors: [{ line: 1, column: 1, help: /NOT NULL email NOT VALID/ }],
    },
    {
      name: 'PostgreSQL 18 NOT NULL constraint without NOT VALID',
      code: 'ALTER TABLE users ADD CONSTRAINT users_email_not_null NOT NULL email;',
      pgVersion: 18,
      errors: [{ line: 1, column: 23, endColumn: 33, message: /checks every row of users/, help: /NOT VALID/ }],
    },
  ],
});
