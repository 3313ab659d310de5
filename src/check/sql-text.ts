/**
 * Cutting expressions out of a statement's text by the parser's own tokens: libpg-query has no
 * deparser, and the pre-checks must send the server exactly the expression the migration wrote
 * (`NOT (expr)` for a CHECK, the USING expression of a type change).
 */
import { scanSync } from 'libpg-query';
import { quoteIdent } from '../db/introspect.js';
import { quoteIdent as displayIdent } from '../lint/columns.js';

interface Token {
  start: number;
  end: number;
  text: string;
}

/** Tokens of `sql` with UTF-8 byte offsets, plus a slicer by those offsets. */
function tokenize(sql: string): { tokens: Token[]; slice(start: number, end: number): string } {
  const bytes = Buffer.from(sql, 'utf8');
  const tokens = (scanSync(sql) as { tokens: Token[] }).tokens;
  return { tokens, slice: (start, end) => bytes.subarray(start, end).toString('utf8') };
}

/**
 * The text inside `CHECK ( ... )` of the first CHECK at or after byte offset `from` (a parser
 * `location`). Undefined when the statement has no such CHECK.
 */
export function checkExpressionText(sql: string, from: number): string | undefined {
  const { tokens, slice } = tokenize(sql);
  const at = tokens.findIndex((t) => t.start >= from && t.text.toUpperCase() === 'CHECK');
  if (at < 0 || tokens[at + 1]?.text !== '(') return undefined;
  let depth = 0;
  for (let i = at + 1; i < tokens.length; i++) {
    const text = tokens[i]!.text;
    if (text === '(') depth++;
    else if (text === ')' && --depth === 0) return slice(tokens[at + 1]!.end, tokens[i]!.start).trim();
  }
  return undefined;
}

/**
 * The text of a clause: from the first token at or after byte offset `from` (or after the
 * keyword `after`, when given) up to, not including, the first top-level token in `stop`
 * (upper case) or the end of the statement. Undefined when the keyword is not there.
 */
export function clauseText(sql: string, from: number, stop: readonly string[], after?: string): string | undefined {
  const { tokens, slice } = tokenize(sql);
  let first = tokens.findIndex((t) => t.start >= from && (after === undefined || t.text.toUpperCase() === after));
  if (first < 0) return undefined;
  if (after !== undefined) first++;
  if (first >= tokens.length) return undefined;
  let depth = 0;
  let last = first - 1;
  for (let i = first; i < tokens.length; i++) {
    const text = tokens[i]!.text;
    const upper = text.toUpperCase();
    if (depth === 0 && (stop.includes(upper) || text === ';')) break;
    if (text === '(' || text === '[') depth++;
    else if (text === ')' || text === ']') {
      if (depth === 0) break;
      depth--;
    }
    last = i;
  }
  if (last < first) return undefined;
  return slice(tokens[first]!.start, tokens[last]!.end).trim();
}

/** The expression after `USING` in `ALTER COLUMN ... TYPE ... USING expr` (search from the column definition). */
export function usingExpressionText(sql: string, from: number): string | undefined {
  return clauseText(sql, from, [','], 'USING');
}

/** The type of `ALTER COLUMN ... TYPE <type>` from the type name's location. */
export function typeText(sql: string, from: number): string | undefined {
  return clauseText(sql, from, [',', 'USING', 'COLLATE']);
}

/** A SQL string literal. */
export function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** `schema.name` (or just `name`), always quoted: for SQL sent to the server. */
export function qualifiedSql(table: { schema?: string | undefined; name: string }): string {
  return table.schema ? `${quoteIdent(table.schema)}.${quoteIdent(table.name)}` : quoteIdent(table.name);
}

/** `schema.name` quoted only where needed: for messages. */
export function displayName(table: { schema?: string | undefined; name: string }): string {
  return table.schema && table.schema !== 'public' ? `${displayIdent(table.schema)}.${displayIdent(table.name)}` : displayIdent(table.name);
}
