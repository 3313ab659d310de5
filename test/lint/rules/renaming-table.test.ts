import rule from '../../../src/lint/rules/renaming-table.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE TABLE user_v2 (id bigint);\nALTER TABLE user_v2 RENAME TO users_next;',
    'CREATE TABLE "Staging"."Tmp" (id bigint);\nALTER TABLE IF EXISTS "Staging"."Tmp" RENAME TO "Final";',
    'CREATE TABLE scratch (id bigint);\nALTER TABLE scratch SET SCHEMA archive;',
    'ALTER INDEX users_mail_idx RENAME TO users_email_idx;',
    'ALTER TABLE users RENAME COLUMN mail TO email;',
  ],
  invalid: [
    {
      name: 'views and materialized views are read by name too',
      code: 'ALTER VIEW active_users RENAME TO users_active;\nALTER MATERIALIZED VIEW stats RENAME TO daily_stats;\nALTER VIEW v SET SCHEMA archive;',
      errors: [
        { line: 1, message: /^Renaming view "active_users" to "users_active" breaks every query/ },
        { line: 2, message: /^Renaming materialized view "stats" to "daily_stats"/ },
        { line: 3, message: /^Renaming view "v" to "archive"\."v"/ },
      ],
    },
    {
      code: 'ALTER TABLE users RENAME TO accounts;',
      errors: [
        {
          line: 1,
          column: 13,
          endColumn: 18,
          message: 'Renaming table "users" to "accounts" breaks every query',
          help: 'compatibility view',
        },
      ],
    },
    {
      code: 'SELECT 1;\nALTER TABLE IF EXISTS "billing"."Invoices" RENAME TO "Bills";',
      errors: [{ line: 2, column: 23, message: '"billing"."Invoices" to "billing"."Bills"' }],
    },
    {
      code: 'ALTER TABLE public.events SET SCHEMA archive;',
      errors: [{ line: 1, column: 13, message: '"public"."events" to "archive"."events"' }],
    },
    {
      code: 'BEGIN;\nALTER TABLE users RENAME TO accounts;\nCOMMIT;',
      errors: [{ line: 2, column: 13 }],
    },
  ],
});
