import rule from '../../../src/lint/rules/ban-alter-domain-with-add-constraint.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    // NOT VALID is instant (its VALIDATE step is reported).
    "ALTER DOMAIN email ADD CONSTRAINT email_at CHECK (VALUE ~ '@') NOT VALID;",
    'ALTER DOMAIN email DROP CONSTRAINT email_at;',
    'ALTER DOMAIN email SET DEFAULT \'\';',
    'ALTER DOMAIN email DROP NOT NULL;',
    // A domain created earlier in the run is used by no stored column yet.
    "CREATE DOMAIN \"App\".\"Email\" AS text;\nALTER DOMAIN \"App\".\"Email\" ADD CONSTRAINT email_at CHECK (VALUE ~ '@');",
  ],
  invalid: [
    {
      name: 'a domain created in the run but put on an existing table has rows to scan (SHARE lock on users, PostgreSQL 15)',
      code: 'CREATE DOMAIN email_d AS text;\nALTER TABLE users ALTER COLUMN email TYPE email_d;\nALTER DOMAIN email_d ADD CONSTRAINT email_ok CHECK (VALUE LIKE \'%@%\');',
      errors: [{ line: 3 }],
    },
    {
      code: "ALTER DOMAIN email ADD CONSTRAINT email_at CHECK (VALUE ~ '@');",
      errors: [
        {
          line: 1,
          column: 24,
          severity: 'warning',
          message: 'ALTER DOMAIN ... ADD CONSTRAINT "email_at" scans every column of every table that uses domain "email"',
          help: 'SHARE UPDATE EXCLUSIVE',
        },
      ],
    },
    {
      code: 'SELECT 1;\nALTER DOMAIN "public"."Score" SET NOT NULL;',
      errors: [{ line: 2, column: 1, message: 'ALTER DOMAIN ... SET NOT NULL scans every column of every table that uses domain "public"."Score"' }],
    },
    {
      code: "ALTER DOMAIN email ADD CONSTRAINT email_at CHECK (VALUE ~ '@') NOT VALID;\nALTER DOMAIN email VALIDATE CONSTRAINT email_at;",
      errors: [{ line: 2, column: 1, message: "a table's VALIDATE CONSTRAINT, unlike this one, lets writes continue" }],
    },
  ],
});
