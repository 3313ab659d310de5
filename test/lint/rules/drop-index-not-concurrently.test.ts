import { expect, it } from 'vitest';
import { lintText } from '../../../src/lint/engine.js';
import rule from '../../../src/lint/rules/drop-index-not-concurrently.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'DROP INDEX CONCURRENTLY users_email_idx;',
    'DROP INDEX CONCURRENTLY IF EXISTS app."Users_Email_idx";',
    // Created earlier in the run: nothing in production uses it.
    'CREATE INDEX CONCURRENTLY users_email_idx ON users (email);\nDROP INDEX users_email_idx;',
    { code: 'CREATE INDEX "Tmp_idx" ON app.t (a);\nDROP INDEX IF EXISTS app."Tmp_idx";', transaction: 'per-file' },
    'DROP TABLE users;',
  ],
  invalid: [
    {
      name: 'an unnamed index may have got another name (users_email_idx1 when users_email_idx exists): the drop is of the existing one',
      code: 'CREATE INDEX CONCURRENTLY ON users (email);\nDROP INDEX users_email_idx;',
      errors: [{ line: 2 }],
    },
    {
      code: 'DROP INDEX users_email_idx;',
      errors: [
        {
          line: 1,
          column: 1,
          severity: 'warning',
          message: /DROP INDEX users_email_idx takes an ACCESS EXCLUSIVE lock/,
          help: /DROP INDEX CONCURRENTLY/,
        },
      ],
    },
    {
      name: 'quoted, schema-qualified',
      code: 'SELECT 1;\nDROP INDEX IF EXISTS app."Users_Email_idx";',
      errors: [{ line: 2, column: 1, message: /DROP INDEX app\."Users_Email_idx"/ }],
    },
    {
      name: 'only the existing index of several is named',
      code: 'CREATE INDEX CONCURRENTLY new_idx ON t (a);\nDROP INDEX new_idx, old_idx;',
      errors: [{ line: 2, column: 1, message: /DROP INDEX old_idx takes/ }],
    },
    {
      code: 'DROP INDEX users_email_idx;',
      transaction: 'per-file',
      errors: [{ line: 1, column: 1, help: /cannot run inside a transaction/ }],
    },
  ],
});

it('drop-index-not-concurrently offers DROP INDEX CONCURRENTLY for a single index without CASCADE', async () => {
  const single = await lintText('DROP INDEX IF EXISTS users_email_idx;', { rules: [rule] });
  expect(single.findings[0]?.fix).toBe('DROP INDEX CONCURRENTLY IF EXISTS users_email_idx;');
  const cascade = await lintText('DROP INDEX users_email_idx CASCADE;', { rules: [rule] });
  expect(cascade.findings[0]?.fix).toBeUndefined();
  const several = await lintText('DROP INDEX a_idx, b_idx;', { rules: [rule] });
  expect(several.findings[0]?.fix).toBeUndefined();
});
