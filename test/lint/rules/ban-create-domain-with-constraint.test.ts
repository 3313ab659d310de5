import rule from '../../../src/lint/rules/ban-create-domain-with-constraint.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE DOMAIN email AS text;',
    'CREATE DOMAIN "App"."Score" AS integer DEFAULT 0;',
    'CREATE DOMAIN name_ci AS text COLLATE "C";',
    'ALTER TABLE users ADD CONSTRAINT users_score_positive CHECK (score > 0) NOT VALID;',
  ],
  invalid: [
    {
      code: "CREATE DOMAIN email AS text CHECK (VALUE ~ '@');",
      errors: [
        {
          line: 1,
          column: 29,
          endColumn: 34,
          severity: 'warning',
          message: 'Domain "email" is created with a CHECK constraint',
          help: 'put the rule on each table column',
        },
      ],
    },
    {
      code: 'SELECT 1;\nCREATE DOMAIN "App"."Score" AS integer\n  NOT NULL;',
      errors: [{ line: 3, column: 3, message: 'Domain "App"."Score" is created with a NOT NULL constraint' }],
    },
  ],
});
