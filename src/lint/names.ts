/** Reading names out of libpg-query nodes. Identifiers come as the parser gives them (unquoted ones lower-cased). */
import { NON_UNRESERVED_KEYWORDS } from './keywords.js';
import type { QualifiedName } from './types.js';

type Node = Record<string, unknown>;

/** `{ schemaname, relname }` of a RangeVar. */
export function rangeVarName(rangeVar: unknown): QualifiedName | undefined {
  const rv = rangeVar as { schemaname?: string; relname?: string } | undefined;
  if (rv?.relname === undefined) return undefined;
  return { schema: rv.schemaname, name: rv.relname };
}

/** `[String, String]` lists (`a.b`), as in DropStmt objects and type names. */
export function listName(items: unknown): QualifiedName | undefined {
  const list = items as { String?: { sval?: string } }[] | undefined;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  const name = list[list.length - 1]?.String?.sval;
  if (name === undefined) return undefined;
  const schema = list.length > 1 ? list[list.length - 2]?.String?.sval : undefined;
  return { schema, name };
}

/** A DropStmt / RenameStmt object: `{ List: { items } }`, `{ TypeName: { names } }` or a bare list. */
export function objectName(object: unknown): QualifiedName | undefined {
  const node = object as Node | undefined;
  if (node === undefined || node === null) return undefined;
  if (Array.isArray(node)) return listName(node);
  const list = node['List'] as { items?: unknown } | undefined;
  if (list !== undefined) return listName(list.items);
  const typeName = node['TypeName'] as { names?: unknown } | undefined;
  if (typeName !== undefined) return listName(typeName.names);
  const str = node['String'] as { sval?: string } | undefined;
  if (str?.sval !== undefined) return { name: str.sval };
  return undefined;
}

/** The string value of an `A_Const` (string, integer or float), if it is one. */
export function constValue(node: unknown): string | undefined {
  const aConst = (node as Node | undefined)?.['A_Const'] as
    | { sval?: { sval?: string }; ival?: { ival?: number }; fval?: { fval?: string }; isnull?: boolean }
    | undefined;
  if (aConst === undefined) return undefined;
  if (aConst.sval !== undefined) return aConst.sval.sval ?? '';
  if (aConst.ival !== undefined) return String(aConst.ival.ival ?? 0);
  if (aConst.fval !== undefined) return aConst.fval.fval ?? '0';
  return undefined;
}

/** `NULL`, or NULL cast to a type (`NULL::int`, `CAST(NULL AS text)`): as a DEFAULT, it fills nothing. */
export function isNullExpr(expr: unknown): boolean {
  const node = expr as { A_Const?: { isnull?: boolean }; TypeCast?: { arg?: unknown } } | undefined;
  if (node?.TypeCast !== undefined) return isNullExpr(node.TypeCast.arg);
  return node?.A_Const?.isnull === true;
}

/** Schema as a matching key: unqualified and `public` are the same ('' ), as under the default search_path. */
export function schemaKey(schema: string | undefined): string {
  return schema === undefined || schema === 'public' ? '' : schema;
}

/**
 * Map key of a table: unqualified counts as `public`. Parts are joined with NUL, which no
 * PostgreSQL identifier contains (cheaper than JSON.stringify on every column of a run).
 */
export function tableKey(table: QualifiedName): string {
  return `${table.schema ?? 'public'}\0${table.name}`;
}

/**
 * The table an `ALTER TABLE` statement (not ALTER INDEX/VIEW/...) changes, with its node typed as
 * the rule reads it; undefined for any other statement.
 */
export function alteredTable<S>(ctx: { statement: { kind: string }; node: Record<string, unknown> | undefined }): { stmt: S; table: QualifiedName } | undefined {
  if (ctx.statement.kind !== 'AlterTableStmt' || !ctx.node || ctx.node['objtype'] !== 'OBJECT_TABLE') return undefined;
  const table = rangeVarName(ctx.node['relation']);
  return table ? { stmt: ctx.node as unknown as S, table } : undefined;
}

/** quoteIdent's answers: a run meets the same few thousand names over and over. */
const quoted = new Map<string, string>();

/**
 * An identifier as SQL: quoted only when it has to be, by PostgreSQL's own rule (quote_ident):
 * unless it is lower-case letters, digits and underscores not starting with a digit, and not a
 * keyword that cannot stand as a name (`"user"`, `"order"`, `"group"`).
 */
export function quoteIdent(name: string): string {
  let sql = quoted.get(name);
  if (sql === undefined) {
    sql = /^[a-z_][a-z0-9_]*$/.test(name) && !NON_UNRESERVED_KEYWORDS.has(name) ? name : `"${name.replaceAll('"', '""')}"`;
    if (quoted.size >= 10_000) quoted.clear();
    quoted.set(name, sql);
  }
  return sql;
}

/** A table name as SQL for messages and suggested fixes: `schema.table` when qualified. */
export function qualifiedSql(name: QualifiedName): string {
  return name.schema ? `${quoteIdent(name.schema)}.${quoteIdent(name.name)}` : quoteIdent(name.name);
}

/** An identifier cut to PostgreSQL's 63-character limit (NAMEDATALEN - 1). */
export function truncateIdent(name: string): string {
  return name.length > 63 ? name.slice(0, 63) : name;
}

/**
 * The name PostgreSQL gives an unnamed constraint: `<table>_<columns>_<suffix>` (suffix `check`,
 * `fkey`, `key`, `pkey`, `excl`, `not_null`), made to fit 63 bytes the way PostgreSQL's
 * makeObjectName does it: the suffix stays whole, and the longer of the table name and the
 * column part loses bytes first (never half a character).
 */
export function defaultConstraintName(table: string, columns: readonly string[], suffix: string): string {
  return makeObjectName(table, columns.length > 0 ? columns.join('_') : undefined, suffix);
}

const ASCII = /^[\x00-\x7f]*$/;

/** NAMEDATALEN - 1: the longest identifier PostgreSQL keeps, in bytes. */
const MAX_IDENTIFIER_BYTES = 63;

function makeObjectName(name1: string, name2: string | undefined, label: string): string {
  const joined = name2 === undefined ? `${name1}_${label}` : `${name1}_${name2}_${label}`;
  // The usual case, short ASCII names, needs no cutting (and no byte counting).
  if (joined.length <= MAX_IDENTIFIER_BYTES && ASCII.test(joined)) return joined;
  const bytes1 = Buffer.from(name1);
  const bytes2 = name2 === undefined ? undefined : Buffer.from(name2);
  const available = MAX_IDENTIFIER_BYTES - (bytes2 === undefined ? 0 : 1) - (Buffer.byteLength(label) + 1);
  let length1 = bytes1.length;
  let length2 = bytes2?.length ?? 0;
  while (length1 + length2 > available) {
    if (length1 > length2) length1--;
    else length2--;
  }
  const part1 = clipBytes(bytes1, length1);
  return bytes2 === undefined ? `${part1}_${label}` : `${part1}_${clipBytes(bytes2, length2)}_${label}`;
}

/** The first `length` bytes of UTF-8 text, cut back to a whole character (pg_mbcliplen). */
function clipBytes(bytes: Buffer, length: number): string {
  let end = length;
  // A continuation byte (10xxxxxx) at the cut means a character would be split.
  while (end > 0 && end < bytes.length && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

/** PostgreSQL's name for an unnamed CHECK: `<table>_<column>_check` when it uses one column, else `<table>_check`. */
export function defaultCheckName(table: string, columns: readonly string[]): string {
  return defaultConstraintName(table, columns.length === 1 ? columns : [], 'check');
}

/**
 * Whether a parenthesised option (`REINDEX (CONCURRENTLY) ...`, `VACUUM (FULL false) ...`: a list
 * of DefElem nodes) is on: given without a value, or with a true-ish one.
 */
export function optionOn(options: unknown, name: string): boolean {
  for (const item of (options as { DefElem?: { defname?: string; arg?: unknown } }[] | undefined) ?? []) {
    if (item.DefElem?.defname !== name) continue;
    const arg = item.DefElem.arg as { Boolean?: { boolval?: boolean }; Integer?: { ival?: number }; String?: { sval?: string } } | undefined;
    if (arg === undefined) return true;
    if (arg.Boolean) return arg.Boolean.boolval === true;
    if (arg.Integer) return (arg.Integer.ival ?? 0) !== 0;
    return !['false', 'off', '0', 'no'].includes((arg.String?.sval ?? '').toLowerCase());
  }
  return false;
}
