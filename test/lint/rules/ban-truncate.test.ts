import rule from '../../../src/lint/rules/ban-truncate.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE TABLE import_rows (id bigint);\nTRUNCATE import_rows;',
    'CREATE TABLE "Etl"."Rows" (id bigint);\nTRUNCATE TABLE ONLY "Etl"."Rows" RESTART IDENTITY;',
    'DELETE FROM users WHERE id = 1;',
  ],
  invalid: [
    {
      code: 'TRUNCATE users;',
      errors: [{ line: 1, column: 10, endColumn: 15, message: 'TRUNCATE deletes every row of "users" at once' }],
    },
    {
      // One finding per table, each at the table's name.
      code: 'TRUNCATE TABLE audit.events,\n  "Sessions";',
      errors: [
        { line: 1, column: 16, endColumn: 28, message: '"audit"."events"' },
        { line: 2, column: 3, endColumn: 13, message: '"Sessions"' },
      ],
    },
    {
      code: 'TRUNCATE orders CASCADE;',
      errors: [{ line: 1, column: 10, message: 'TRUNCATE ... CASCADE empties "orders" and also every table with a foreign key to it', help: 'Never use CASCADE' }],
    },
    {
      // CASCADE on a new table still reaches the existing tables given a foreign key to it.
      code: 'CREATE TABLE orgs (id bigint PRIMARY KEY);\nALTER TABLE users ADD COLUMN org_id bigint REFERENCES orgs (id);\nTRUNCATE orgs CASCADE;',
      errors: [{ line: 3, column: 10, message: 'existing tables given a foreign key to this new table lose all their rows too' }],
    },
  ],
});
