import rule from '../../../src/lint/rules/enum-value-removed.js';
import { ruleTester } from '../rule-tester.js';

/** What `prisma migrate dev` generates when values are removed from an enum. */
const prismaRebuild = [
  'BEGIN;',
  'CREATE TYPE "Role_new" AS ENUM (\'USER\', \'ADMIN\');',
  'ALTER TABLE "User" ALTER COLUMN "role" TYPE "Role_new" USING ("role"::text::"Role_new");',
  'ALTER TYPE "Role" RENAME TO "Role_old";',
  'ALTER TYPE "Role_new" RENAME TO "Role";',
  'DROP TYPE "Role_old";',
  'COMMIT;',
].join('\n');

ruleTester(rule, {
  valid: [
    // billing.status is another type than (public) status.
    "CREATE TYPE billing.status AS ENUM ('paid', 'due');\nDROP TYPE IF EXISTS status;\nCREATE TYPE status AS ENUM ('draft', 'published');",
    "CREATE TYPE mood AS ENUM ('sad', 'ok');",
    "ALTER TYPE mood ADD VALUE 'happy';",
    // A rebuild that keeps every value (here: to reorder them) removes nothing.
    [
      "CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');",
      "CREATE TYPE mood_new AS ENUM ('happy', 'ok', 'sad');",
      'ALTER TABLE person ALTER COLUMN current_mood TYPE mood_new USING (current_mood::text::mood_new);',
      'ALTER TYPE mood RENAME TO mood_old;',
      'ALTER TYPE mood_new RENAME TO mood;',
      'DROP TYPE mood_old;',
    ].join('\n'),
    // The idempotent create: DROP TYPE IF EXISTS of an unknown type, then CREATE TYPE.
    "DROP TYPE IF EXISTS \"public\".\"status\";\nCREATE TYPE \"public\".\"status\" AS ENUM ('open', 'closed');",
    // Renaming a type that is not known as an enum into a free name: not the rebuild pattern.
    'ALTER TYPE address RENAME TO postal_address;',
  ],
  invalid: [
    {
      // The earlier definition is in the run: the removed value is named.
      code: `CREATE TYPE "Role" AS ENUM ('USER', 'ADMIN', 'GUEST');\n${prismaRebuild}`,
      errors: [
        {
          line: 6,
          column: 1,
          endColumn: 39,
          message: "Enum \"Role\" is rebuilt without the value 'GUEST': existing rows that hold it make the column conversion",
          help: 'prodguard check',
        },
      ],
    },
    {
      // Values added and renamed since the first definition are followed.
      code: [
        "CREATE TYPE \"Role\" AS ENUM ('USER', 'ADMIN');",
        "ALTER TYPE \"Role\" ADD VALUE 'GUEST';",
        "ALTER TYPE \"Role\" ADD VALUE 'OWNER';",
        "ALTER TYPE \"Role\" RENAME VALUE 'ADMIN' TO 'ADMINISTRATOR';",
        prismaRebuild,
      ].join('\n'),
      errors: [{ line: 9, column: 1, message: "without the values 'ADMINISTRATOR', 'GUEST', 'OWNER'" }],
    },
    {
      // No earlier definition: the rebuild is a probable removal.
      code: prismaRebuild,
      errors: [{ line: 5, column: 1, message: 'Enum "Role" is rebuilt (a new type swapped in under its name)' }],
    },
    {
      // Prisma's own warning header names the values when the old definition is not in the run.
      code: [
        '/*',
        '  Warnings:',
        '',
        '  - The values [GUEST,OWNER] on the enum `Role` will be removed. If these variants are still used in the database, this will fail.',
        '',
        '*/',
        '-- AlterEnum',
        prismaRebuild,
      ].join('\n'),
      errors: [{ line: 12, column: 1, message: "without the values 'GUEST', 'OWNER' (as the migration's own warning says)" }],
    },
    {
      // The rename-first variant: the type is re-created under the vacated name.
      code: [
        "CREATE TYPE app.status AS ENUM ('draft', 'live', 'archived');",
        'ALTER TYPE app.status RENAME TO status_old;',
        "CREATE TYPE app.status AS ENUM ('draft', 'live');",
        'ALTER TABLE app.posts ALTER COLUMN status TYPE app.status USING (status::text::app.status);',
        'DROP TYPE app.status_old;',
      ].join('\n'),
      errors: [{ line: 3, column: 1, message: "Enum \"app\".\"status\" is rebuilt without the value 'archived'" }],
    },
    {
      // Drizzle: convert to text, drop the type, create it again, convert back.
      code: [
        'ALTER TABLE "posts" ALTER COLUMN "status" SET DATA TYPE text;',
        'DROP TYPE "public"."status";',
        "CREATE TYPE \"public\".\"status\" AS ENUM('draft', 'live');",
        'ALTER TABLE "posts" ALTER COLUMN "status" SET DATA TYPE "public"."status" USING "status"::"public"."status";',
      ].join('\n'),
      errors: [{ line: 3, column: 1, message: 'is rebuilt (a new type swapped in under its name)' }],
    },
    {
      // Drop the old type first, then rename the new one in.
      code: [
        "CREATE TYPE admin_level AS ENUM ('classifier', 'moderator', 'god');",
        "CREATE TYPE admin_level_new AS ENUM ('classifier', 'moderator');",
        'ALTER TABLE admins ALTER COLUMN level TYPE admin_level_new USING (level::text::admin_level_new);',
        'DROP TYPE admin_level;',
        'ALTER TYPE admin_level_new RENAME TO admin_level;',
      ].join('\n'),
      errors: [{ line: 5, column: 1, message: "'god'" }],
    },
  ],
});
