import rule from '../../../src/lint/rules/renaming-enum-value.js';
import { ruleTester } from '../rule-tester.js';

ruleTester(rule, {
  valid: [
    // An enum created earlier in the run has no clients yet.
    "CREATE TYPE mood AS ENUM ('sad', 'ok');\nALTER TYPE mood RENAME VALUE 'ok' TO 'fine';",
    "CREATE TYPE \"App\".\"Mood\" AS ENUM ('Sad');\nALTER TYPE \"App\".\"Mood\" RENAME VALUE 'Sad' TO 'Unhappy';",
    { code: "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'happy';", pgVersion: 12 },
    'ALTER TYPE mood RENAME TO feeling;',
  ],
  invalid: [
    {
      code: "ALTER TYPE mood RENAME VALUE 'ok' TO 'fine';",
      errors: [
        {
          line: 1,
          column: 1,
          endColumn: 44,
          message: "Renaming value 'ok' of enum \"mood\" to 'fine' breaks every client",
          help: 'ADD VALUE',
        },
      ],
    },
    {
      code: "SELECT 1;\nALTER TYPE \"public\".\"Role\" RENAME VALUE 'ADMIN' TO 'OWNER';",
      errors: [{ line: 2, column: 1, message: "value 'ADMIN' of enum \"public\".\"Role\" to 'OWNER'" }],
    },
    {
      // The rebuilt type swapped in under the old name is used by existing columns: not new.
      code: [
        "CREATE TYPE \"Role_new\" AS ENUM ('USER', 'ADMIN');",
        'ALTER TYPE "Role" RENAME TO "Role_old";',
        'ALTER TYPE "Role_new" RENAME TO "Role";',
        'DROP TYPE "Role_old";',
        "ALTER TYPE \"Role\" RENAME VALUE 'USER' TO 'MEMBER';",
      ].join('\n'),
      errors: [{ line: 5, column: 1, message: "'USER'" }],
    },
  ],
});
