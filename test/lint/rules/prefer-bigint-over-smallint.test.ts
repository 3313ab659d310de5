import rule from '../../../src/lint/rules/prefer-bigint-over-smallint.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE TABLE t (id bigint, n integer, m numeric(4));',
    'ALTER TABLE t ADD COLUMN n bigint;',
    'CREATE TABLE t (flags smallint[]);',
    'ALTER TABLE t ALTER COLUMN n TYPE smallint;',
  ],
  invalid: [
    {
      code: 'CREATE TABLE t (id bigint, rank smallint);',
      errors: [{ line: 1, column: 33, severity: 'warning', message: /Column rank is smallint \(16-bit\).*32,767/, help: /Use bigint/ }],
    },
    { code: 'CREATE TABLE t (id smallserial PRIMARY KEY);', errors: [{ message: /id is smallserial .*nextval/, help: /IDENTITY/ }] },
    { code: 'ALTER TABLE t ADD COLUMN "Level" int2;', errors: [{ message: /"Level" is smallint/ }] },
  ],
});
