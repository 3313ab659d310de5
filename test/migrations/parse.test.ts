import { beforeAll, describe, expect, it } from 'vitest';
import { migrationFileFromText } from '../../src/migrations/layouts.js';
import { ensureParser, parseMigration } from '../../src/migrations/parse.js';
import type { MigrationLayout, ParsedStatement } from '../../src/migrations/types.js';

beforeAll(async () => {
  await ensureParser();
});

function parse(text: string, layout: MigrationLayout = 'plain', templateValues?: Record<string, string>) {
  return parseMigration(migrationFileFromText('m.sql', text, layout), { templateValues });
}

function where(statement: ParsedStatement | undefined): string {
  if (!statement) return 'missing';
  const { start, end } = statement.span;
  return `${start.line}:${start.column}-${end.line}:${end.column}`;
}

describe('parseMigration', () => {
  it('gives each statement its kind, text and span in the real file', () => {
    const parsed = parse('-- header\nCREATE TABLE a (id int);\n\n  ALTER TABLE a ADD COLUMN b text ;\nSELECT 1');
    expect(parsed.statements.map((s) => s.kind)).toEqual(['CreateStmt', 'AlterTableStmt', 'SelectStmt']);
    expect(parsed.statements.map((s) => s.sql)).toEqual([
      'CREATE TABLE a (id int)',
      'ALTER TABLE a ADD COLUMN b text',
      'SELECT 1',
    ]);
    expect(parsed.statements.map(where)).toEqual(['2:1-2:24', '4:3-4:34', '5:1-5:9']);
    expect(parsed.statements[0]!.leadingComments).toEqual([{ line: 1, text: '-- header' }]);
  });

  it('returns no statements for empty and comment-only text', () => {
    expect(parse('').statements).toEqual([]);
    expect(parse('   \n\n').statements).toEqual([]);
    expect(parse('-- nothing here\n/* at all */\n').statements).toEqual([]);
  });

  it('does not count trailing comments in the last statement', () => {
    const parsed = parse('SELECT 1\n-- trailing comment\n');
    expect(parsed.statements[0]!.sql).toBe('SELECT 1');
  });

  it('keeps columns right after UTF-8 multibyte characters (2-, 3- and 4-byte)', () => {
    const text = "SELECT 'é', '€', '😀'; DROP TABLE t;\n-- ünïcode 😀\nALTER TABLE \"tä\" DROP COLUMN x;";
    const parsed = parse(text);
    expect(parsed.statements.map(where)).toEqual(['1:1-1:22', '1:24-1:36', '3:1-3:31']);
    const drop = parsed.statements[1]!;
    const relation = ((drop.node!['DropStmt'] as { objects: unknown[] }).objects[0] as { List: unknown }).List;
    expect(relation).toBeDefined();
    const alter = parsed.statements[2]!;
    const location = (alter.node!['AlterTableStmt'] as { relation: { location: number } }).relation.location;
    const offset = parsed.offsetOfLocation(alter.index, location);
    expect(text.slice(offset, offset + 4)).toBe('"tä"');
    expect(parsed.lines.position(offset)).toEqual({ line: 3, column: 13 });
  });

  it('continues after a syntax error in the middle of a file, with the next statement at its line', () => {
    const text = 'CREATE TABLE a (id int);\nALTER TABLE a ADD COLUM b int;\n\nCREATE INDEX i ON a (id);\nSELECT $$ ; $$;';
    const parsed = parse(text);
    expect(parsed.statements.map((s) => s.kind)).toEqual(['CreateStmt', 'Unparsed', 'IndexStmt', 'SelectStmt']);
    const bad = parsed.statements[1]!;
    expect(bad.syntaxError?.message).toMatch(/syntax error at or near "int"/);
    expect(bad.syntaxError?.position).toEqual({ line: 2, column: 27 });
    expect(bad.templated).toBeUndefined();
    expect(where(parsed.statements[2])).toBe('4:1-4:25');
    expect(parsed.statements[3]!.sql).toBe('SELECT $$ ; $$');
  });

  it('maps node locations of statements parsed one by one', () => {
    const text = "SELEC 1;\nSELECT 'é';\nCREATE INDEX i ON tbl (a);";
    const parsed = parse(text);
    const index = parsed.statements[2]!;
    const location = (index.node!['IndexStmt'] as { relation: { location: number } }).relation.location;
    const offset = parsed.offsetOfLocation(index.index, location);
    expect(text.slice(offset, offset + 3)).toBe('tbl');
  });

  it('reports a syntax error position after multibyte characters', () => {
    const parsed = parse("SELECT '😀é';\nSELECT 'ü' FORM x;");
    expect(parsed.statements[1]!.syntaxError?.position).toEqual({ line: 2, column: 17 });
  });

  it('survives an unterminated string (the scanner fails): earlier statements still parse', () => {
    const parsed = parse("CREATE TABLE a (id int);\nSELECT 'oops;\nSELECT 2;");
    expect(parsed.statements[0]!.kind).toBe('CreateStmt');
    expect(parsed.statements[1]!.syntaxError?.message).toMatch(/unterminated/);
    expect(parsed.statements[1]!.span.start.line).toBe(2);
  });

  it('reports an unterminated block comment as a syntax error at the comment, after the statements before it', () => {
    const after = parse('DROP TABLE a;\n/* unterminated\nDROP TABLE b;\n');
    expect(after.statements.map((s) => s.kind)).toEqual(['DropStmt', 'Unparsed']);
    expect(after.statements[1]!.syntaxError?.message).toMatch(/unterminated \/\* comment/);
    expect(after.statements[1]!.syntaxError?.position).toEqual({ line: 2, column: 1 });

    const alone = parse('/* x\nDROP TABLE e;\n');
    expect(alone.statements.map((s) => [s.kind, s.syntaxError?.position])).toEqual([['Unparsed', { line: 1, column: 1 }]]);

    // In the middle of a statement: the statement is the error, at the comment.
    const inside = parse('SELECT 1;\nSELECT 2 /* x');
    expect(inside.statements.map((s) => s.kind)).toEqual(['SelectStmt', 'Unparsed']);
    expect(inside.statements[1]!.syntaxError?.position).toEqual({ line: 2, column: 10 });
  });

  it('nests block comments as PostgreSQL does', () => {
    const open = parse('SELECT 1;\n/* a /* b */ DROP TABLE x;\n');
    expect(open.statements.map((s) => s.kind)).toEqual(['SelectStmt', 'Unparsed']);
    expect(open.statements[1]!.syntaxError?.message).toMatch(/unterminated \/\* comment/);
    const closed = parse("SELEC 1;\n/* a /* b */ ; */ DROP TABLE x; SELECT 'it''s /*';\nSELECT 3;");
    expect(closed.statements.map((s) => s.kind)).toEqual(['Unparsed', 'DropStmt', 'SelectStmt', 'SelectStmt']);
  });

  it('keeps SQL-standard function bodies (BEGIN ATOMIC ... END) whole when splitting', () => {
    const text =
      'SELEC 1;\nCREATE FUNCTION f() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT CASE WHEN true THEN 2 END; END;\nSELECT 3;';
    const parsed = parse(text);
    expect(parsed.statements.map((s) => s.kind)).toEqual(['Unparsed', 'CreateFunctionStmt', 'SelectStmt']);
  });

  it('marks statements with unsubstituted placeholders as templated, and lints the rest', () => {
    const text = 'CREATE SCHEMA IF NOT EXISTS {{ index .Options "Namespace" }};\nCREATE TABLE ${schema}.t (id int);\nSELECT 1;';
    const parsed = parse(text);
    expect(parsed.statements.map((s) => [s.kind, s.templated ?? false])).toEqual([
      ['Unparsed', true],
      ['Unparsed', true],
      ['SelectStmt', false],
    ]);
    expect(where(parsed.statements[2])).toBe('3:1-3:9');
  });

  it('reports a real syntax error when placeholders stand only in literals, quoted names, comments or bodies', () => {
    const texts = [
      "INSERT INTO emails (body) VALUES ('Hello {{ name }}'),;",
      "INSERT INTO emails (body) VALUES (E'it\\'s {{ name }}'),;",
      'SELECT "{{ col }}" FROM;',
      'SELECT 1 /* {{ x }} */ FROM;',
      'SELECT 1 -- ${x}\nFROM;',
      'CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $body$ SELECT \'{{ x }}\' $body$ WRONG;',
    ];
    for (const text of texts) {
      const [statement] = parse(text).statements;
      expect(statement?.syntaxError, text).toBeDefined();
      expect(statement?.templated, text).toBeUndefined();
    }
    // A placeholder in code still makes it templated SQL, quotes inside the placeholder included.
    for (const text of ["SELECT 'a' || {{ .X }};", 'CREATE TABLE {{ .Schema }}.t (id int);', 'SELECT {{ index .O "a\'b" }} FROM t;']) {
      expect(parse(text).statements[0]?.templated, text).toBe(true);
    }
  });

  it('substitutes placeholder values and keeps positions in the original file', () => {
    const text = 'CREATE TABLE {{ .Schema }}.users (id int);\nALTER TABLE ${schema}.users ADD COLUMN   x int;';
    const parsed = parse(text, 'plain', { Schema: 'app', schema: 'app' });
    expect(parsed.statements.map((s) => s.kind)).toEqual(['CreateStmt', 'AlterTableStmt']);
    expect(parsed.statements[0]!.sql).toBe('CREATE TABLE {{ .Schema }}.users (id int)');
    expect(where(parsed.statements[1])).toBe('2:1-2:47');
    const relation = (parsed.statements[1]!.node!['AlterTableStmt'] as { relation: { schemaname: string; location: number } })
      .relation;
    expect(relation.schemaname).toBe('app');
    const offset = parsed.offsetOfLocation(1, relation.location);
    expect(parsed.lines.position(offset)).toEqual({ line: 2, column: 13 });
  });

  it('splits Drizzle chunks at statement breakpoints even without semicolons', () => {
    const text = 'CREATE TABLE a (id int)\n--> statement-breakpoint\nCREATE TABLE b (id int)\n--> statement-breakpoint\nSELEC 1';
    const parsed = parse(text, 'drizzle');
    expect(parsed.statements.map((s) => s.kind)).toEqual(['CreateStmt', 'CreateStmt', 'Unparsed']);
    expect(where(parsed.statements[1])).toBe('3:1-3:24');
  });

  it('parses only the dbmate up section, with line numbers of the real file', () => {
    const text = '-- migrate:up\nCREATE TABLE a (id int);\n\nALTER TABLE a ADD COLUMN b int;\n\n-- migrate:down\nDROP TABLE a;\n';
    const file = migrationFileFromText('m.sql', text, 'dbmate');
    expect(file.transaction).toBe('per-file');
    const parsed = parseMigration(file);
    expect(parsed.statements.map((s) => s.kind)).toEqual(['CreateStmt', 'AlterTableStmt']);
    expect(parsed.statements.map(where)).toEqual(['2:1-2:24', '4:1-4:31']);
  });

  it('honours dbmate transaction:false', () => {
    const file = migrationFileFromText('m.sql', '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n-- migrate:down\n', 'dbmate');
    // dbmate then sends the section as one query: an implicit transaction when it has several statements.
    expect(file.transaction).toBe('implicit');
    expect(file.upText.trim()).toBe('CREATE INDEX CONCURRENTLY i ON t (a);');
  });

  it('parses only the node-pg-migrate up section and recognises it in a plain folder', () => {
    const text = '-- Up Migration\nCREATE TABLE a (id int);\n-- Down Migration\nDROP TABLE a;\n';
    const file = migrationFileFromText('m.sql', text, 'plain');
    expect(file.layout).toBe('node-pg-migrate');
    expect(file.transaction).toBe('per-file');
    const parsed = parseMigration(file);
    expect(parsed.statements.map((s) => s.kind)).toEqual(['CreateStmt']);
    expect(where(parsed.statements[0])).toBe('2:1-2:24');
  });

  it('gives stdin the transaction default of the sections it has, and keeps its layout', () => {
    const dbmate = migrationFileFromText('-', '-- migrate:up\nCREATE INDEX i ON t (a);\n-- migrate:down\n', 'stdin');
    expect([dbmate.layout, dbmate.transaction, dbmate.upText]).toEqual(['stdin', 'per-file', 'CREATE INDEX i ON t (a);\n']);
    const off = migrationFileFromText('-', '-- migrate:up transaction:false\nSELECT 1;\n', 'stdin');
    expect(off.transaction).toBe('implicit');
    const npm = migrationFileFromText('-', '-- Up Migration\nSELECT 1;\n-- Down Migration\n', 'stdin');
    expect([npm.layout, npm.transaction]).toEqual(['stdin', 'per-file']);
    expect(migrationFileFromText('-', 'SELECT 1;', 'stdin').transaction).toBe('none');
  });

  it('collects only the comment lines directly above a statement', () => {
    const text = 'SELECT 1; -- not mine\n-- one\n\n-- two\n  -- three\nDROP TABLE x;';
    const parsed = parse(text);
    expect(parsed.statements[1]!.leadingComments).toEqual([
      { line: 4, text: '-- two' },
      { line: 5, text: '-- three' },
    ]);
  });
});
