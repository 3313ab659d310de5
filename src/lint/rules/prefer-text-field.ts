/**
 * prefer-text-field: new `varchar(n)` columns. The length limit lives in the column type, so
 * changing it later is an ALTER COLUMN TYPE under ACCESS EXCLUSIVE (a rewrite when it shrinks);
 * `text` with a CHECK constraint can be changed with NOT VALID + VALIDATE without blocking.
 */
import { defineRule } from '../define-rule.js';

export default defineRule({
  id: 'prefer-text-field',
  severity: 'warning',
  level: 2,
  summary: 'New varchar(n) columns: use text (with a CHECK on the length if the limit matters).',
  check(ctx) {
    if (!ctx.node) return;
    for (const col of newColumns(ctx.statement.kind, ctx.node)) {
      const type = builtinType(col.typeName);
      if (type !== 'varchar' || !col.typeName?.typmods?.length) continue;
      const column = quoteIdent(col.colname ?? '?');
      ctx.report({
        message: `Column ${column} is varchar(n): changing the limit later is ALTER COLUMN TYPE, which takes an ACCESS EXCLUSIVE lock on the table (and rewrites it when the limit shrinks), and inserts longer than n fail with "value too long".`,
        help: `Use text; if the length limit matters, add CHECK (char_length(${column}) <= n): a CHECK can be replaced with ADD CONSTRAINT ... NOT VALID and VALIDATE CONSTRAINT, without blocking reads or writes.`,
        ...(col.typeName.location !== undefined ? { location: col.typeName.location } : {}),
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
