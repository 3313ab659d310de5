import rule from '../../../src/lint/rules/ban-drop-not-null.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    'CREATE TABLE users (id bigint, email text NOT NULL);\nALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
    'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
    "ALTER TABLE users ALTER COLUMN email SET DEFAULT '';",
    'ALTER TABLE users ALTER COLUMN email DROP DEFAULT;',
  ],
  invalid: [
    {
      code: 'ALTER TABLE users ALTER COLUMN email DROP NOT NULL;',
      errors: [
        {
          line: 1,
          column: 1,
          severity: 'warning',
          message: /DROP NOT NULL on users\.email: from now on NULLs can be written/,
          help: /Deploy every reader that handles NULL in email first/,
        },
      ],
    },
    {
      name: 'each column of one statement',
      code: 'ALTER TABLE app."Users" ALTER COLUMN "Email" DROP NOT NULL, ALTER COLUMN name DROP NOT NULL;',
      errors: [{ message: /app\."Users"\."Email"/ }, { message: /app\."Users"\.name/ }],
    },
  ],
});
