import { describe, expect, it } from 'vitest';
import { lintFiles } from '../../../src/lint/engine.js';
import rule from '../../../src/lint/rules/replacing-check-constraint.js';
import { migrationFileFromText } from '../../../src/migrations/layouts.js';
import { ruleTester } from '../rule-tester.js';

// The seed incident: a CHECK constraint rebuilt without the value `member_program_item_schedule`.
const seedDrop = 'ALTER TABLE "Activity" DROP CONSTRAINT "Activity_type_check";';
const seedAdd = `ALTER TABLE "Activity" ADD CONSTRAINT "Activity_type_check" CHECK (type IN ('a','b'));`;
const seedOld = `ALTER TABLE "Activity" ADD CONSTRAINT "Activity_type_check" CHECK (type IN ('a','b','member_program_item_schedule'));`;

ruleTester(rule, {
  valid: [
    // An unknown dropped constraint named like a foreign key / unique key / primary key is not the CHECK's old self.
    'ALTER TABLE orders DROP CONSTRAINT orders_user_id_fkey;\nALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;',
    'ALTER TABLE orders DROP CONSTRAINT orders_code_key, ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;',
    seedDrop,
    seedOld,
    // Widening the list removes nothing.
    [
      `ALTER TABLE t ADD CONSTRAINT t_type_check CHECK (type IN ('a', 'b'));`,
      'ALTER TABLE t DROP CONSTRAINT t_type_check;',
      `ALTER TABLE t ADD CONSTRAINT t_type_check CHECK (type IN ('a', 'b', 'c'));`,
    ].join('\n'),
    // A table created in the same file has no old rows, triggers or functions.
    [
      `CREATE TABLE "Activity" (id bigint, type text CHECK (type IN ('a', 'b', 'member_program_item_schedule')));`,
      seedDrop,
      seedAdd,
    ].join('\n'),
    // The dropped constraint is known not to be a CHECK.
    [
      'ALTER TABLE t ADD CONSTRAINT t_owner_fkey FOREIGN KEY (owner_id) REFERENCES users (id) NOT VALID;',
      'ALTER TABLE t DROP CONSTRAINT t_owner_fkey;',
      'ALTER TABLE t ADD CONSTRAINT t_amount_check CHECK (amount > 0) NOT VALID;',
    ].join('\n'),
    // A dropped check on another column is not what the new one replaces.
    [
      'ALTER TABLE t ADD CONSTRAINT t_a_check CHECK (a > 0);',
      'ALTER TABLE t DROP CONSTRAINT t_a_check;',
      'ALTER TABLE t ADD CONSTRAINT t_b_check CHECK (b > 0);',
    ].join('\n'),
    // Different tables.
    `ALTER TABLE a DROP CONSTRAINT a_type_check;\nALTER TABLE b ADD CONSTRAINT b_type_check CHECK (type IN ('x'));`,
    // A new UNIQUE constraint after a drop is another rule's business.
    'ALTER TABLE t DROP CONSTRAINT t_key;\nALTER TABLE t ADD CONSTRAINT t_key UNIQUE (a);',
  ],
  invalid: [
    {
      name: 'CREATE TABLE IF NOT EXISTS may have kept an existing table and its rows',
      code: 'CREATE TABLE IF NOT EXISTS t (c int CONSTRAINT t_c_check CHECK (c > 0));\nALTER TABLE t DROP CONSTRAINT t_c_check;\nALTER TABLE t ADD CONSTRAINT t_c_check CHECK (c > 1) NOT VALID;',
      errors: [{ line: 3, message: /t_c_check on t is dropped and re-created/ }],
    },
    {
      name: 'seed incident, old definition unknown',
      code: `${seedDrop}\n${seedAdd}`,
      errors: [
        {
          line: 2,
          column: 28,
          endColumn: 38,
          severity: 'error',
          message: /"Activity_type_check" on "Activity" is dropped and re-created.*existing rows, triggers and functions may still use values the new check rejects/,
          help: /prodguard check/,
        },
      ],
    },
    {
      name: 'seed incident, old definition earlier in the run: names the removed value',
      code: `${seedOld}\n${seedDrop}\n${seedAdd}`,
      errors: [
        {
          line: 3,
          column: 28,
          message: /without the value 'member_program_item_schedule' \(column type\) that the old check allowed/,
          help: /prodguard check/,
        },
      ],
    },
    {
      name: 'seed incident, drop and add in one ALTER TABLE',
      code: `${seedOld}\nALTER TABLE "Activity" DROP CONSTRAINT "Activity_type_check",\n  ADD CONSTRAINT "Activity_type_check" CHECK (type IN ('a','b'));`,
      errors: [{ line: 3, column: 7, message: /'member_program_item_schedule'/ }],
    },
    {
      name: 'seed incident in a per-file transaction (Prisma)',
      code: `${seedDrop}\n${seedAdd}`,
      transaction: 'per-file',
      layout: 'prisma',
      errors: [{ line: 2, column: 28 }],
    },
    {
      name: 'schema-qualified and unqualified names of the same table, = ANY (ARRAY[...]) as pg_dump writes it',
      code: [
        `ALTER TABLE public.orders ADD CONSTRAINT orders_status_check CHECK (((status)::text = ANY ((ARRAY['new'::character varying, 'paid'::character varying, 'refunded'::character varying])::text[])));`,
        'ALTER TABLE orders DROP CONSTRAINT orders_status_check;',
        `ALTER TABLE "public"."orders" ADD CONSTRAINT orders_status_check CHECK (status = ANY (ARRAY['new', 'paid']));`,
      ].join('\n'),
      errors: [{ line: 3, column: 35, message: /without the value 'refunded' \(column status\)/ }],
    },
    {
      name: 'OR chain, several values removed, renamed constraint',
      code: [
        `ALTER TABLE t ADD CONSTRAINT old_kind CHECK (kind = 'a' OR kind = 'b' OR kind = 'c');`,
        'ALTER TABLE t DROP CONSTRAINT old_kind;',
        `ALTER TABLE t ADD CONSTRAINT new_kind CHECK (kind IN ('a'));`,
      ].join('\n'),
      errors: [{ line: 3, message: /new_kind on t replaces the dropped constraint old_kind without the values 'b', 'c' \(column kind\)/ }],
    },
    {
      name: 'a nullable column: IS NULL OR IN (...) still names the removed value',
      code: [
        `ALTER TABLE t ADD CONSTRAINT t_kind_check CHECK (kind IS NULL OR kind IN ('a', 'b', 'c'));`,
        'ALTER TABLE t DROP CONSTRAINT t_kind_check;',
        `ALTER TABLE t ADD CONSTRAINT t_kind_check CHECK ((kind IS NULL) OR (kind = ANY (ARRAY['a', 'b'])));`,
      ].join('\n'),
      errors: [{ line: 3, message: /without the value 'c' \(column kind\)/ }],
    },
    {
      name: 'an unnamed check gets the generated name',
      code: `ALTER TABLE t DROP CONSTRAINT t_kind_check;\nALTER TABLE t ADD CHECK (kind IN ('a'));`,
      errors: [{ line: 2, column: 19, message: /t_kind_check on t is dropped and re-created/ }],
    },
    {
      name: 'old check not a value list',
      code: `ALTER TABLE t ADD CONSTRAINT t_amount_check CHECK (amount > 0);\nALTER TABLE t DROP CONSTRAINT t_amount_check;\nALTER TABLE t ADD CONSTRAINT t_amount_check CHECK (amount > 10) NOT VALID;`,
      errors: [{ line: 3, message: /with a new definition/ }],
    },
    {
      name: 'explicit transaction',
      code: `BEGIN;\n${seedDrop}\n${seedAdd}\nCOMMIT;`,
      errors: [{ line: 3, column: 28 }],
    },
  ],
});

describe('replacing-check-constraint across files of one run', () => {
  it('names the removed value when the table was created by an earlier migration of the run', async () => {
    const files = [
      migrationFileFromText(
        'prisma/migrations/1_init/migration.sql',
        `CREATE TABLE "Activity" (id bigint PRIMARY KEY, type text NOT NULL CHECK (type IN ('a', 'b', 'member_program_item_schedule')));`,
        'prisma',
      ),
      migrationFileFromText('prisma/migrations/2_drop/migration.sql', seedDrop, 'prisma'),
      migrationFileFromText('prisma/migrations/3_add/migration.sql', seedAdd, 'prisma'),
    ];
    const { findings } = await lintFiles(files, { rules: [rule] });
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      rule: 'replacing-check-constraint',
      severity: 'error',
      file: 'prisma/migrations/3_add/migration.sql',
      line: 1,
      column: 28,
    });
    expect(findings[0]?.message).toContain("'member_program_item_schedule'");
    expect(findings[0]?.help).toContain('prodguard check');
  });

  it('pairs a CHECK with an unknown dropped constraint of another name only in the same file', async () => {
    const files = [
      migrationFileFromText('1.sql', 'ALTER TABLE orders DROP CONSTRAINT orders_total_rule;', 'plain'),
      migrationFileFromText('2.sql', 'ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;', 'plain'),
      migrationFileFromText('3.sql', 'ALTER TABLE items DROP CONSTRAINT items_qty_rule;\nALTER TABLE items ADD CONSTRAINT items_qty_positive CHECK (qty > 0) NOT VALID;', 'plain'),
    ];
    const { findings } = await lintFiles(files, { rules: [rule] });
    expect(findings.map((f) => [f.file, f.line])).toEqual([['3.sql', 2]]);
    expect(findings[0]?.message).toContain('replaces the dropped constraint items_qty_rule');
  });
});
