import { expect, it } from 'vitest';
import { lintText } from '../../../src/lint/engine.js';
import rule from '../../../src/lint/rules/constraint-without-not-valid.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE TABLE t (a int);\nALTER TABLE t ADD COLUMN c int CHECK (c > 0);',
    'ALTER TABLE t ADD COLUMN c int;',
    'ALTER TABLE orders ADD CONSTRAINT orders_amount_check CHECK (amount > 0) NOT VALID;',
    'ALTER TABLE orders ADD CONSTRAINT orders_user_fkey FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
    // Validation in its own statement outside a transaction: its own transaction.
    'ALTER TABLE orders ADD CONSTRAINT c CHECK (amount > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;',
    'BEGIN;\nALTER TABLE orders ADD CONSTRAINT c CHECK (amount > 0) NOT VALID;\nCOMMIT;\nBEGIN;\nALTER TABLE orders VALIDATE CONSTRAINT c;\nCOMMIT;',
    // Validating a constraint added by an earlier migration, in a wrapped file.
    { code: 'ALTER TABLE orders VALIDATE CONSTRAINT c;', transaction: 'per-file' },
    // New tables are empty.
    'CREATE TABLE orders (id bigint, amount numeric);\nALTER TABLE orders ADD CONSTRAINT c CHECK (amount > 0);',
    'CREATE TABLE app."Orders" (id bigint, amount numeric);\nALTER TABLE app."Orders" ADD CONSTRAINT c CHECK (amount > 0);',
    // Other constraint kinds are other rules' business.
    'ALTER TABLE orders ADD CONSTRAINT orders_code_key UNIQUE (code);',
  ],
  invalid: [
    {
      name: 'a CHECK declared with ADD COLUMN checks every row (it cannot be NOT VALID)',
      code: 'ALTER TABLE t ADD COLUMN c int DEFAULT 1 CHECK (c > 0);',
      errors: [{ line: 1, column: 42, message: /^ADD COLUMN c \.\.\. CHECK checks every existing row of t while holding an ACCESS EXCLUSIVE lock/, help: /ADD CONSTRAINT t_c_check CHECK \(\.\.\.\) NOT VALID/ }],
    },
    {
      name: 'a table named by a reserved word is quoted in the message and the fix',
      code: 'ALTER TABLE "order" ADD CONSTRAINT positive CHECK (total > 0);',
      errors: [
        {
          message: /every existing row of "order"/,
          fix: 'ALTER TABLE "order" ADD CONSTRAINT positive CHECK (total > 0) NOT VALID;\n-- in a separate transaction:\nALTER TABLE "order" VALIDATE CONSTRAINT positive;',
        },
      ],
    },
    {
      code: 'ALTER TABLE orders ADD CONSTRAINT orders_amount_check CHECK (amount > 0);',
      errors: [
        {
          line: 1,
          column: 24,
          endColumn: 34,
          severity: 'warning',
          message: /CHECK without NOT VALID checks every existing row of orders while holding an ACCESS EXCLUSIVE lock/,
          help: /VALIDATE CONSTRAINT orders_amount_check in a separate transaction/,
        },
      ],
    },
    {
      code: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fkey FOREIGN KEY (user_id) REFERENCES users (id);',
      errors: [{ line: 1, column: 24, message: /FOREIGN KEY .*SHARE ROW EXCLUSIVE locks on orders and on users/ }],
    },
    {
      name: 'unnamed constraints get the generated name',
      code: 'ALTER TABLE orders ADD CHECK (amount > 0), ADD FOREIGN KEY (user_id, org_id) REFERENCES members (user_id, org_id);',
      errors: [{ message: /orders_amount_check/, fix: null }, { message: /orders_user_id_org_id_fkey/, fix: null }],
    },
    {
      name: 'quoted, schema-qualified',
      code: 'ALTER TABLE "app"."Orders" ADD CONSTRAINT "Orders_amount_check" CHECK ("amount" > 0);',
      errors: [{ line: 1, column: 32, message: /"Orders_amount_check" CHECK .* app\."Orders"/ }],
    },
    {
      name: 'VALIDATE in the same per-file transaction as ADD ... NOT VALID',
      code: 'ALTER TABLE orders ADD CONSTRAINT c CHECK (amount > 0) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT c;',
      transaction: 'per-file',
      errors: [{ line: 2, column: 1, message: /same transaction .*ACCESS EXCLUSIVE lock taken by ADD CONSTRAINT is held until COMMIT/ }],
    },
    {
      name: 'VALIDATE in the same explicit transaction, foreign key',
      code: 'BEGIN;\nALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\nALTER TABLE orders VALIDATE CONSTRAINT fk;\nCOMMIT;',
      errors: [{ line: 3, column: 1, message: /SHARE ROW EXCLUSIVE lock .*blocks writes/ }],
    },
    {
      name: 'VALIDATE in the same ALTER TABLE',
      code: 'ALTER TABLE orders ADD CONSTRAINT c CHECK (amount > 0) NOT VALID, VALIDATE CONSTRAINT c;',
      errors: [{ line: 1, column: 1, message: /same transaction/ }],
    },
    {
      code: 'ALTER TABLE orders ADD CONSTRAINT orders_amount_check CHECK (amount > 0);',
      transaction: 'per-file',
      errors: [{ line: 1, column: 24 }],
    },
  ],
});

it('constraint-without-not-valid offers NOT VALID + VALIDATE as the fix', async () => {
  const { findings } = await lintText('ALTER TABLE orders ADD CONSTRAINT orders_amount_check CHECK (amount > 0);', {
    rules: [rule],
  });
  expect(findings[0]?.fix).toBe(
    'ALTER TABLE orders ADD CONSTRAINT orders_amount_check CHECK (amount > 0) NOT VALID;\n-- in a separate transaction:\nALTER TABLE orders VALIDATE CONSTRAINT orders_amount_check;',
  );
});
