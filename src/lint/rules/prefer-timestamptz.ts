/**
 * prefer-timestamptz: new `timestamp` (without time zone) columns. The value carries no zone, so
 * what it means depends on the TimeZone of whichever session wrote it.
 */
import { defineRule } from '../define-rule.js';

export default defineRule({
  id: 'prefer-timestamptz',
  severity: 'warning',
  level: 2,
  summary: 'New timestamp (without time zone) columns: use timestamptz.',
  check(ctx) {
    if (!ctx.node) return;
    for (const col of newColumns(ctx.statement.kind, ctx.node)) {
      if (builtinType(col.typeName) !== 'timestamp') continue;
      ctx.report({
        message: `Column ${quoteIdent(col.colname ?? '?')} is timestamp without time zone: now() and timestamptz values are converted with the writing session's TimeZone and the zone is dropped, so servers, workers and users in different zones (or across a DST change) read different instants from the same value.`,
        help: 'Use timestamptz: it stores an absolute instant (no extra space) and converts to each session\'s zone on output. Converting an existing column later is a rewrite under ACCESS EXCLUSIVE, so choose it now.',
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
