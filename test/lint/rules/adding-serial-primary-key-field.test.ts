import rule from '../../../src/lint/rules/adding-serial-primary-key-field.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE TABLE users (email text);\nALTER TABLE users ADD COLUMN id serial PRIMARY KEY;',
    'CREATE TABLE app."Users" (email text);\nALTER TABLE app."Users" ADD COLUMN "Id" bigserial PRIMARY KEY;',
    'ALTER TABLE users ADD COLUMN id bigint;',
    // A table-level ADD PRIMARY KEY is adding-unique-constraint's finding.
    'ALTER TABLE users ADD PRIMARY KEY (id);',
  ],
  invalid: [
    {
      code: 'ALTER TABLE users ADD COLUMN id serial PRIMARY KEY;',
      errors: [
        {
          line: 1,
          column: 40,
          endColumn: 47,
          severity: 'error',
          message: /writes a value into every existing row .*ACCESS EXCLUSIVE/,
          help: /PRIMARY KEY USING INDEX/,
        },
      ],
    },
    {
      code: 'ALTER TABLE users ADD COLUMN id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY;',
      transaction: 'per-file',
      errors: [{ line: 1, column: 69, message: /full table rewrite/ }],
    },
    {
      name: 'quoted, schema-qualified, no default',
      code: 'ALTER TABLE "app"."Users" ADD COLUMN "Id" uuid PRIMARY KEY;',
      errors: [{ line: 1, column: 48, message: /"Id" .* on app\."Users" has no value for existing rows, so it fails on any non-empty table/ }],
    },
  ],
});
