/** Column helpers shared by the column-choice rules (ban-char-field, prefer-*). */

export interface TypeName {
  names?: { String?: { sval: string } }[];
  typmods?: unknown[];
  arrayBounds?: unknown[];
  location?: number;
}
export interface ColumnDef {
  colname?: string;
  typeName?: TypeName;
  location?: number;
}

/** Columns this statement creates: CREATE TABLE columns and ALTER TABLE ... ADD COLUMN. */
export function newColumns(kind: string, node: Record<string, unknown>): ColumnDef[] {
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
export function builtinType(typeName: TypeName | undefined): string | undefined {
  const names = (typeName?.names ?? []).map((n) => n.String?.sval ?? '');
  if (names.length === 1) return names[0];
  if (names.length === 2 && names[0] === 'pg_catalog') return names[1];
  return undefined;
}

export function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}
