import rule from '../../../src/lint/rules/alter-enum-add-value-in-transaction.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    // Written into columns the run knows are text, the label is just text (the transaction commits on PostgreSQL 15).
    {
      code: "CREATE TABLE audit (msg text, note varchar(20));\nALTER TYPE status ADD VALUE 'archived';\nINSERT INTO audit (msg, note) VALUES ('archived', 'archived');\nUPDATE audit SET note = 'archived' WHERE note IS NULL;",
      transaction: 'per-file',
    },
    // psql-style file: each statement commits on its own.
    `ALTER TYPE mood ADD VALUE 'meh';\nUPDATE users SET mood = 'meh' WHERE mood = 'ok';`,
    { code: `ALTER TYPE mood ADD VALUE 'meh';`, pgVersion: 11 },
    // PostgreSQL 12+: adding in a transaction is fine as long as the value is not used before COMMIT.
    { code: `ALTER TYPE mood ADD VALUE 'meh';`, transaction: 'per-file' },
    { code: `ALTER TYPE mood ADD VALUE 'meh';\nUPDATE users SET mood = 'ok' WHERE mood = 'fine';`, transaction: 'per-file' },
    `BEGIN;\nALTER TYPE mood ADD VALUE 'meh';\nCOMMIT;\nUPDATE users SET mood = 'meh' WHERE mood = 'ok';`,
    // A type created in the same transaction may use its new values at once before 12 and from 17.
    {
      code: `BEGIN;\nCREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood ADD VALUE 'meh';\nCREATE TABLE t (m mood DEFAULT 'meh');\nCOMMIT;`,
      pgVersion: 11,
    },
    {
      code: `BEGIN;\nCREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood ADD VALUE 'meh';\nCREATE TABLE t (m mood DEFAULT 'meh');\nCOMMIT;`,
      pgVersion: 17,
    },
    // RENAME VALUE is renaming-enum-value's business.
    { code: `ALTER TYPE mood RENAME VALUE 'meh' TO 'so-so';`, transaction: 'per-file' },
  ],
  invalid: [
    {
      name: 'written into a column the run knows is of that enum, it is a use',
      code: "CREATE TABLE p (m status, note text);\nALTER TYPE status ADD VALUE 'b';\nINSERT INTO p (note, m) VALUES ('b', 'b');",
      transaction: 'per-file',
      errors: [{ line: 3, column: 38 }],
    },
    {
      name: 'on 12-16 a type created in the same transaction cannot use its new value before COMMIT either ("unsafe use" on 15)',
      code: `BEGIN;\nCREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood ADD VALUE 'meh';\nCREATE TABLE t (m mood DEFAULT 'meh');\nCOMMIT;`,
      pgVersion: 15,
      errors: [{ line: 4 }],
    },
    {
      name: 'before PostgreSQL 12, per-file transaction',
      code: `ALTER TYPE mood ADD VALUE 'meh';`,
      pgVersion: 11,
      transaction: 'per-file',
      errors: [
        {
          line: 1,
          column: 1,
          severity: 'error',
          message: /cannot run inside a transaction block before PostgreSQL 12/,
          help: /without a transaction/,
        },
      ],
    },
    {
      name: 'before PostgreSQL 12, explicit BEGIN, quoted schema-qualified type',
      code: `BEGIN;\nALTER TYPE app."Mood" ADD VALUE IF NOT EXISTS 'Meh' BEFORE 'Ok';\nCOMMIT;`,
      pgVersion: 10,
      errors: [{ line: 2, column: 1, message: /ALTER TYPE app\."Mood" ADD VALUE 'Meh'.*follows an explicit BEGIN/ }],
    },
    {
      name: 'PostgreSQL 12+: value used later in the same transaction',
      code: `ALTER TYPE mood ADD VALUE 'meh';\nUPDATE users SET mood = 'meh' WHERE mood = 'ok';`,
      transaction: 'per-file',
      errors: [
        {
          line: 2,
          column: 25,
          message: /'meh' was added by ALTER TYPE mood ADD VALUE earlier in this transaction .*unsafe use of new value/,
          help: /own migration/,
        },
      ],
    },
    {
      name: 'used as a column default, explicit BEGIN',
      code: `BEGIN;\nALTER TYPE app."Mood" ADD VALUE 'Meh';\nALTER TABLE users ALTER COLUMN mood SET DEFAULT 'Meh'::app."Mood";\nCOMMIT;`,
      pgVersion: 16,
      errors: [{ line: 3, column: 49, message: /ALTER TYPE app\."Mood" ADD VALUE/ }],
    },
    {
      name: 'each statement that uses it, once per statement',
      code: `ALTER TYPE mood ADD VALUE 'meh';\nINSERT INTO users (mood) VALUES ('meh'), ('meh');\nSELECT count(*) FROM users WHERE mood = 'meh';`,
      transaction: 'per-file',
      errors: [{ line: 2, column: 34 }, { line: 3, column: 41 }],
    },
  ],
});
