import rule from '../../../src/lint/rules/ban-drop-not-null.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE TABLE users (id bigint, email text NOT NULL);\nALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
    'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    "ALTER TABLE users ALTER COLUMN email SET DEFAULT '';",
    'ALTER TABLE users ALTER COLUMN email DROP DEFAULT;',
    // Before PostgreSQL 18 NOT NULL is no constraint: a constraint of that name is something else.
    'ALTER TABLE users DROP CONSTRAINT users_email_not_null;',
    { code: 'ALTER TABLE users DROP CONSTRAINT users_email_check;', pgVersion: 18 },
    { code: 'ALTER TABLE users DROP CONSTRAINT orders_email_not_null;', pgVersion: 18 },
    { code: 'CREATE TABLE users (email text NOT NULL);\nALTER TABLE users DROP CONSTRAINT users_email_not_null;', pgVersion: 18 },
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
      name: 'PostgreSQL 18: DROP CONSTRAINT of a NOT NULL constraint named earlier in the run',
      code: 'ALTER TABLE users ADD CONSTRAINT email_required NOT NULL email;\nALTER TABLE users DROP CONSTRAINT email_required;',
      pgVersion: 18,
      errors: [{ line: 2, message: /^DROP CONSTRAINT email_required \(the NOT NULL constraint of email on PostgreSQL 18\+\) on users\.email/ }],
    },
  ],
});
