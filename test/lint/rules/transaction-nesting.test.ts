import rule from '../../../src/lint/rules/transaction-nesting.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    // Sent as one query, BEGIN turns the implicit transaction into an explicit one: no warning (psql -c on PostgreSQL 15).
    { code: 'BEGIN;\nALTER TABLE t ADD COLUMN note text;\nCOMMIT;', transaction: 'implicit' },
    'BEGIN;\nALTER TABLE t ADD COLUMN a integer;\nCOMMIT;',
    'BEGIN;\nALTER TABLE t ADD COLUMN a integer;\nCOMMIT;\nSTART TRANSACTION;\nALTER TABLE t ADD COLUMN b integer;\nEND;',
    'BEGIN;\nSAVEPOINT s;\nALTER TABLE t ADD COLUMN a integer;\nROLLBACK TO SAVEPOINT s;\nCOMMIT;',
    { code: 'ALTER TABLE t ADD COLUMN a integer;', transaction: 'per-file' },
    { code: 'SAVEPOINT s;\nRELEASE SAVEPOINT s;', transaction: 'per-file' },
  ],
  invalid: [
    {
      name: 'AND CHAIN outside a transaction block fails (psql -c on PostgreSQL 15)',
      code: 'SELECT 1;\nCOMMIT AND CHAIN;',
      transaction: 'implicit',
      errors: [{ line: 2, severity: 'error', message: /^COMMIT AND CHAIN without BEGIN fails: PostgreSQL answers "COMMIT AND CHAIN can only be used in transaction blocks"/ }],
    },
    {
      name: 'AND CHAIN ends the tool\'s transaction and starts another',
      code: 'ALTER TABLE t ADD COLUMN a int;\nCOMMIT AND CHAIN;\nALTER TABLE t ADD COLUMN b int;',
      transaction: 'per-file',
      errors: [{ line: 2, message: /^COMMIT AND CHAIN ends the transaction the migration tool opened for this file and starts another/ }],
    },
    {
      name: 'BEGIN after COMMIT AND CHAIN is nested (PostgreSQL warns there is already a transaction in progress)',
      code: 'BEGIN;\nSELECT 1;\nCOMMIT AND CHAIN;\nBEGIN;\nCOMMIT;',
      errors: [{ line: 4 }],
    },
    {
      name: 'COMMIT without BEGIN in a file sent as one query',
      code: 'ALTER TABLE t ADD COLUMN a int;\nCOMMIT;\nALTER TABLE t ADD COLUMN b int;',
      transaction: 'implicit',
      errors: [{ line: 2, message: /^COMMIT without BEGIN in a file the migration tool sends as one query: PostgreSQL warns "there is no transaction in progress"/ }],
    },
    {
      name: 'BEGIN in a file the tool wraps in a transaction',
      code: 'BEGIN;\nALTER TABLE t ADD COLUMN a integer;\nCOMMIT;',
      transaction: 'per-file',
      errors: [
        {
          line: 1,
          column: 1,
          severity: 'warning',
          message: /already runs in a transaction.*ends the tool's transaction early/,
          help: /Remove BEGIN\/COMMIT/,
        },
      ],
    },
    {
      name: 'nested BEGIN',
      code: 'BEGIN;\nALTER TABLE t ADD COLUMN a integer;\n  BEGIN;\nCOMMIT;\nCOMMIT;',
      errors: [{ line: 3, column: 3, message: /transaction opened at line 1 is still open/ }],
    },
    {
      name: 'COMMIT ends the tool\'s transaction',
      code: 'ALTER TABLE t ADD COLUMN a integer;\nCOMMIT;\nALTER TABLE t ADD COLUMN b integer;',
      transaction: 'per-file',
      errors: [{ line: 2, column: 1, message: /COMMIT ends the transaction the migration tool opened/ }],
    },
    {
      code: 'ROLLBACK;',
      transaction: 'per-file',
      layout: 'prisma',
      errors: [{ line: 1, column: 1, message: /ROLLBACK ends/ }],
    },
  ],
});
