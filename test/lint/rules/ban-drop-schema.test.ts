import rule from '../../../src/lint/rules/ban-drop-schema.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE SCHEMA staging;\nDROP SCHEMA staging;',
    'CREATE SCHEMA "Scratch";\nDROP SCHEMA IF EXISTS "Scratch" CASCADE;',
    'DROP TABLE staging.users;',
    'CREATE SCHEMA IF NOT EXISTS reporting;',
  ],
  invalid: [
    {
      code: 'DROP SCHEMA billing;',
      errors: [{ line: 1, column: 1, endColumn: 20, message: 'fails mid-deploy if anything is still in it' }],
    },
    {
      code: 'SELECT 1;\nDROP SCHEMA IF EXISTS "Billing", legacy CASCADE;',
      errors: [{ line: 2, column: 1, message: 'Dropping schemas "Billing", "legacy" with CASCADE deletes every table, row' }],
    },
    {
      // IF NOT EXISTS may have met an existing schema full of data.
      code: 'CREATE SCHEMA IF NOT EXISTS billing;\nDROP SCHEMA billing;',
      errors: [{ line: 2, column: 1, message: '"billing"' }],
    },
    {
      code: 'DROP DATABASE IF EXISTS "analytics";',
      errors: [{ line: 1, column: 1, message: 'Dropping database "analytics"', help: 'outside the deploy' }],
    },
  ],
});
