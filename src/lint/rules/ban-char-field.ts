/**
 * ban-char-field: new `char(n)` / `character(n)` columns. `char` pads with spaces to n characters;
 * the padding leaks into comparisons, lengths and application code, and it is never faster than text.
 * The internal single-byte type `"char"` is not flagged.
 */
import { defineRule } from '../define-rule.js';

export default defineRule({
  id: 'ban-char-field',
  severity: 'warning',
  level: 2,
  summary: 'New char(n) columns pad values with spaces: use text or varchar.',
  check(ctx) {
    if (!ctx.node) return;
    for (const col of newColumns(ctx.statement.kind, ctx.node)) {
      if (builtinType(col.typeName) !== 'bpchar') continue;
      const column = quoteIdent(col.colname ?? '?');
      ctx.report({
        message: `Column ${column} is char(n): values are padded with spaces to n characters, so 'ab' is stored as 'ab   ', LIKE and application-side comparisons see the padding, and values longer than n fail with "value too long".`,
        help: `Use text (with CHECK (char_length(${column}) <= n) if the limit matters) or varchar; char(n) has no speed or space advantage in PostgreSQL.`,
        ...(col.typeName?.location !== undefined ? { location: col.typeName.location } : {}),
      });
    }
  },
});

interface TypeName {
  names?: { String?: { sval: string } }[];
  typmods?: unknown[];
  arrayBounds?: unknown[];
  location?: number;
}
interface ColumnDef {
  colname?: string;
  typeName?: TypeName;
  location?: number;
}

/** Columns this statement creates: CREATE TABLE columns and ALTER TABLE ... ADD COLUMN. */
function newColumns(kind: string, node: Record<string, unknown>): ColumnDef[] {
  if (kind === 'CreateStmt') {
    const elts = (node['tableElts'] as { ColumnDef?: ColumnDef }[] | undefined) ?? [];
    return elts.flatMap((e) => (e.ColumnDef ? [e.ColumnDef] : []));
  }
  if (kind === 'AlterTableStmt' && node['objtype'] === 'OBJECT_TABLE') {
    const cmds = (node['cmds'] as { AlterTableCmd?: { subtype?: string; def?: { ColumnDef?: ColumnDef } } }[] | undefined) ?? [];
    return cmds.flatMap((c) =>
      c.AlterTableCmd?.subtype === 'AT_AddColumn' && c.AlterTableCmd.def?.ColumnDef ? [c.AlterTableCmd.def.ColumnDef] : [],
    );
  }
  return [];
}

/** The built-in type name (`int4`, `varchar`, ...) or undefined for a type in another schema. */
function builtinType(typeName: TypeName | undefined): string | undefined {
  const names = (typeName?.names ?? []).map((n) => n.String?.sval ?? '');
  if (names.length === 1) return names[0];
  if (names.length === 2 && names[0] === 'pg_catalog') return names[1];
  return undefined;
}

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
