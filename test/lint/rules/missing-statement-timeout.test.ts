import rule from '../../../src/lint/rules/missing-statement-timeout.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    // A new column without a DEFAULT is NULL everywhere: its REFERENCES is marked valid without a scan (seq_scan unchanged on PostgreSQL 15).
    'ALTER TABLE orders ADD COLUMN user_id bigint REFERENCES users (id);',
    // A validated CHECK (col IS NOT NULL) proves SET NOT NULL also after the table is renamed.
    "SET lock_timeout = '2s';\nALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;\nCOMMIT;\nALTER TABLE users VALIDATE CONSTRAINT users_email_nn;\nALTER TABLE users RENAME TO members;\nALTER TABLE members ALTER COLUMN email SET NOT NULL;",
    // The old type is known from the run and the change only widens it: a catalog change.
    'ALTER TABLE users ADD COLUMN note varchar(100);\nALTER TABLE users ALTER COLUMN note TYPE varchar(200);',
    'ALTER TABLE users ADD COLUMN note varchar(100);\nALTER TABLE users RENAME COLUMN note TO remark;\nALTER TABLE users ALTER COLUMN remark TYPE text;',
    `SET statement_timeout = '5min';\nALTER TABLE users ALTER COLUMN age TYPE bigint;`,
    `SET statement_timeout TO 300000;\nCREATE INDEX users_age_idx ON users (age);`,
    `SELECT set_config('statement_timeout', '5min', false);\nALTER TABLE users ALTER COLUMN email SET NOT NULL;`,
    { code: `SET LOCAL statement_timeout = '5min';\nALTER TABLE users ALTER COLUMN age TYPE bigint;`, transaction: 'per-file' },
    `BEGIN;\nSET LOCAL statement_timeout = '5min';\nALTER TABLE users ADD CONSTRAINT age_check CHECK (age > 0);\nCOMMIT;`,
    // New tables are empty: nothing to scan.
    'CREATE TABLE users (id bigint, age int);\nALTER TABLE users ALTER COLUMN age TYPE bigint;\nCREATE INDEX users_age_idx ON users (age);',
    // Quick forms: catalog-only changes, and the forms that do not block writes.
    'ALTER TABLE users ADD COLUMN age integer;',
    "ALTER TABLE users ADD COLUMN status text NOT NULL DEFAULT 'new';",
    'ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();',
    'ALTER TABLE users ADD CONSTRAINT age_check CHECK (age > 0) NOT VALID;',
    'ALTER TABLE users VALIDATE CONSTRAINT age_check;',
    'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;',
    'ALTER TABLE users DROP COLUMN age;',
    'CREATE INDEX CONCURRENTLY users_age_idx ON users (age);',
    'REINDEX TABLE CONCURRENTLY users;',
    'REFRESH MATERIALIZED VIEW CONCURRENTLY stats;',
    'VACUUM users;',
    "UPDATE users SET age = 0 WHERE id < 1000;",
    'VACUUM (FULL false) users;',
    'REFRESH MATERIALIZED VIEW stats WITH NO DATA;',
    'REINDEX (CONCURRENTLY) INDEX users_pkey;',
    // The safe SET NOT NULL (PostgreSQL 12+): a validated CHECK proves it, no scan.
    'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;\nALTER TABLE users VALIDATE CONSTRAINT email_nn;\nALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    "SET LOCAL statement_timeout = '5min';\nSET statement_timeout = '5min';\nCREATE INDEX users_age_idx ON users (age);",
  ],
  invalid: [
    {
      name: 'a new column with a DEFAULT clause (even DEFAULT NULL) and REFERENCES checks every row',
      code: 'ALTER TABLE orders ADD COLUMN user_id bigint DEFAULT NULL REFERENCES users (id);',
      errors: [{ line: 1, message: /ADD FOREIGN KEY without NOT VALID scans the whole of/ }],
    },
    {
      name: 'a narrowing of a type the run declared rewrites',
      code: 'ALTER TABLE users ADD COLUMN note varchar(100);\nALTER TABLE users ALTER COLUMN note TYPE varchar(50);',
      errors: [{ line: 2, message: /^ALTER COLUMN TYPE \(unless it only widens the type\) rewrites the whole of users/ }],
    },
    {
      name: 'a type change that resets a declared collation rebuilds the indexes',
      code: 'ALTER TABLE users ADD COLUMN code text COLLATE "C";\nALTER TABLE users ALTER COLUMN code TYPE text;',
      errors: [{ line: 2 }],
    },
    {
      name: 'a widening with a USING expression recomputes every row',
      code: 'ALTER TABLE users ADD COLUMN note varchar(100);\nALTER TABLE users ALTER COLUMN note TYPE text USING upper(note);',
      errors: [{ line: 2 }],
    },
    {
      name: 'reported once per file, at the first slow statement',
      code: 'ALTER TABLE users ALTER COLUMN age TYPE bigint;\nCREATE INDEX users_age_idx ON users (age);',
      errors: [
        {
          line: 1,
          column: 13,
          endColumn: 18,
          severity: 'warning',
          message: /ALTER COLUMN TYPE \(unless it only widens the type\) rewrites the whole of users while holding a lock that blocks reads and writes on it, .*no statement_timeout is set/,
          help: /SET statement_timeout = '5min'/,
          fix: "SET statement_timeout = '5min';",
        },
      ],
    },
    { code: 'CREATE INDEX users_age_idx ON users (age);', errors: [{ line: 1, column: 31, message: /CREATE INDEX reads the whole of users while holding a lock that blocks writes on it/ }] },
    { code: 'REINDEX INDEX users_pkey;', errors: [{ message: /REINDEX INDEX rebuilds index users_pkey from the whole of its table .*blocks writes/ }] },
    { code: 'REINDEX (CONCURRENTLY false) TABLE users;', errors: [{ message: /REINDEX rebuilds every index of users/ }] },
    { code: 'ALTER TABLE users ADD COLUMN code text UNIQUE;', errors: [{ message: /builds its index over the whole of users/ }] },
    { code: 'ALTER TABLE users ADD COLUMN age int CHECK (age > 0);', errors: [{ message: /ADD CHECK without NOT VALID scans the whole of users/ }] },
    { code: 'ALTER TABLE users ADD CONSTRAINT users_email_nn NOT NULL email;', pgVersion: 18, errors: [{ message: /ADD CONSTRAINT \.\.\. NOT NULL scans the whole of users/ }] },
    { code: 'ALTER TABLE users ALTER COLUMN total SET EXPRESSION AS (price * qty);', pgVersion: 17, errors: [{ message: /SET EXPRESSION rewrites the whole of users/ }] },
    {
      name: 'SET LOCAL outside a transaction is ignored by PostgreSQL',
      code: "SET LOCAL statement_timeout = '5min';\nCREATE INDEX users_age_idx ON users (age);",
      errors: [{ line: 2 }],
    },
    { code: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;', errors: [{ message: /SET NOT NULL scans/ }] },
    { code: 'ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);', errors: [{ message: /ADD FOREIGN KEY without NOT VALID scans the whole of orders while holding a lock that blocks writes on it/ }] },
    { code: 'ALTER TABLE users ADD PRIMARY KEY (id);', errors: [{ message: /builds its index over the whole of users/ }] },
    { code: 'ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();', errors: [{ message: /ADD COLUMN with a volatile DEFAULT rewrites the whole of users/ }] },
    { code: "ALTER TABLE users ADD COLUMN status text DEFAULT 'new';", pgVersion: 10, errors: [{ message: /ADD COLUMN with a DEFAULT \(before PostgreSQL 11\) rewrites the whole of users/ }] },
    { code: 'ALTER TABLE users ADD COLUMN n bigserial;', errors: [{ message: /ADD COLUMN with a serial type fills the whole of users/ }] },
    { code: 'ALTER TABLE users ADD COLUMN n bigint GENERATED ALWAYS AS IDENTITY;', errors: [{ message: /GENERATED AS IDENTITY fills the whole of users/ }] },
    { code: 'ALTER TABLE users ADD COLUMN total int GENERATED ALWAYS AS (a + b) STORED;', errors: [{ message: /STORED rewrites the whole of users/ }] },
    { code: 'CLUSTER users USING users_pkey;', errors: [{ message: /CLUSTER rewrites the whole of users/ }] },
    { code: 'VACUUM FULL users;', errors: [{ message: /VACUUM FULL rewrites/ }] },
    { code: 'REINDEX TABLE users;', errors: [{ message: /REINDEX rebuilds every index of users/ }] },
    { code: 'REFRESH MATERIALIZED VIEW stats;', errors: [{ message: /REFRESH MATERIALIZED VIEW recomputes the whole of stats/ }] },
    {
      name: 'statement_timeout = 0 disables the timeout',
      code: 'SET statement_timeout = 0;\nCREATE INDEX users_age_idx ON users (age);',
      errors: [{ line: 2 }],
    },
    {
      name: 'RESET and RESET ALL clear it',
      code: "SET statement_timeout = '5min';\nRESET statement_timeout;\nCREATE INDEX users_age_idx ON users (age);",
      errors: [{ line: 3 }],
    },
    {
      name: 'SET LOCAL ends with its transaction',
      code: "BEGIN;\nSET LOCAL statement_timeout = '5min';\nCOMMIT;\nCREATE INDEX users_age_idx ON users (age);",
      errors: [{ line: 4, fix: "SET statement_timeout = '5min';" }],
    },
    {
      name: 'in a transaction the fix is SET LOCAL',
      code: 'ALTER TABLE users ALTER COLUMN age TYPE bigint;',
      transaction: 'per-file',
      errors: [{ fix: "SET LOCAL statement_timeout = '5min';" }],
    },
    {
      name: 'a lock_timeout alone does not bound the time the lock is held',
      code: "SET lock_timeout = '2s';\nALTER TABLE users ALTER COLUMN age TYPE bigint;",
      errors: [{ line: 2 }],
    },
  ],
});
