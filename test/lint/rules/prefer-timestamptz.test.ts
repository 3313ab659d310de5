import rule from '../../../src/lint/rules/prefer-timestamptz.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE TABLE events (at timestamptz);',
    'CREATE TABLE events (at timestamp with time zone, day date, t time);',
    'ALTER TABLE events ADD COLUMN seen_at timestamptz DEFAULT now();',
  ],
  invalid: [
    {
      code: 'CREATE TABLE events (at timestamp);',
      errors: [
        {
          line: 1,
          column: 25,
          endColumn: 34,
          severity: 'warning',
          message: /Column at is timestamp without time zone/,
          help: /timestamptz/,
        },
      ],
    },
    {
      code: 'ALTER TABLE events ADD COLUMN seen_at timestamp(3) without time zone;',
      errors: [{ line: 1, column: 39 }],
    },
    {
      name: 'quoted, schema-qualified',
      code: 'CREATE TABLE "app"."Events" ("CreatedAt" timestamp NOT NULL);',
      errors: [{ line: 1, column: 42, message: /Column "CreatedAt"/ }],
    },
  ],
});
