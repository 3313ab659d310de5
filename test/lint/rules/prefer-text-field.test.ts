import rule from '../../../src/lint/rules/prefer-text-field.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE TABLE users (email text);',
    'CREATE TABLE users (email varchar);',
    'CREATE TABLE users (email text CHECK (char_length(email) <= 255));',
    'ALTER TABLE users ALTER COLUMN email TYPE varchar(320);',
  ],
  invalid: [
    {
      code: 'CREATE TABLE users (email varchar(255));',
      errors: [
        {
          line: 1,
          column: 27,
          severity: 'warning',
          message: /Column email is varchar\(n\).*ACCESS EXCLUSIVE/,
          help: /CHECK \(char_length\(email\) <= n\)/,
        },
      ],
    },
    { code: 'ALTER TABLE users ADD COLUMN name character varying(100);', errors: [{ line: 1, column: 35 }] },
    {
      name: 'quoted, schema-qualified',
      code: 'CREATE TABLE "app"."Users" ("Name" varchar(50), bio text);',
      errors: [{ line: 1, column: 36, message: /Column "Name"/ }],
    },
  ],
});
