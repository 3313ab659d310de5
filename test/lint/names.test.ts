import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { NON_UNRESERVED_KEYWORDS } from '../../src/lint/keywords.js';
import { qualifiedSql, quoteIdent } from '../../src/lint/names.js';
import { loadPgWasm, type PgWasm } from '../../src/migrations/pg-wasm.js';

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
