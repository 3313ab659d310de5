import { mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { defineRule } from '../../src/lint/define-rule.js';
import { lintFiles, lintText } from '../../src/lint/engine.js';
import { allRules } from '../../src/lint/rules/index.js';
import type { Finding, Rule, RuleContext } from '../../src/lint/types.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { migrationFileFromText } from '../../src/migrations/layouts.js';

type Node = Record<string, unknown>;

/** Records what a rule sees of the state at each statement, by the statement's first line. */
function recorder(probe: (ctx: RuleContext) => unknown): { rule: Rule; seen: unknown[] } {
  const seen: unknown[] = [];
  const rule = defineRule({
    id: 'test-recorder',
    severity: 'warning',
    level: 1,
    summary: 'records state',
    check(ctx) {
      seen.push(probe(ctx));
    },
  });
  return { rule, seen };
}

const noDrop = defineRule({
  id: 'test-no-drop',
  severity: 'error',
  level: 3,
  summary: 'flags DROP',
  check(ctx) {
    if (ctx.statement.kind === 'DropStmt') ctx.report({ message: 'drops', help: 'do not' });
  },
});

const noTruncate = defineRule({
  id: 'test-no-truncate',
  severity: 'warning',
  level: 3,
  summary: 'flags TRUNCATE',
  check(ctx) {
    if (ctx.statement.kind === 'TruncateStmt') ctx.report({ message: 'truncates', help: 'do not', severity: 'error' });
  },
});

const tableName = (ctx: RuleContext): { schema?: string; name: string } => {
  const relation = (ctx.node?.['relation'] ?? (ctx.node?.['into'] as Node | undefined)?.['rel']) as
    | { schemaname?: string; relname: string }
    | undefined;
  return { schema: relation?.schemaname, name: relation?.relname ?? '' };
};

describe('LintState', () => {
  it('tracks tables created earlier in the run, across files; unqualified names are public', async () => {
    const { rule, seen } = recorder((ctx) => ctx.state.isNewTable(tableName(ctx)));
    const files = [
      migrationFileFromText('1.sql', 'CREATE TABLE public.a (id int);\nALTER TABLE a ADD COLUMN x int;', 'plain'),
      migrationFileFromText(
        '2.sql',
        'ALTER TABLE public.a ADD COLUMN y int;\nALTER TABLE other.a ADD COLUMN y int;\nALTER TABLE b ADD COLUMN y int;\nDROP TABLE a;\nALTER TABLE a ADD COLUMN z int;',
        'plain',
      ),
    ];
    await lintFiles(files, { rules: [rule] });
    // The CREATE itself sees the state before it: not new yet. other.a is another table.
    expect(seen).toEqual([false, true, true, false, false, false, false]);
  });

  it('does not count IF NOT EXISTS creations as new: the object may have been there, with its rows', async () => {
    const { rule, seen } = recorder((ctx) => [ctx.state.isNewTable(tableName(ctx)), ctx.state.isNewIndex({ name: 'users_email_idx' })]);
    await lintText(
      [
        'CREATE TABLE IF NOT EXISTS users (id bigint primary key);',
        'CREATE INDEX IF NOT EXISTS users_email_idx ON users (email);',
        'CREATE SEQUENCE IF NOT EXISTS users_seq;',
        'CREATE TABLE IF NOT EXISTS users_copy AS SELECT * FROM users;',
        'ALTER TABLE users ADD COLUMN email text NOT NULL;',
        'ALTER TABLE users_seq OWNER TO app;',
        'ALTER TABLE users_copy ADD COLUMN x int;',
      ].join('\n'),
      { rules: [rule] },
    );
    expect(seen.slice(4)).toEqual([
      [false, false],
      [false, false],
      [false, false],
    ]);
    const { findings } = await lintText('CREATE TABLE IF NOT EXISTS users (id bigint primary key);\nALTER TABLE users ADD COLUMN email text NOT NULL;\nDROP TABLE users;');
    expect(findings.map((f) => f.rule)).toEqual(expect.arrayContaining(['adding-required-column', 'ban-drop-table']));
  });

  it('reads already-applied migrations as the existing schema: known, not new, not reported', async () => {
    const applied = [
      migrationFileFromText(
        '1_init.sql',
        "CREATE SCHEMA billing;\nCREATE TYPE status AS ENUM ('draft', 'paid', 'void');\nCREATE TABLE users (id bigint PRIMARY KEY, email varchar(50), status status);\nDROP TABLE legacy;\nCREATE TYPE mood AS ENUM ('sad', 'ok');\nCREATE DOMAIN posint AS int;",
        'plain',
      ),
      migrationFileFromText('2_more.sql', 'ALTER TABLE users ADD COLUMN name varchar(20);', 'plain'),
    ];
    const pending = migrationFileFromText(
      '3_new.sql',
      [
        "SET lock_timeout = '1s';",
        "SET statement_timeout = '1min';",
        'ALTER TABLE users ALTER COLUMN email TYPE varchar(100);',
        'ALTER TABLE users DROP COLUMN name;',
        "CREATE TYPE status_new AS ENUM ('draft', 'paid');",
        'ALTER TABLE users ALTER COLUMN status TYPE status_new USING status::text::status_new;',
        'DROP TYPE status;',
        'ALTER TYPE status_new RENAME TO status;',
        'DROP SCHEMA billing;',
        'DROP TABLE users;',
        "ALTER TYPE mood RENAME VALUE 'sad' TO 'unhappy';",
        'ALTER DOMAIN posint ADD CONSTRAINT posint_check CHECK (VALUE > 0);',
      ].join('\n'),
      'plain',
    );
    const result = await lintFiles([pending], { context: applied });
    const rules = result.findings.map((f) => `${f.line} ${f.rule}`);
    // The widening of a type the applied migrations declared is not reported; the rest is.
    expect(rules).not.toContain('3 changing-column-type');
    // Rules that remember what the run created must not count the applied migrations' objects.
    expect(rules).toEqual(
      expect.arrayContaining(['4 ban-drop-column', '9 ban-drop-schema', '10 ban-drop-table', '11 renaming-enum-value', '12 ban-alter-domain-with-add-constraint']),
    );
    const removed = result.findings.find((f) => f.rule === 'enum-value-removed');
    expect(removed?.message).toContain("'void'");
    expect(result.findings.every((f) => f.file === '3_new.sql')).toBe(true);
    expect(result.files.map((f) => f.path)).toEqual(['3_new.sql']);
    expect(result.summary.files).toBe(1);

    // Linted as one run instead, the same statements are on objects the run created.
    const asRun = await lintFiles([...applied, pending]);
    const runRules = asRun.findings.filter((f) => f.file === '3_new.sql').map((f) => f.rule);
    expect(runRules).not.toContain('ban-drop-table');
    expect(runRules).not.toContain('ban-drop-schema');
  });

  it('learns NOT NULL proofs from the CREATE TABLE of an applied migration', async () => {
    const applied = migrationFileFromText('1.sql', 'CREATE TABLE t (a int CHECK (a IS NOT NULL), b int, c int NOT NULL, d int, CONSTRAINT b_nn CHECK (b IS NOT NULL));', 'plain');
    const pending = migrationFileFromText(
      '2.sql',
      "SET lock_timeout = '1s';\nSET statement_timeout = '1min';\nALTER TABLE t ALTER COLUMN a SET NOT NULL, ALTER COLUMN b SET NOT NULL, ALTER COLUMN c SET NOT NULL;\nALTER TABLE t ALTER COLUMN d SET NOT NULL;",
      'plain',
    );
    const result = await lintFiles([pending], { context: [applied] });
    expect(result.findings.filter((f) => f.rule === 'set-not-null').map((f) => [f.line, f.message.slice(0, 24)])).toEqual([[4, 'SET NOT NULL on t.d scan']]);
  });

  it('moves a new table\'s indexes with it (SET SCHEMA, RENAME) and drops them with it', async () => {
    const { rule, seen } = recorder((ctx) => [
      ctx.state.isNewIndex({ schema: 'a', name: 'i' }),
      ctx.state.isNewIndex({ schema: 'b', name: 'i' }),
      ctx.state.isNewIndex({ schema: 'b', name: 'j' }),
    ]);
    await lintText(
      ['CREATE TABLE a.t (x int);', 'CREATE INDEX i ON a.t (x);', 'ALTER TABLE a.t SET SCHEMA b;', 'ALTER INDEX b.i RENAME TO j;', 'ALTER TABLE b.t RENAME TO u;', 'DROP TABLE b.u;', 'SELECT 1;'].join('\n'),
      { rules: [rule] },
    );
    expect(seen.slice(2)).toEqual([
      [true, false, false],
      [false, true, false],
      [false, false, true],
      [false, false, true],
      [false, false, false],
    ]);
  });

  it('an edited migration\'s objects are new for its own statements only', async () => {
    const edited = migrationFileFromText('1.sql', 'CREATE TABLE t (id bigint);\nCREATE INDEX t_id ON t (id);\nALTER TABLE t ADD COLUMN c int;\nALTER TABLE u ADD COLUMN d int;', 'plain');
    const later = migrationFileFromText('2.sql', 'ALTER TABLE t DROP COLUMN c;\nDROP INDEX t_id;\nALTER TABLE u DROP COLUMN d;', 'plain');
    const result = await lintFiles([edited, later], { edited: new Set([edited]) });
    const rules = (file: string): string[] => result.findings.filter((f) => f.file === file).map((f) => `${f.line} ${f.rule}`);
    expect(rules('1.sql')).not.toContain('2 create-index-not-concurrently');
    expect(rules('2.sql')).toEqual(expect.arrayContaining(['1 ban-drop-column', '2 drop-index-not-concurrently', '3 ban-drop-column']));
    const plain = await lintFiles([edited, later]);
    expect(plain.findings.filter((f) => f.file === '2.sql' && f.rule === 'ban-drop-column')).toEqual([]);
  });

  it('a new table renamed into the place of an existing one (the swap pattern) is not new', async () => {
    const result = await lintText(
      [
        'CREATE TABLE users_new (LIKE users);',
        'INSERT INTO users_new SELECT * FROM users;',
        'ALTER TABLE users RENAME TO users_old;',
        'ALTER TABLE users_new RENAME TO users;',
        'DROP TABLE users_old;',
        'ALTER TABLE users DROP COLUMN email;',
        'CREATE TABLE fresh (id bigint);',
        'ALTER TABLE fresh RENAME TO fresh2;',
        'ALTER TABLE fresh2 DROP COLUMN id;',
      ].join('\n'),
    );
    const lines = result.findings.filter((f) => f.rule.startsWith('ban-drop')).map((f) => `${f.line} ${f.rule}`);
    expect(lines).toEqual(['5 ban-drop-table', '6 ban-drop-column']);
  });

  it('knows the partitioned tables of applied migrations: no CONCURRENTLY fix there, ON ONLY on a plain table builds an index', async () => {
    const applied = migrationFileFromText('1.sql', 'CREATE TABLE events (at date) PARTITION BY RANGE (at);\nCREATE TABLE users (email text);', 'plain');
    const pending = migrationFileFromText(
      '2.sql',
      'CREATE INDEX events_at_idx ON events (at);\nCREATE INDEX users_email_idx ON ONLY users (email);\nCREATE INDEX events_at2_idx ON ONLY events (at);\nCREATE INDEX CONCURRENTLY events_at3_idx ON events (at);',
      'plain',
    );
    const result = await lintFiles([pending], { context: [applied], rules: allRules.filter((rule) => rule.id === 'create-index-not-concurrently') });
    expect(result.findings.map((f) => [f.line, f.fix === undefined])).toEqual([
      [1, true],
      [2, false],
      [4, true],
    ]);
    expect(result.findings[2]!.message).toMatch(/^CREATE INDEX CONCURRENTLY on the partitioned table events fails/);
    expect(result.findings[2]!.severity).toBe('error');
    expect(result.findings[0]!.message).toContain('CONCURRENTLY is not available on a partitioned table');
    expect(result.findings[0]!.help).toContain('ON ONLY');
  });

  it('an edited migration\'s schemas, enums and domains are not remembered as created by the run', async () => {
    const edited = migrationFileFromText('1.sql', "CREATE SCHEMA billing;\nCREATE TYPE status AS ENUM ('a', 'b');\nCREATE DOMAIN posint AS int;", 'plain');
    const later = migrationFileFromText('2.sql', "DROP SCHEMA billing;\nALTER TYPE status RENAME VALUE 'a' TO 'z';\nALTER DOMAIN posint ADD CONSTRAINT pos CHECK (VALUE > 0);", 'plain');
    const result = await lintFiles([edited, later], { edited: new Set([edited]) });
    const rules = result.findings.filter((f) => f.file === '2.sql').map((f) => `${f.line} ${f.rule}`);
    expect(rules).toEqual(expect.arrayContaining(['1 ban-drop-schema', '2 renaming-enum-value', '3 ban-alter-domain-with-add-constraint']));
  });

  it('after a swap, the swapped-in table\'s indexes and added columns are not new either; renames in applied migrations vacate nothing', async () => {
    const swap = await lintText(
      [
        'CREATE TABLE users_new (id bigint, email text);',
        'CREATE INDEX users_new_email_idx ON users_new (email);',
        'ALTER TABLE users_new ADD COLUMN note text;',
        'ALTER TABLE users RENAME TO users_old;',
        'ALTER TABLE users_new RENAME TO users;',
        'DROP INDEX users_new_email_idx;',
        'ALTER TABLE users DROP COLUMN note;',
      ].join('\n'),
    );
    const lines = swap.findings.filter((f) => ['drop-index-not-concurrently', 'ban-drop-column'].includes(f.rule)).map((f) => `${f.line} ${f.rule}`);
    expect(lines).toEqual(['6 drop-index-not-concurrently', '7 ban-drop-column']);
    const applied = migrationFileFromText('1.sql', 'CREATE TABLE reports (id bigint);\nALTER TABLE reports RENAME TO reports_archive;', 'plain');
    const pending = migrationFileFromText('2.sql', 'CREATE TABLE reports_tmp (id bigint);\nALTER TABLE reports_tmp RENAME TO reports;\nALTER TABLE reports ADD COLUMN owner bigint NOT NULL;', 'plain');
    const result = await lintFiles([pending], { context: [applied] });
    expect(result.findings.filter((f) => f.rule === 'adding-required-column')).toEqual([]);
  });

  it('a view the run created is not read by anyone under its first name: renaming it is fine', async () => {
    const result = await lintText('CREATE VIEW active_users_tmp AS SELECT 1 AS x;\nALTER VIEW active_users_tmp RENAME TO active_users;\nALTER VIEW old_view RENAME TO new_view;');
    expect(result.findings.filter((f) => f.rule === 'renaming-table').map((f) => f.line)).toEqual([3]);
  });

  it('a view created where an existing one was (dropped, renamed away, or a renamed table\'s old name) serves its clients', async () => {
    const lines = async (sql: string): Promise<number[]> =>
      (await lintText(sql)).findings.filter((f) => f.rule === 'renaming-table').map((f) => f.line);
    expect(await lines('CREATE VIEW report_new AS SELECT 1 AS a;\nALTER VIEW report RENAME TO report_old;\nALTER VIEW report_new RENAME TO report;\nALTER VIEW report RENAME TO report_final;')).toEqual([2, 4]);
    expect(await lines('DROP VIEW report;\nCREATE VIEW report AS SELECT 1 AS a, 2 AS b;\nALTER VIEW report RENAME TO report_v2;')).toEqual([3]);
    expect(await lines('ALTER TABLE users RENAME TO accounts;\nCREATE VIEW users AS SELECT * FROM accounts;\nALTER VIEW users SET SCHEMA legacy;')).toEqual([1, 3]);
    expect(await lines('CREATE VIEW v1 AS SELECT 1 AS a;\nALTER TABLE v1 RENAME TO v2;')).toEqual([]);
  });

  it('resolves a domain\'s constraints through its base domains when a column is added (relfilenode on PostgreSQL 15)', async () => {
    const rewrites = async (sql: string): Promise<boolean> => (await lintText(sql)).findings.some((f) => f.rule === 'adding-volatile-default');
    expect(await rewrites('CREATE DOMAIN d1 AS int;\nCREATE DOMAIN d2 AS d1;\nALTER DOMAIN d1 ADD CONSTRAINT c CHECK (VALUE > 0);\nALTER TABLE t ADD COLUMN a d2;')).toBe(true);
    expect(await rewrites('CREATE DOMAIN h1 AS int CONSTRAINT hc CHECK (VALUE > 0);\nCREATE DOMAIN h2 AS h1;\nALTER DOMAIN h2 DROP CONSTRAINT IF EXISTS hc;\nALTER TABLE t ADD COLUMN d h2;')).toBe(true);
    expect(await rewrites('CREATE DOMAIN e1 AS int CONSTRAINT ec CHECK (VALUE > 0);\nCREATE DOMAIN e2 AS e1;\nALTER DOMAIN e1 DROP CONSTRAINT ec;\nALTER TABLE t ADD COLUMN b e2;')).toBe(false);
    expect(await rewrites('CREATE DOMAIN f1 AS int CHECK (VALUE > 0);\nCREATE DOMAIN f2 AS f1[];\nALTER TABLE t ADD COLUMN c f2;')).toBe(false);
  });

  it('a rename inside an edited migration frees no name either', async () => {
    const edited = migrationFileFromText('2.sql', 'ALTER TABLE users RENAME TO users_old;', 'plain');
    const later = migrationFileFromText('3.sql', 'CREATE TABLE users_new (id bigint PRIMARY KEY);\nALTER TABLE users_new RENAME TO users;\nALTER TABLE users ADD COLUMN x bigint NOT NULL;', 'plain');
    const result = await lintFiles([edited, later], { edited: new Set([edited]) });
    expect(result.findings.filter((f) => f.rule === 'adding-required-column')).toEqual([]);
  });

  it('distinguishes schemas: an unqualified name is not the new app.t', async () => {
    const { rule, seen } = recorder((ctx) => ctx.state.isNewTable(tableName(ctx)));
    await lintText('CREATE TABLE app.t (id int);\nALTER TABLE app.t ADD x int;\nALTER TABLE audit.t ADD x int;\nALTER TABLE t ADD x int;', {
      rules: [rule],
    });
    // Treating `t` (public.t under the default search_path) as new would hide changes to real data.
    expect(seen).toEqual([false, true, false, false]);
  });

  it('follows renames and CREATE TABLE AS, and tracks indexes', async () => {
    const { rule, seen } = recorder((ctx) => [ctx.state.isNewTable({ name: 'b' }), ctx.state.isNewIndex({ name: 'j' })]);
    await lintText(
      'CREATE TABLE a AS SELECT 1 AS x;\nALTER TABLE a RENAME TO b;\nCREATE INDEX i ON b (x);\nALTER INDEX i RENAME TO j;\nSELECT 1;\nDROP INDEX j;\nSELECT 2;',
      { rules: [rule] },
    );
    expect(seen).toEqual([
      [false, false],
      [false, false],
      [true, false],
      [true, false],
      [true, true],
      [true, true],
      [true, false],
    ]);
  });

  it('knows the transaction: the tool wrapping, explicit BEGIN / COMMIT', async () => {
    const { rule, seen } = recorder((ctx) => [ctx.state.inTransaction, ctx.state.implicitTransaction]);
    const sql = 'SELECT 1;\nBEGIN;\nSELECT 2;\nCOMMIT;\nSELECT 3;\nSTART TRANSACTION;\nSELECT 4;\nROLLBACK;';
    await lintText(sql, { rules: [rule], transaction: 'none' });
    expect(seen.map((s) => (s as boolean[])[0])).toEqual([false, false, true, true, false, false, true, true]);
    seen.length = 0;
    await lintText(sql, { rules: [rule], transaction: 'per-file' });
    expect(seen.every((s) => (s as boolean[])[0] && (s as boolean[])[1])).toBe(true);
  });

  it('gives each rule a file memory that is empty at the start of every file and a run memory that is not', async () => {
    const { rule, seen } = recorder((ctx) => {
      const inFile = ((ctx.fileMemory.get('n') as number | undefined) ?? 0) + 1;
      const inRun = ((ctx.memory.get('n') as number | undefined) ?? 0) + 1;
      ctx.fileMemory.set('n', inFile);
      ctx.memory.set('n', inRun);
      return [inFile, inRun];
    });
    const files = [
      migrationFileFromText('same.sql', 'SELECT 1;\nSELECT 2;', 'plain'),
      migrationFileFromText('other.sql', 'SELECT 3;', 'plain'),
      // The same path again is still another file.
      migrationFileFromText('same.sql', 'SELECT 4;\nSELECT 5;', 'plain'),
    ];
    await lintFiles(files, { rules: [rule] });
    expect(seen).toEqual([[1, 1], [2, 2], [1, 3], [1, 4], [2, 5]]);
  });

  it('knows the columns added in the run through renames and drops', async () => {
    const { rule, seen } = recorder((ctx) =>
      ['a', 'b', 'c', 'd'].filter((column) => ctx.state.isNewColumn({ name: ctx.statement.sql.includes('t2') ? 't2' : 't' }, column)).join(''),
    );
    const files = [
      migrationFileFromText('1.sql', 'ALTER TABLE t ADD COLUMN a int, ADD COLUMN IF NOT EXISTS d int;\nALTER TABLE public.t ADD COLUMN b int;\nSELECT 1;', 'plain'),
      migrationFileFromText(
        '2.sql',
        'ALTER TABLE t RENAME COLUMN a TO c;\nALTER TABLE t DROP COLUMN b;\nSELECT 2;\nALTER TABLE t RENAME TO t2;\nSELECT 3 /* t2 */;\nDROP TABLE t2;\nSELECT 4 /* t2 */;',
        'plain',
      ),
    ];
    await lintFiles(files, { rules: [rule] });
    // State before each statement (the probe asks about t2 where the statement names it): IF NOT
    // EXISTS may have met an existing column, so d is not new.
    expect(seen).toEqual(['', 'a', 'ab', 'ab', 'bc', 'c', '', 'c', 'c', '']);
  });

  it('knows the column types the run declared, through renames, type changes and drops', async () => {
    const { rule, seen } = recorder((ctx) => {
      const t = ctx.statement.sql.includes('t2') ? 't2' : 't';
      const type = (column: string): string => {
        const found = ctx.state.columnType({ name: t }, column);
        return found === undefined ? '-' : `${found.name}${found.mods ? `(${found.mods.join(',')})` : ''}${found.array ? '[]' : ''}`;
      };
      return `${type('a')} ${type('b')}`;
    });
    await lintText(
      [
        'CREATE TABLE t (a varchar(10), b pg_catalog.int4[]);',
        'ALTER TABLE t ALTER COLUMN a TYPE numeric(12,2);',
        'ALTER TABLE t RENAME COLUMN b TO c;',
        'ALTER TABLE t ADD COLUMN b text, DROP COLUMN a;',
        'ALTER TABLE t ADD COLUMN IF NOT EXISTS a int;',
        'ALTER TABLE t RENAME TO t2;',
        'SELECT 1 /* t2 */;',
        'DROP TABLE t2;',
        'SELECT 2 /* t2 */;',
      ].join('\n'),
      { rules: [rule] },
    );
    expect(seen).toEqual(['- -', 'varchar(10) int4[]', 'numeric(12,2) int4[]', 'numeric(12,2) -', '- text', '- -', '- text', '- text', '- -']);
  });

  it('follows ALTER ... SET SCHEMA: tables, their added columns and types, and enums move along', async () => {
    const { rule, seen } = recorder((ctx) => [
      ctx.state.isNewTable({ name: 't' }),
      ctx.state.isNewTable({ schema: 'archive', name: 't' }),
      ctx.state.isNewColumn({ schema: 'archive', name: 'users' }, 'x'),
      ctx.state.columnType({ schema: 'archive', name: 'users' }, 'x')?.name ?? '-',
      ctx.state.enumValues({ schema: 'archive', name: 'mood' })?.join('|') ?? '-',
      ctx.state.enumValues({ schema: 'app', name: 'mood' })?.join('|') ?? '-',
    ]);
    await lintText(
      [
        'CREATE TABLE t (id int);',
        'ALTER TABLE users ADD COLUMN x int8;',
        "CREATE TYPE app.mood AS ENUM ('ok', 'sad');",
        'ALTER TABLE t SET SCHEMA archive;',
        'ALTER TABLE users SET SCHEMA archive;',
        'ALTER TYPE app.mood SET SCHEMA archive;',
        'SELECT 1;',
      ].join('\n'),
      { rules: [rule] },
    );
    expect(seen.at(3)).toEqual([true, false, false, '-', '-', 'ok|sad']);
    expect(seen.at(-1)).toEqual([false, true, true, 'int8', 'ok|sad', '-']);
  });

  it('knows lock_timeout: SET, SET LOCAL, set_config, zero, RESET, per file', async () => {
    const { rule, seen } = recorder((ctx) => ctx.state.lockTimeoutSet);
    const files = [
      migrationFileFromText(
        '1.sql',
        [
          "SET lock_timeout = '5s';",
          'SELECT 1;',
          'SET lock_timeout = 0;',
          'SELECT 2;',
          "SET LOCAL lock_timeout TO '1s';",
          'SELECT 3;',
          'RESET lock_timeout;',
          "SELECT set_config('lock_timeout', '2s', false);",
          'SELECT 4;',
          "SET lock_timeout = '0ms';",
          'SELECT 5;',
          'SET lock_timeout = 1000;',
        ].join('\n'),
        'plain',
      ),
      migrationFileFromText('2.sql', 'SELECT 6;', 'plain'),
    ];
    await lintFiles(files, { rules: [rule] });
    // SET LOCAL outside a transaction block is ignored by PostgreSQL (a WARNING), so it sets nothing.
    expect(seen).toEqual([false, true, true, false, false, false, false, false, true, true, false, false, false]);
  });

  it('a SET LOCAL lasts its transaction and then the session value is back; set_config names are case-insensitive', async () => {
    const { rule, seen } = recorder((ctx) => [ctx.state.lockTimeoutSet, ctx.state.statementTimeoutSet]);
    await lintText(
      [
        "SET statement_timeout = '5min';",
        'BEGIN;',
        'SET LOCAL statement_timeout = 0;',
        'SELECT 1;',
        'COMMIT;',
        'SELECT 2;',
        "SELECT set_config('Lock_Timeout', '2s', false);",
        'RESET ALL;',
        'SELECT 3;',
      ].join('\n'),
      { rules: [rule] },
    );
    expect(seen).toEqual([
      [false, false],
      [false, true],
      [false, true],
      [false, false],
      [false, false],
      [false, true],
      [false, true],
      [true, true],
      [false, false],
    ]);
  });

  it('SET LOCAL lock_timeout ends with the explicit transaction', async () => {
    const { rule, seen } = recorder((ctx) => ctx.state.lockTimeoutSet);
    await lintText("BEGIN;\nSET LOCAL lock_timeout = '1s';\nSELECT 1;\nCOMMIT;\nSELECT 2;", { rules: [rule] });
    expect(seen).toEqual([false, false, true, true, false]);
  });

  it('tracks enum values over the run', async () => {
    const { rule, seen } = recorder((ctx) => [ctx.state.enumValues({ name: 'mood' }), ctx.state.enumValues({ name: 'mood_old' })]);
    await lintText(
      [
        "CREATE TYPE public.mood AS ENUM ('sad', 'ok');",
        "ALTER TYPE mood ADD VALUE 'happy';",
        "ALTER TYPE mood ADD VALUE 'meh' BEFORE 'ok';",
        "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'sad';",
        "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';",
        'ALTER TYPE mood RENAME TO mood_old;',
        'DROP TYPE mood_old;',
        'SELECT 1;',
      ].join('\n'),
      { rules: [rule] },
    );
    expect(seen).toEqual([
      [undefined, undefined],
      [['sad', 'ok'], undefined],
      [['sad', 'ok', 'happy'], undefined],
      [['sad', 'meh', 'ok', 'happy'], undefined],
      [['sad', 'meh', 'ok', 'happy'], undefined],
      [['blue', 'meh', 'ok', 'happy'], undefined],
      [undefined, ['blue', 'meh', 'ok', 'happy']],
      [undefined, undefined],
    ]);
  });

  it('knows validated CHECK (col IS NOT NULL) constraints', async () => {
    const { rule, seen } = recorder((ctx) => ctx.state.hasNotNullCheck({ name: 'users' }, 'email'));
    await lintText(
      [
        'ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;',
        'ALTER TABLE users VALIDATE CONSTRAINT email_nn;',
        'ALTER TABLE public.users ALTER COLUMN email SET NOT NULL;',
        'ALTER TABLE users DROP CONSTRAINT email_nn;',
        'SELECT 1;',
        'ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL);',
        'SELECT 2;',
      ].join('\n'),
      { rules: [rule] },
    );
    expect(seen).toEqual([false, false, true, true, false, false, true]);
  });

  it('gives each rule a memory that lasts the whole run', async () => {
    const counter = defineRule({
      id: 'test-counter',
      severity: 'warning',
      level: 1,
      summary: 'counts',
      check(ctx) {
        const n = ((ctx.memory.get('n') as number | undefined) ?? 0) + 1;
        ctx.memory.set('n', n);
        if (n === 3) ctx.report({ message: 'third statement', help: 'none' });
      },
    });
    const files = [migrationFileFromText('1.sql', 'SELECT 1; SELECT 2;', 'plain'), migrationFileFromText('2.sql', 'SELECT 3;', 'plain')];
    const result = await lintFiles(files, { rules: [counter] });
    expect(result.findings.map((f) => f.file)).toEqual(['2.sql']);
  });
});

describe('dispatch by statement kind', () => {
  it('calls a rule with `on` only for statements of those kinds', async () => {
    const kinds: string[] = [];
    const rule = defineRule({
      id: 'test-on',
      severity: 'warning',
      level: 1,
      summary: 'records kinds',
      on: ['DropStmt', 'TruncateStmt'],
      check(ctx) {
        kinds.push(ctx.statement.kind);
      },
    });
    await lintText('CREATE TABLE t (id int); TRUNCATE t; SELECT 1; DROP TABLE t; ALTER TABLE u ADD COLUMN c int;', { rules: [rule] });
    expect(kinds).toEqual(['TruncateStmt', 'DropStmt']);
  });

  it('finds exactly what calling every rule on every statement finds (SQL of every rule doc, both transaction modes)', async () => {
    // The `on` lists are an optimisation: a kind missing from one would silently drop findings
    // (or facts a rule remembers for later statements). Compare against rules without `on`.
    const everywhere = allRules.map((rule) => ({ ...rule, on: undefined }));
    const docs = path.resolve(import.meta.dirname, '../../docs/rules');
    const blocks: string[] = [];
    for (const name of readdirSync(docs).sort()) {
      for (const match of readFileSync(path.join(docs, name), 'utf8').matchAll(/```sql\n([\s\S]*?)```/g)) blocks.push(match[1]!);
    }
    blocks.push(
      `WITH gone AS (DELETE FROM orders RETURNING id) SELECT count(*) FROM gone;
INSERT INTO log WITH u AS (UPDATE accounts SET n = 0 RETURNING id) SELECT id FROM u;
MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN DELETE;
CREATE DOMAIN d AS int CHECK (VALUE > 0); ALTER DOMAIN d ADD CONSTRAINT c CHECK (VALUE < 9) ;
ALTER TABLE t SET SCHEMA archive; DROP OWNED BY bob CASCADE; REINDEX TABLE CONCURRENTLY t;
SET TIME ZONE 'UTC'; ALTER TABLE t ALTER COLUMN at TYPE timestamptz;`,
    );
    expect(blocks.length).toBeGreaterThan(60);
    for (const transaction of ['none', 'per-file'] as const) {
      const files = blocks.map((sql, i) => migrationFileFromText(`${i}.sql`, sql, 'plain', { transaction }));
      const dispatched = await lintFiles(files, { pgVersion: 11 });
      const unfiltered = await lintFiles(files, { pgVersion: 11, rules: everywhere });
      expect(dispatched.findings.length).toBeGreaterThan(100);
      expect(dispatched).toEqual(unfiltered);
    }
  });
});

describe('findings', () => {
  it('has the JSON shape, sorted, with a summary and the target version', async () => {
    const result = await lintText('SELECT 1;\n  DROP TABLE a;\nTRUNCATE b;\nDROP VIEW c;', {
      rules: [noDrop, noTruncate],
      path: 'm.sql',
    });
    expect(result.pgVersion).toBe(14);
    expect(result.findings).toEqual([
      { rule: 'test-no-drop', severity: 'error', file: 'm.sql', line: 2, column: 3, endLine: 2, endColumn: 15, message: 'drops', help: 'do not' },
      { rule: 'test-no-truncate', severity: 'error', file: 'm.sql', line: 3, column: 1, endLine: 3, endColumn: 11, message: 'truncates', help: 'do not' },
      { rule: 'test-no-drop', severity: 'error', file: 'm.sql', line: 4, column: 1, endLine: 4, endColumn: 12, message: 'drops', help: 'do not' },
    ]);
    expect(result.summary).toEqual({ files: 1, statements: 4, errors: 3, warnings: 0 });
    expect(result.files).toEqual([{ path: 'm.sql', layout: 'plain', transaction: 'none', level: 3, statements: 4 }]);
    expect((await lintText('SELECT 1', { rules: [], pgVersion: 17 })).pgVersion).toBe(17);
  });

  it('hands each file\'s sorted findings to a findingSink instead of keeping them, with the same summary', async () => {
    const docs = path.resolve(import.meta.dirname, '../../docs/rules');
    const files = readdirSync(docs)
      .sort()
      .map((name, i) => migrationFileFromText(`${i}.sql`, [...readFileSync(path.join(docs, name), 'utf8').matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]).join('\n'), 'plain'));
    const kept = await lintFiles(files);
    const handed: (readonly Finding[])[] = [];
    const streamed = await lintFiles(files, { findingSink: (findings) => handed.push([...findings]) });
    expect(kept.findings.length).toBeGreaterThan(100);
    expect(streamed.findings).toEqual([]);
    expect(handed.flat()).toEqual(kept.findings);
    for (const group of handed) {
      expect(group.length).toBeGreaterThan(0);
      expect(new Set(group.map((f) => f.file)).size).toBe(1);
    }
    expect(streamed.summary).toEqual(kept.summary);
    expect(streamed.files).toEqual(kept.files);
  });

  it('narrows the span to a node location', async () => {
    const rule = defineRule({
      id: 'test-location',
      severity: 'warning',
      level: 1,
      summary: 'x',
      check(ctx) {
        const relation = ctx.node?.['relation'] as { location: number } | undefined;
        if (relation) ctx.report({ message: 'm', help: 'h', location: relation.location });
      },
    });
    const result = await lintText("SELECT 'ü';\nALTER TABLE  public.\"Üsers\" ADD x int;", { rules: [rule] });
    expect(result.findings[0]).toMatchObject({ line: 2, column: 14, endLine: 2, endColumn: 28 });
  });

  it('reports syntax errors and templated SQL and lints the statements around them', async () => {
    const result = await lintText('DROP TABLE a;\nSELEC 1;\nCREATE TABLE {{ .Schema }}.t (id int);\nDROP TABLE b;', {
      rules: [noDrop],
    });
    expect(result.findings.map((f) => [f.rule, f.severity, f.line, f.column])).toEqual([
      ['test-no-drop', 'error', 1, 1],
      ['syntax-error', 'error', 2, 1],
      ['templated-sql', 'warning', 3, 1],
      ['test-no-drop', 'error', 4, 1],
    ]);
    expect(result.findings[2]!.message).toMatch(/templated SQL/);
    expect(result.findings[2]!.help).toMatch(/lint\.templateValues/);
    const substituted = await lintText('CREATE TABLE {{ .Schema }}.t (id int);', { rules: [noDrop], templateValues: { Schema: 'app' } });
    expect(substituted.findings).toEqual([]);
    // psql variables (graphile-worker's migrations are written with :GRAPHILE_WORKER_SCHEMA).
    const psql = 'create table :SCHEMA.jobs (id bigint);\ndrop table :SCHEMA.old_jobs;';
    expect((await lintText(psql, { rules: [noDrop] })).findings.map((f) => f.rule)).toEqual(['templated-sql', 'templated-sql']);
    expect((await lintText(psql, { rules: [noDrop], templateValues: { SCHEMA: 'worker' } })).findings.map((f) => [f.rule, f.line, f.column])).toEqual([['test-no-drop', 2, 1]]);
  });
});

describe('suppression and config', () => {
  it('reports a prodguard-ignore in a block comment, which is not read', async () => {
    const result = await lintText("SELECT 1;\n/* prodguard-ignore test-no-drop: later */\nDROP TABLE a;\nSELECT '/* prodguard-ignore x */';", { rules: [noDrop] });
    expect(result.findings.map((f) => [f.rule, f.line, f.column])).toEqual([
      ['unused-ignore', 2, 4],
      ['test-no-drop', 3, 1],
    ]);
  });

  it('a misspelt directive (prodguard-ignore-files) suppresses nothing and is reported', async () => {
    const result = await lintText('-- prodguard-ignore-files test-no-drop\nDROP TABLE a;', { rules: [noDrop] });
    expect(result.findings.map((f) => [f.rule, f.line])).toEqual([
      ['unknown-rule', 1],
      ['test-no-drop', 2],
    ]);
  });

  it('reports an ignore comment at the end of a statement\'s line, which suppresses nothing', async () => {
    const result = await lintText('DROP TABLE b; -- prodguard-ignore test-no-drop: later\nSELECT 1; -- an ordinary comment', { rules: [noDrop] });
    expect(result.findings.map((f) => [f.rule, f.line, f.column, f.endColumn])).toEqual([
      ['test-no-drop', 1, 1, 13],
      ['unused-ignore', 1, 15, 54],
    ]);
    expect(result.findings[1]!.message).toContain('only works on the line directly above the statement');
  });

  it('prodguard-ignore suppresses the listed rules for the next statement only', async () => {
    const sql = [
      '-- prodguard-ignore test-no-drop, test-no-truncate: planned cleanup',
      'DROP TABLE a;',
      'DROP TABLE b;',
      '-- prodguard-ignore test-no-truncate: reason',
      '-- prodguard-ignore test-no-drop',
      'TRUNCATE c;',
    ].join('\n');
    const result = await lintText(sql, { rules: [noDrop, noTruncate] });
    expect(result.findings.map((f) => [f.rule, f.line])).toEqual([
      ['unused-ignore', 1],
      ['test-no-drop', 3],
      ['unused-ignore', 5],
    ]);
    expect(result.findings[0]!.message).toMatch(/test-no-truncate suppresses nothing/);
  });

  it('prodguard-ignore-file in the top comment block suppresses for the whole file', async () => {
    const sql = '-- migration: cleanup\n-- prodguard-ignore-file test-no-drop\n\nDROP TABLE a;\nSELECT 1;\nDROP TABLE b;';
    expect((await lintText(sql, { rules: [noDrop] })).findings).toEqual([]);
    const unused = await lintText('-- prodguard-ignore-file test-no-drop\nSELECT 1;', { rules: [noDrop] });
    expect(unused.findings.map((f) => [f.rule, f.line, f.column])).toEqual([['unused-ignore', 1, 1]]);
    const misplaced = await lintText('SELECT 1;\n-- prodguard-ignore-file test-no-drop\nDROP TABLE a;', { rules: [noDrop] });
    expect(misplaced.findings.map((f) => [f.rule, f.line])).toEqual([
      ['unused-ignore', 2],
      ['test-no-drop', 3],
    ]);
  });

  it('an ignore comment attached to no statement is reported', async () => {
    const sql = '-- prodguard-ignore test-no-drop: blank line below\n\nDROP TABLE a;\nSELECT 1;\n-- prodguard-ignore test-no-drop\n';
    const result = await lintText(sql, { rules: [noDrop] });
    expect(result.findings.map((f) => [f.rule, f.line])).toEqual([
      ['unused-ignore', 1],
      ['test-no-drop', 3],
      ['unused-ignore', 5],
    ]);
    // Text inside a statement (a function body) is not a comment of ours.
    const body = "CREATE FUNCTION f() RETURNS int AS $$\n-- prodguard-ignore test-no-drop\nSELECT 1\n$$ LANGUAGE sql;";
    expect((await lintText(body, { rules: [noDrop] })).findings).toEqual([]);
  });

  it('an unknown rule in a comment is an error finding, with a suggestion', async () => {
    const result = await lintText('-- prodguard-ignore test-no-dorp: typo\nDROP TABLE a;', { rules: [noDrop] });
    expect(result.findings.map((f) => [f.rule, f.severity, f.line])).toEqual([
      ['unknown-rule', 'error', 1],
      ['test-no-drop', 'error', 2],
    ]);
    expect(result.findings[0]!.message).toMatch(/did you mean "test-no-drop"/);
    const empty = await lintText('-- prodguard-ignore\nSELECT 1;', { rules: [noDrop] });
    expect(empty.findings.map((f) => f.rule)).toEqual(['unknown-rule']);
  });

  it('an unknown rule in config is a UsageError', async () => {
    const attempt = lintText('SELECT 1', { rules: [noDrop], ruleSettings: { 'test-no-dorp': 'off' } });
    await expect(attempt).rejects.toBeInstanceOf(UsageError);
    await expect(attempt).rejects.toMatchObject({ code: 'PRODGUARD_UNKNOWN_RULE', message: /did you mean "test-no-drop"/ });
  });

  it('config severities override the rule and the report, and off disables', async () => {
    const sql = 'DROP TABLE a;\nTRUNCATE b;';
    const result = await lintText(sql, {
      rules: [noDrop, noTruncate],
      ruleSettings: { 'test-no-drop': 'warning', 'test-no-truncate': 'warning' },
    });
    expect(result.findings.map((f) => f.severity)).toEqual(['warning', 'warning']);
    expect(result.summary).toMatchObject({ errors: 0, warnings: 2 });
    const off = await lintText(sql, { rules: [noDrop, noTruncate], ruleSettings: { 'test-no-drop': 'off' } });
    expect(off.findings.map((f) => f.rule)).toEqual(['test-no-truncate']);
    // An ignore for a rule that is off is not reported as unused.
    const ignoredOff = await lintText('-- prodguard-ignore test-no-drop\nSELECT 1;', {
      rules: [noDrop],
      ruleSettings: { 'test-no-drop': 'off' },
    });
    expect(ignoredOff.findings).toEqual([]);
    const builtinOff = await lintText('SELEC 1;', { rules: [], ruleSettings: { 'syntax-error': 'warning' } });
    expect(builtinOff.findings.map((f) => f.severity)).toEqual(['warning']);
  });
});

describe('safety levels', () => {
  const level = async (sql: string, rules: Rule[] = []): Promise<number> => (await lintText(sql, { rules })).files[0]!.level;

  it('1: no schema or data change', async () => {
    expect(await level('')).toBe(1);
    expect(await level("-- nothing\nSET lock_timeout = '2s';\nBEGIN;\nSELECT count(*) FROM users;\nCOMMIT;")).toBe(1);
  });

  it('2: additive only', async () => {
    expect(await level('CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY i ON b (x);')).toBe(2);
    expect(await level("ALTER TABLE users ADD COLUMN nick text, ADD COLUMN n int NOT NULL DEFAULT 0;")).toBe(2);
    expect(await level("CREATE TYPE m AS ENUM ('a');\nALTER TYPE m2 ADD VALUE 'b';\nINSERT INTO t VALUES (1);\nCOMMENT ON TABLE t IS 'x';\nGRANT SELECT ON t TO r;")).toBe(2);
    expect(await level('CREATE TABLE a (id int);\nALTER TABLE a ADD COLUMN x int NOT NULL;\nALTER TABLE a ADD CONSTRAINT f FOREIGN KEY (id) REFERENCES b (id);')).toBe(2);
  });

  it('3: modifies or removes', async () => {
    for (const sql of [
      'ALTER TABLE users ADD COLUMN x int NOT NULL;',
      'ALTER TABLE users DROP COLUMN x;',
      'ALTER TABLE users RENAME COLUMN a TO b;',
      'ALTER TABLE users ALTER COLUMN a TYPE bigint;',
      'ALTER TABLE users ALTER COLUMN a SET NOT NULL;',
      'ALTER TABLE users ADD CONSTRAINT c CHECK (a > 0);',
      "ALTER TYPE m RENAME VALUE 'a' TO 'b';",
      'UPDATE users SET a = 1 WHERE id = 2;',
      'DELETE FROM users WHERE id = 1;',
      'TRUNCATE users;',
      'DROP INDEX i;',
      'REVOKE SELECT ON t FROM r;',
      'SELEC 1;',
      // Data changes wrapped in other statements run all the same.
      'WITH d AS (UPDATE users SET x = 1 WHERE id = 5 RETURNING id) SELECT * FROM d;',
      'WITH d AS (DELETE FROM users WHERE id < 5 RETURNING *) INSERT INTO arch SELECT * FROM d;',
      'EXPLAIN ANALYZE DELETE FROM users WHERE id = 1;',
      'COPY (DELETE FROM users WHERE id = 1 RETURNING *) TO STDOUT;',
      'CREATE TABLE arch AS WITH d AS (DELETE FROM users WHERE id = 1 RETURNING *) SELECT * FROM d;',
    ]) {
      expect(await level(sql), sql).toBe(3);
    }
    // EXPLAIN without ANALYZE runs nothing; a SELECT with an INSERT in its WITH clause adds rows.
    expect(await level('EXPLAIN DELETE FROM users;')).toBe(1);
    expect(await level('WITH i AS (INSERT INTO log VALUES (1) RETURNING id) SELECT * FROM i;')).toBe(2);
  });

  it('is not raised by rules about locks and timeouts on an additive change', async () => {
    const result = await lintText('ALTER TABLE users ADD COLUMN note text;\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint REFERENCES users (id));');
    expect(result.findings.map((f) => f.rule)).toContain('missing-lock-timeout');
    expect(result.files[0]!.level).toBe(2);
  });

  it('takes the level of a rule that fired', async () => {
    const rule = defineRule({
      id: 'test-level',
      severity: 'warning',
      level: 3,
      summary: 'x',
      check(ctx) {
        if (ctx.statement.kind === 'SelectStmt') ctx.report({ message: 'm', help: 'h' });
      },
    });
    expect(await level('SELECT 1;', [rule])).toBe(3);
  });
});

describe('a 200-file Prisma-style directory', () => {
  it('lints with every registered rule without a crash', async () => {
    const root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'prodguard-prisma-')));
    try {
      for (let i = 0; i < 200; i++) {
        const folder = path.join(root, 'prisma', 'migrations', `2024${String(i).padStart(8, '0')}_m${i}`);
        mkdirSync(folder, { recursive: true });
        const sql = [
          `-- CreateEnum\nCREATE TYPE "Status${i}" AS ENUM ('A', 'B');`,
          `-- CreateTable\nCREATE TABLE "T${i}" (\n    "id" TEXT NOT NULL,\n    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,\n    "status" "Status${i}" NOT NULL DEFAULT 'A',\n    "ownerId" INTEGER,\n    CONSTRAINT "T${i}_pkey" PRIMARY KEY ("id")\n);`,
          `-- CreateIndex\nCREATE UNIQUE INDEX "T${i}_ownerId_key" ON "T${i}"("ownerId");`,
          `-- AlterTable\nALTER TABLE "User" ADD COLUMN "f${i}" TEXT, ALTER COLUMN "name" SET DATA TYPE VARCHAR(${200 + i});`,
          `-- AddForeignKey\nALTER TABLE "T${i}" ADD CONSTRAINT "T${i}_ownerId_fkey" FOREIGN KEY ("ownerId") REFERENCES "User"("id") ON DELETE SET NULL ON UPDATE CASCADE;`,
          i % 10 === 0 ? `-- DropTable\nDROP TABLE "Old${i}";` : `-- DropIndex\nDROP INDEX "Old${i}_idx";`,
          i % 7 === 0 ? `ALTER TYPE "Status${i}" ADD VALUE 'C';` : `UPDATE "User" SET "f${i}" = 'x' WHERE "id" > ${i};`,
          i % 50 === 0 ? `SELEC broken;` : `SELECT 1;`,
        ].join('\n\n');
        writeFileSync(path.join(folder, 'migration.sql'), sql);
      }
      const files = await discoverMigrations(['prisma/migrations'], { cwd: root });
      expect(files).toHaveLength(200);
      const result = await lintFiles(files);
      expect(result.files).toHaveLength(200);
      expect(result.summary.statements).toBe(1600);
      expect(result.findings.filter((f) => f.rule === 'syntax-error')).toHaveLength(4);
      expect(result.files.every((f) => f.layout === 'prisma' && f.transaction === 'implicit' && f.level === 3)).toBe(true);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
