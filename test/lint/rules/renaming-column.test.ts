import rule from '../../../src/lint/rules/renaming-column.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE TABLE users (id bigint, mail text);\nALTER TABLE users RENAME COLUMN mail TO email;',
    'CREATE TABLE "App"."Users" (id bigint, "Mail" text);\nALTER TABLE IF EXISTS "App"."Users" RENAME "Mail" TO "Email";',
    // A column added earlier in the run, renamed before anyone uses it.
    'ALTER TABLE users ADD COLUMN nick text;\nALTER TABLE users RENAME COLUMN nick TO nickname;',
    'ALTER TABLE users ADD COLUMN nick text;\nALTER TABLE users RENAME COLUMN nick TO nickname;\nALTER TABLE users RENAME COLUMN nickname TO handle;',
    // A table renamed away from its new name is still new.
    'CREATE TABLE t1 (id bigint, a text);\nALTER TABLE t1 RENAME TO t2;\nALTER TABLE t2 RENAME COLUMN a TO b;',
    'ALTER TABLE users RENAME CONSTRAINT users_mail_key TO users_email_key;',
  ],
  invalid: [
    {
      name: 'a column added in the run and dropped, then an old column of the same name renamed',
      code: 'ALTER TABLE users ADD COLUMN nick text;\nALTER TABLE users DROP COLUMN nick;\nALTER TABLE users RENAME COLUMN nick TO handle;',
      errors: [{ line: 3 }],
    },
    {
      code: 'ALTER TABLE users RENAME COLUMN mail TO email;',
      errors: [
        {
          line: 1,
          column: 1,
          endColumn: 46,
          message: 'Renaming column "mail" of table "users" to "email" breaks every query',
          help: 'Expand and contract',
        },
      ],
    },
    {
      code: 'SELECT 1;\nALTER TABLE IF EXISTS "public"."Users" RENAME "Mail" TO "Email";',
      errors: [{ line: 2, column: 1, message: 'column "Mail" of table "public"."Users" to "Email"' }],
    },
    {
      code: 'ALTER VIEW active_users RENAME COLUMN mail TO email;',
      errors: [{ line: 1, column: 1, message: 'of view "active_users"' }],
    },
  ],
});
