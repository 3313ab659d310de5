import rule from '../../../src/lint/rules/ban-char-field.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE TABLE t (code bpchar);',
    'CREATE TABLE c (code text);',
    'CREATE TABLE c (code varchar(3));',
    // The internal one-byte type is not char(n).
    'CREATE TABLE c (flag "char");',
  ],
  invalid: [
    {
      code: 'CREATE TABLE c (code char(3));',
      errors: [
        {
          line: 1,
          column: 22,
          severity: 'warning',
          message: /Column code is char\(n\): values are padded with spaces/,
          help: /text/,
        },
      ],
    },
    { code: 'ALTER TABLE c ADD COLUMN country character(2), ADD COLUMN kind char;', errors: [{ column: 34 }, { column: 64 }] },
    {
      name: 'quoted, schema-qualified',
      code: 'CREATE TABLE "app"."C" ("Code" bpchar(3));',
      errors: [{ line: 1, column: 32, message: /Column "Code"/ }],
    },
  ],
});
