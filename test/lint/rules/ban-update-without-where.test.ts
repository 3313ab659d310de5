import rule from '../../../src/lint/rules/ban-update-without-where.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'UPDATE users SET plan = \'free\' WHERE plan IS NULL;',
    'UPDATE "Billing"."Invoices" SET status = \'void\' WHERE id BETWEEN 1 AND 5000;',
    'CREATE TABLE settings (key text, value text);\nUPDATE settings SET value = \'on\';',
    'ALTER TABLE users ADD COLUMN plan text;',
  ],
  invalid: [
    {
      code: 'UPDATE users SET plan = \'free\';',
      errors: [
        {
          line: 1,
          column: 8,
          endColumn: 13,
          message: 'a backfill that rewrites every row also locks it',
          help: 'Batch it by key ranges',
        },
      ],
    },
    {
      code: 'ALTER TABLE users ADD COLUMN plan text;\nUPDATE ONLY "public"."Users" SET plan = \'free\' WHERE true;',
      errors: [{ line: 2, column: 13, message: 'rewrites every row of "public"."Users"' }],
    },
    {
      code: 'UPDATE orders o SET total = t.sum FROM totals t;',
      errors: [{ line: 1, column: 8, message: '"orders"' }],
    },
    {
      code: 'WITH moved AS (UPDATE accounts SET region = \'eu\' RETURNING id)\nSELECT count(*) FROM moved;',
      errors: [{ line: 1, column: 23, message: '"accounts"' }],
    },
  ],
});
