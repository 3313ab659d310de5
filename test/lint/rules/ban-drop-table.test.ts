import rule from '../../../src/lint/rules/ban-drop-table.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    // A table created in the run stays new when it moves to another schema.
    'CREATE TABLE t (id int);\nALTER TABLE t SET SCHEMA archive;\nDROP TABLE archive.t;',
    // A table created earlier in the same file holds no production data.
    'CREATE TABLE import_batch (id bigint);\nDROP TABLE import_batch;',
    'CREATE TABLE "Staging"."ImportBatch" (id bigint);\nDROP TABLE IF EXISTS "Staging"."ImportBatch";',
    // Unqualified create, qualified drop of the same (public) table.
    'CREATE TABLE tmp_users (id bigint);\nDROP TABLE public.tmp_users;',
    // Other object types are other rules' business.
    'DROP VIEW active_users;',
    'DROP INDEX users_email_idx;',
    'DROP SEQUENCE users_id_seq;',
  ],
  invalid: [
    {
      code: 'DROP TABLE users;',
      errors: [{ line: 1, column: 1, endLine: 1, endColumn: 17, message: 'Dropping table "users" deletes it with every row' }],
    },
    {
      code: '-- clean up\nDROP TABLE IF EXISTS "LegacyOrders";',
      errors: [{ line: 2, column: 1, message: '"LegacyOrders"', help: 'later migration' }],
    },
    {
      code: 'SELECT 1;\n  DROP TABLE billing.invoices, "Audit"."Log";',
      errors: [{ line: 2, column: 3, message: 'Dropping tables "billing"."invoices", "Audit"."Log" deletes them' }],
    },
    {
      // Only the existing table is named when the statement also drops a new one.
      code: 'CREATE TABLE scratch (id int);\nDROP TABLE scratch, users;',
      errors: [{ line: 2, column: 1, message: /^Dropping table "users" deletes it/ }],
    },
    {
      // A table created in another schema is not the one being dropped.
      code: 'CREATE TABLE archive.users (id int);\nDROP TABLE billing.users;',
      errors: [{ line: 2, column: 1, message: '"billing"."users"' }],
    },
  ],
});

ruleTester(rule, {
  valid: ['CREATE TABLE public.scratch (id int);\nDROP TABLE scratch;'],
  invalid: [
    // A table of the same name created in another schema does not make public.users new.
    { code: 'CREATE TABLE archive.users (id int);\nDROP TABLE public.users;', errors: [{ line: 2 }] },
    { code: 'CREATE TABLE archive.users (id int);\nDROP TABLE users;', errors: [{ line: 2 }] },
  ],
});
