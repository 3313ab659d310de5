import rule from '../../../src/lint/rules/missing-lock-timeout.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    `SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN age integer;`,
    `SET lock_timeout TO 5000;\nDROP TABLE old_users;`,
    `SELECT set_config('lock_timeout', '2s', false);\nTRUNCATE audit_log;`,
    { code: `SET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN age integer;`, transaction: 'per-file' },
    `BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN age integer;\nCOMMIT;`,
    // New tables: nobody else holds locks on them.
    'CREATE TABLE users (id bigint);\nALTER TABLE users ADD COLUMN age integer;\nCREATE INDEX users_age_idx ON users (age);',
    'CREATE TABLE app."Users" (id bigint);\nALTER TABLE app."Users" ADD COLUMN "Age" integer;',
    'CREATE TABLE a (id bigint PRIMARY KEY);\nCREATE TABLE b (a_id bigint REFERENCES a (id));',
    // Locks that block neither reads nor writes.
    'CREATE INDEX CONCURRENTLY users_age_idx ON users (age);',
    'ALTER TABLE users VALIDATE CONSTRAINT users_age_check;',
    'ALTER TABLE users SET (fillfactor = 70);',
    'ALTER TABLE users ALTER COLUMN age SET STATISTICS 500;',
    'DROP INDEX CONCURRENTLY users_age_idx;',
    'REFRESH MATERIALIZED VIEW CONCURRENTLY stats;',
    'SELECT * FROM users;',
    'CREATE TABLE logs (id bigint);',
    // Policies and rules on a table created in the run.
    'CREATE TABLE notes (id bigint);\nCREATE POLICY p ON notes USING (true);\nCREATE RULE r AS ON INSERT TO notes DO NOTHING;',
  ],
  invalid: [
    {
      name: 'SET LOCAL ends at COMMIT in a file sent as one query too',
      code: `BEGIN;\nSET LOCAL lock_timeout = '1s';\nALTER TABLE t ADD COLUMN note text;\nCOMMIT;\nALTER TABLE t DROP COLUMN legacy;`,
      transaction: 'implicit',
      errors: [{ line: 5, column: 13 }],
    },
    {
      name: 'reported once per file, at the first statement',
      code: 'ALTER TABLE users ADD COLUMN age integer;\nALTER TABLE users DROP COLUMN age;',
      errors: [
        {
          line: 1,
          column: 13,
          endColumn: 18,
          severity: 'warning',
          message: /needs an ACCESS EXCLUSIVE lock on users and no lock_timeout is set .*every read and write on users queues/,
          help: /SET lock_timeout = '2s'/,
          fix: "SET lock_timeout = '2s';",
        },
      ],
    },
    { code: 'DROP TABLE old_users;', errors: [{ line: 1, column: 1, message: /ACCESS EXCLUSIVE lock on old_users/ }] },
    {
      name: 'lock_timeout = 0 disables the timeout',
      code: 'SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN age integer;',
      errors: [{ line: 2, column: 13 }],
    },
    {
      name: 'a new table referencing an existing one locks the existing one',
      code: 'CREATE TABLE orders (id bigint, user_id bigint REFERENCES users (id));',
      errors: [{ line: 1, column: 59, message: /SHARE ROW EXCLUSIVE lock on users .*INSERT, UPDATE and DELETE/ }],
    },
    {
      code: 'CREATE TRIGGER trg BEFORE INSERT ON users FOR EACH ROW EXECUTE FUNCTION f();',
      errors: [{ line: 1, column: 37, message: /SHARE ROW EXCLUSIVE/ }],
    },
    {
      name: 'quoted, schema-qualified',
      code: 'TRUNCATE "app"."Users";',
      errors: [{ line: 1, column: 10, message: /ACCESS EXCLUSIVE lock on app\."Users"/ }],
    },
    { code: 'CREATE INDEX users_age_idx ON users (age);', errors: [{ line: 1, column: 31, message: /a SHARE lock/ }] },
    {
      name: 'inside a transaction the fix is SET LOCAL',
      code: 'BEGIN;\nALTER TABLE users ADD COLUMN age integer;\nCOMMIT;',
      errors: [{ line: 2, column: 13, help: /SET LOCAL lock_timeout/, fix: "SET LOCAL lock_timeout = '2s';" }],
    },
    {
      name: 'SET LOCAL ends with its transaction',
      code: `BEGIN;\nSET LOCAL lock_timeout = '2s';\nALTER TABLE users ADD COLUMN a integer;\nCOMMIT;\nALTER TABLE users ADD COLUMN b integer;`,
      errors: [{ line: 5, column: 13 }],
    },
    // ACCESS EXCLUSIVE on the table, checked in pg_locks on PostgreSQL 15.
    { name: 'CREATE POLICY', code: 'CREATE POLICY p ON users USING (id = 1);', errors: [{ line: 1, column: 20, message: /ACCESS EXCLUSIVE lock on users/ }] },
    { name: 'ALTER POLICY', code: 'ALTER POLICY p ON app.users USING (true);', errors: [{ line: 1, column: 19, message: /ACCESS EXCLUSIVE lock on app\.users/ }] },
    { name: 'DROP POLICY', code: 'DROP POLICY p ON users;', errors: [{ line: 1, message: /ACCESS EXCLUSIVE lock on users/ }] },
    { name: 'CREATE RULE', code: 'CREATE RULE r AS ON INSERT TO users DO NOTHING;', errors: [{ line: 1, column: 31, message: /ACCESS EXCLUSIVE lock on users/ }] },
    { name: 'DROP RULE', code: 'DROP RULE r ON users;', errors: [{ line: 1, message: /ACCESS EXCLUSIVE lock on users/ }] },
    { name: 'SET SCHEMA', code: 'ALTER TABLE users SET SCHEMA archive;', errors: [{ line: 1, column: 13, message: /ACCESS EXCLUSIVE lock on users/ }] },
    {
      name: 'ATTACH PARTITION locks the attached table ACCESS EXCLUSIVE',
      code: 'ALTER TABLE events ATTACH PARTITION events_2024 FOR VALUES FROM (1) TO (2);',
      errors: [{ line: 1, column: 37, message: /ACCESS EXCLUSIVE lock on events_2024/ }],
    },
    {
      name: 'ADD FOREIGN KEY NOT VALID still takes SHARE ROW EXCLUSIVE',
      code: 'ALTER TABLE orders ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;',
      transaction: 'per-file',
      errors: [{ line: 1, column: 13, message: /SHARE ROW EXCLUSIVE lock on orders/ }],
    },
  ],
});
