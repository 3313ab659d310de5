import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { NON_UNRESERVED_KEYWORDS } from '../../src/lint/keywords.js';
import { defaultCheckName, defaultConstraintName, qualifiedSql, quoteIdent } from '../../src/lint/names.js';
import { loadPgWasm, type PgWasm } from '../../src/migrations/pg-wasm.js';
import { createTestDatabase } from '../helpers/pg.js';

const require = createRequire(import.meta.url);

describe('NON_UNRESERVED_KEYWORDS', () => {
  let parser: PgWasm;
  beforeAll(async () => {
    parser = await loadPgWasm();
  });

  it('is exactly the keywords the parser scans as column-name, type/function-name or reserved', () => {
    // Every lower-case word stored in the parser's WASM binary: its keyword table is among them.
    const binary = readFileSync(require.resolve('libpg-query/wasm/libpg-query.wasm')).toString('latin1');
    const words = new Set(binary.split('\0').filter((word) => /^[a-z_]{2,}$/.test(word)));
    const found = new Set<string>();
    let keywords = 0;
    for (const word of words) {
      let tokens;
      try {
        tokens = parser.scan(word).tokens;
      } catch {
        continue;
      }
      const token = tokens[0];
      if (tokens.length !== 1 || token === undefined || token.end - token.start !== word.length || token.keywordKind === 0) continue;
      keywords++;
      // keywordKind: 1 unreserved, 2 column name, 3 type or function name, 4 reserved.
      if (token.keywordKind > 1) found.add(word);
    }
    expect(keywords).toBeGreaterThan(450);
    expect([...found].sort()).toEqual([...NON_UNRESERVED_KEYWORDS].sort());
  });
});

describe('quoteIdent', () => {
  it('quotes as PostgreSQL quote_ident does', () => {
    expect(quoteIdent('email')).toBe('email');
    expect(quoteIdent('_tmp2')).toBe('_tmp2');
    // Unreserved keywords stand as names.
    expect(quoteIdent('name')).toBe('name');
    expect(quoteIdent('action')).toBe('action');
    // Keywords that cannot: reserved, type/function names, column names.
    expect(quoteIdent('user')).toBe('"user"');
    expect(quoteIdent('order')).toBe('"order"');
    expect(quoteIdent('left')).toBe('"left"');
    expect(quoteIdent('int')).toBe('"int"');
    expect(quoteIdent('json_table')).toBe('"json_table"');
    // Anything else but lower-case letters, digits and underscores.
    expect(quoteIdent('Users')).toBe('"Users"');
    expect(quoteIdent('2fa')).toBe('"2fa"');
    expect(quoteIdent('price$')).toBe('"price$"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(qualifiedSql({ schema: 'public', name: 'order' })).toBe('public."order"');
  });

  it('gives the same answer when asked again (cached)', () => {
    for (let i = 0; i < 3; i++) {
      expect(quoteIdent('user')).toBe('"user"');
      expect(quoteIdent('users')).toBe('users');
    }
  });
});

describe('defaultConstraintName', () => {
  it('gives the names PostgreSQL gives unnamed CHECK, FOREIGN KEY, UNIQUE and PRIMARY KEY constraints, cut as it cuts them', async () => {
    const db = await createTestDatabase('names');
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      await client.query('CREATE TABLE ref (id int PRIMARY KEY)');
      // Names up to 63 bytes (PostgreSQL would cut longer ones as it reads them), some multibyte.
      const part = fc
        .tuple(fc.constantFrom('a', 'o', 'x'), fc.array(fc.constantFrom('a', 'b', 'z', '_', '1', 'é', '日'), { minLength: 2, maxLength: 40, size: 'max' }))
        .map(([first, rest]) => first + rest.join(''))
        .filter((name) => Buffer.byteLength(name) <= 63 && !NON_UNRESERVED_KEYWORDS.has(name));
      let run = 0;
      await fc.assert(
        fc.asyncProperty(part, part, part, async (table, a, b) => {
          fc.pre(a !== b);
          const t = quoteIdent(table);
          const [ca, cb] = [quoteIdent(a), quoteIdent(b)];
          const schema = `s${run++}`;
          await client.query(`CREATE SCHEMA ${schema}; SET search_path = ${schema}, public`);
          try {
            await client.query(`CREATE TABLE ${t} (${ca} int, ${cb} int)`);
            await client.query(`ALTER TABLE ${t} ADD CHECK (${ca} > 0), ADD CHECK (${ca} > ${cb}), ADD FOREIGN KEY (${ca}) REFERENCES public.ref (id)`);
            await client.query(`ALTER TABLE ${t} ADD UNIQUE (${ca}, ${cb}), ADD PRIMARY KEY (${cb})`);
            const rows = (
              await client.query<{ conname: string; contype: string; n: number }>(
                `SELECT conname, contype::text, cardinality(conkey) AS n FROM pg_constraint WHERE conrelid = '${schema}.${t.replaceAll("'", "''")}'::regclass`,
              )
            ).rows;
            const actual = Object.fromEntries(rows.map((r) => [`${r.contype}${r.contype === 'c' ? r.n : ''}`, r.conname]));
            expect(actual).toEqual({
              c1: defaultCheckName(table, [a]),
              c2: defaultCheckName(table, [a, b]),
              f: defaultConstraintName(table, [a], 'fkey'),
              u: defaultConstraintName(table, [a, b], 'key'),
              p: defaultConstraintName(table, [], 'pkey'),
            });
          } finally {
            await client.query(`DROP SCHEMA ${schema} CASCADE; SET search_path = public`);
          }
        }),
        { numRuns: 40 },
      );
    } finally {
      await client.end();
    }
  });
});
