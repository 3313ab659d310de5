import rule from '../../../src/lint/rules/ban-drop-cascade.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'DROP VIEW active_users;',
    'DROP TABLE users RESTRICT;',
    'ALTER TABLE users DROP COLUMN email;',
    'CREATE TABLE scratch (id int);\nDROP TABLE scratch CASCADE;',
    'CREATE TABLE "Tmp"."Scratch" (id int, note text);\nALTER TABLE "Tmp"."Scratch" DROP COLUMN note CASCADE;',
    // ON DELETE CASCADE is a foreign key action, not a drop behaviour.
    'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE NOT VALID;',
  ],
  invalid: [
    {
      code: 'DROP TABLE IF EXISTS users CASCADE;',
      errors: [
        {
          line: 1,
          column: 1,
          endColumn: 35,
          message: 'DROP TABLE "users" CASCADE also drops every view on it and every foreign key of other tables that references it',
          help: 'Drop without CASCADE',
        },
      ],
    },
    {
      code: 'SELECT 1;\nDROP FUNCTION app.touch_updated_at() CASCADE;',
      errors: [{ line: 2, column: 1, message: 'DROP FUNCTION "app"."touch_updated_at" CASCADE also drops every trigger' }],
    },
    {
      code: 'DROP TYPE "Mood" CASCADE;',
      errors: [{ line: 1, column: 1, message: 'every column of that type (with its data)' }],
    },
    {
      code: 'DROP EXTENSION IF EXISTS postgis CASCADE;',
      errors: [{ line: 1, column: 1, message: 'DROP EXTENSION "postgis" CASCADE' }],
    },
    {
      code: 'DROP TRIGGER audit ON public.users CASCADE;',
      errors: [{ line: 1, column: 1, message: 'DROP TRIGGER "audit" ON "public"."users" CASCADE' }],
    },
    {
      code: 'ALTER TABLE "public"."Users"\n  DROP COLUMN "Email" CASCADE,\n  DROP CONSTRAINT "Users_pkey" CASCADE;',
      errors: [
        { line: 1, column: 1, message: 'DROP COLUMN "Email" ... CASCADE on "public"."Users"' },
        { line: 1, column: 1, message: 'DROP CONSTRAINT "Users_pkey" ... CASCADE on "public"."Users"' },
      ],
    },
    {
      code: 'ALTER DOMAIN email DROP CONSTRAINT email_check CASCADE;',
      errors: [{ line: 1, column: 1, message: 'ALTER DOMAIN "email" DROP CONSTRAINT "email_check" CASCADE' }],
    },
    {
      code: 'DROP OWNED BY legacy_app CASCADE;',
      errors: [{ line: 1, column: 1, message: 'DROP OWNED BY "legacy_app" CASCADE' }],
    },
    {
      // Dropping a new table together with an existing one still cascades into the existing one.
      code: 'CREATE TABLE scratch (id int);\nDROP TABLE scratch, users CASCADE;',
      errors: [{ line: 2, column: 1, message: 'DROP TABLE "scratch", "users" CASCADE' }],
    },
  ],
});
