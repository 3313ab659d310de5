import rule from '../../../src/lint/rules/ban-delete-without-where.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    // WITH NO DATA does not run the query (row count unchanged on PostgreSQL 15).
    'CREATE TABLE x1 AS WITH d AS (DELETE FROM dd RETURNING *) SELECT * FROM d WITH NO DATA;',
    'DELETE FROM users WHERE NULL = NULL;',
    'EXPLAIN DELETE FROM users;',
    'DELETE FROM users WHERE id = 1;',
    'DELETE FROM "Audit"."Events" WHERE created_at < now() - interval \'90 days\';',
    'DELETE FROM sessions WHERE false;',
    'CREATE TABLE import_rows (id bigint);\nDELETE FROM import_rows;',
    'WITH gone AS (DELETE FROM sessions WHERE expires_at < now() RETURNING id) SELECT count(*) FROM gone;',
    // A function body is a definition, not a delete that runs now.
    'CREATE FUNCTION purge() RETURNS void LANGUAGE sql BEGIN ATOMIC DELETE FROM sessions; END;',
  ],
  invalid: [
    {
      name: 'EXPLAIN ANALYZE runs a CREATE TABLE AS ... WITH NO DATA query all the same (the DELETE ran on PostgreSQL 15)',
      code: 'EXPLAIN ANALYZE CREATE TABLE t2 AS WITH d AS (DELETE FROM users RETURNING *) SELECT * FROM d WITH NO DATA;',
      errors: [{ line: 1 }],
    },
    {
      name: 'statements that run a DELETE of their own (each emptied the table on PostgreSQL 15)',
      code: 'EXPLAIN ANALYZE DELETE FROM users;\nCOPY (DELETE FROM users RETURNING *) TO STDOUT;\nCREATE TABLE arch AS WITH d AS (DELETE FROM users RETURNING *) SELECT * FROM d;',
      errors: [{ line: 1 }, { line: 2 }, { line: 3 }],
    },
    {
      name: 'a view created in the run writes into its base table (DELETE 5 emptied users on PostgreSQL 15)',
      code: 'CREATE VIEW v AS SELECT * FROM users;\nDELETE FROM v;',
      errors: [{ line: 2 }],
    },
    {
      code: 'DELETE FROM users;',
      errors: [{ line: 1, column: 13, endColumn: 18, message: 'DELETE without a WHERE clause removes every row of "users"' }],
    },
    {
      code: 'SELECT 1;\nDELETE FROM ONLY "public"."Users" AS u;',
      errors: [{ line: 2, column: 18, message: '"public"."Users"' }],
    },
    {
      // A filter that keeps every row is no filter.
      code: 'DELETE FROM users WHERE true;\nDELETE FROM orders WHERE 1 = 1;',
      errors: [
        { line: 1, column: 13, message: '"users"' },
        { line: 2, column: 13, message: '"orders"' },
      ],
    },
    {
      code: 'WITH gone AS (DELETE FROM audit.events RETURNING *)\nINSERT INTO archive.events SELECT * FROM gone;',
      errors: [{ line: 1, column: 27, message: '"audit"."events"', help: 'batches' }],
    },
  ],
});
