import rule from '../../../src/lint/rules/ban-drop-column.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE TABLE users (id bigint, email text);\nALTER TABLE users DROP COLUMN email;',
    'CREATE TABLE "App"."Users" (id bigint, "Email" text);\nALTER TABLE "App"."Users" DROP COLUMN IF EXISTS "Email";',
    // A column added earlier in the run holds no production data yet.
    'ALTER TABLE users ADD COLUMN nickname text;\nALTER TABLE users DROP COLUMN nickname;',
    // ... also when it was renamed, or its table was, before the drop; or added by the same statement.
    'ALTER TABLE users ADD COLUMN nick text;\nALTER TABLE users RENAME COLUMN nick TO nickname;\nALTER TABLE users DROP COLUMN nickname;',
    'ALTER TABLE users ADD COLUMN nick text;\nALTER TABLE users RENAME TO members;\nALTER TABLE members DROP COLUMN nick;',
    'ALTER TABLE users ADD COLUMN nick text, DROP COLUMN nick;',
    'ALTER TABLE users DROP CONSTRAINT users_email_key;',
    'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
  ],
  invalid: [
    {
      name: 'a column added in the run and dropped once is not new when it is dropped again',
      code: 'ALTER TABLE users ADD COLUMN nick text;\nALTER TABLE users DROP COLUMN nick;\nALTER TABLE users DROP COLUMN IF EXISTS nick;',
      errors: [{ line: 3 }],
    },
    {
      code: 'ALTER TABLE users DROP COLUMN email;',
      errors: [
        {
          line: 1,
          column: 1,
          endColumn: 36,
          message: 'Dropping column "email" of "users" deletes its data and breaks clients that still read or write it',
          help: 'Expand and contract',
        },
      ],
    },
    {
      code: 'SELECT 1;\nALTER TABLE IF EXISTS "public"."Users" DROP COLUMN IF EXISTS "Email";',
      errors: [{ line: 2, column: 1, message: 'column "Email" of "public"."Users"' }],
    },
    {
      // Prisma writes one ALTER TABLE with several drops: one finding per column.
      code: 'ALTER TABLE "User" DROP COLUMN "email",\nDROP COLUMN "name";',
      errors: [
        { line: 1, column: 1, message: '"email"' },
        { line: 1, column: 1, message: '"name"' },
      ],
    },
    {
      // The column added in this run is fine to drop; the old one is not.
      code: 'ALTER TABLE users ADD COLUMN tmp int;\nALTER TABLE users DROP COLUMN tmp, DROP COLUMN legacy_id;',
      errors: [{ line: 2, column: 1, message: '"legacy_id"' }],
    },
    {
      // ADD COLUMN IF NOT EXISTS may have met the existing column: it is not new.
      code: 'ALTER TABLE users ADD COLUMN IF NOT EXISTS email text;\nALTER TABLE users DROP COLUMN email;',
      errors: [{ line: 2, column: 1, message: '"email"' }],
    },
  ],
});
