import rule from '../../../src/lint/rules/ban-drop-not-null.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'ALTER TABLE users ADD COLUMN nick text NOT NULL DEFAULT \'\';\nALTER TABLE users ALTER COLUMN nick DROP NOT NULL;',
    'CREATE TABLE users (id bigint, email text NOT NULL);\nALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
    'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    "ALTER TABLE users ALTER COLUMN email SET DEFAULT '';",
    'ALTER TABLE users ALTER COLUMN email DROP DEFAULT;',
    // Before PostgreSQL 18 NOT NULL is no constraint: a constraint of that name is something else.
    'ALTER TABLE users DROP CONSTRAINT users_email_not_null;',
    { code: 'ALTER TABLE users DROP CONSTRAINT users_email_check;', pgVersion: 18 },
    { code: 'ALTER TABLE users DROP CONSTRAINT orders_email_not_null;', pgVersion: 18 },
    { code: 'CREATE TABLE users (email text NOT NULL);\nALTER TABLE users DROP CONSTRAINT users_email_not_null;', pgVersion: 18 },
    {
      // The safe SET NOT NULL pattern names its CHECK like a NOT NULL constraint; dropping it keeps NOT NULL.
      code: [
        'ALTER TABLE users ADD CONSTRAINT users_email_not_null CHECK (email IS NOT NULL) NOT VALID;',
        'ALTER TABLE users VALIDATE CONSTRAINT users_email_not_null;',
        'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
        'ALTER TABLE users DROP CONSTRAINT users_email_not_null;',
      ].join('\n'),
      pgVersion: 18,
    },
  ],
  invalid: [
    {
      code: 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
      errors: [
        {
          line: 1,
          column: 1,
          severity: 'warning',
          message: /DROP NOT NULL on users\.email: from now on NULLs can be written/,
          help: /Deploy every reader that handles NULL in email first/,
        },
      ],
    },
    {
      name: 'each column of one statement',
      code: 'ALTER TABLE app."Users" ALTER COLUMN "Email" DROP NOT NULL, ALTER COLUMN name DROP NOT NULL;',
      errors: [{ message: /app\."Users"\."Email"/ }, { message: /app\."Users"\.name/ }],
    },
    {
      name: 'PostgreSQL 18: DROP CONSTRAINT of the NOT NULL constraint by its generated name',
      code: 'ALTER TABLE app."Users" DROP CONSTRAINT IF EXISTS "Users_Email_not_null";',
      pgVersion: 18,
      errors: [
        {
          line: 1,
          column: 1,
          message: /^DROP CONSTRAINT "Users_Email_not_null" \(the NOT NULL constraint of "Email" on PostgreSQL 18\+\) on app\."Users"\."Email": from now on NULLs can be written/,
          help: /Deploy every reader that handles NULL in "Email" first/,
        },
      ],
    },
    {
      name: 'PostgreSQL 18: a generated name with a number, from the name the table had before RENAME TO, of a renamed column',
      code: [
        'ALTER TABLE users RENAME TO members;',
        'ALTER TABLE members RENAME COLUMN email TO mail;',
        'ALTER TABLE members RENAME COLUMN mail TO address;',
        'ALTER TABLE members DROP CONSTRAINT users_email_not_null1;',
      ].join('\n'),
      pgVersion: 18,
      errors: [{ line: 4, message: /^DROP CONSTRAINT users_email_not_null1 \(the NOT NULL constraint of address on PostgreSQL 18\+\) on members\.address:/ }],
    },
    {
      name: 'PostgreSQL 18: a name once given to a NOT NULL constraint and then to a CHECK',
      code: [
        'ALTER TABLE users ADD CONSTRAINT c1 NOT NULL a;',
        'ALTER TABLE users DROP CONSTRAINT c1;',
        'ALTER TABLE users ADD CONSTRAINT c1 CHECK (a > 0) NOT VALID;',
        'ALTER TABLE users DROP CONSTRAINT c1;',
      ].join('\n'),
      pgVersion: 18,
      errors: [{ line: 2, message: /^DROP CONSTRAINT c1 \(the NOT NULL constraint of a on PostgreSQL 18\+\)/ }],
    },
    {
      name: 'PostgreSQL 18: DROP CONSTRAINT of a NOT NULL constraint named earlier in the run',
      code: 'ALTER TABLE users ADD CONSTRAINT email_required NOT NULL email;\nALTER TABLE users DROP CONSTRAINT email_required;',
      pgVersion: 18,
      errors: [{ line: 2, message: /^DROP CONSTRAINT email_required \(the NOT NULL constraint of email on PostgreSQL 18\+\) on users\.email/ }],
    },
  ],
});
