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

/** Several rules ask for the same statement's columns: build the list once per node. */
const columnsOfNode = new WeakMap<Record<string, unknown>, ColumnDef[]>();
const NONE: ColumnDef[] = [];

/** Columns this statement creates: CREATE TABLE columns and ALTER TABLE ... ADD COLUMN. */
export function newColumns(kind: string, node: Record<string, unknown>): ColumnDef[] {
  if (kind !== 'CreateStmt' && !(kind === 'AlterTableStmt' && node['objtype'] === 'OBJECT_TABLE')) return NONE;
  let columns = columnsOfNode.get(node);
  if (columns !== undefined) return columns;
  columns = [];
  if (kind === 'CreateStmt') {
    for (const element of (node['tableElts'] as { ColumnDef?: ColumnDef }[] | undefined) ?? []) {
      if (element.ColumnDef) columns.push(element.ColumnDef);
    }
  } else {
    const cmds = (node['cmds'] as { AlterTableCmd?: { subtype?: string; def?: { ColumnDef?: ColumnDef } } }[] | undefined) ?? [];
    for (const c of cmds) {
      const column = c.AlterTableCmd?.subtype === 'AT_AddColumn' ? c.AlterTableCmd.def?.ColumnDef : undefined;
      if (column) columns.push(column);
    }
  }
  columnsOfNode.set(node, columns);
  return columns;
}

/** The built-in type name (`int4`, `varchar`, ...) or undefined for a type in another schema. */
export function builtinType(typeName: TypeName | undefined): string | undefined {
  const names = typeName?.names;
  if (names === undefined) return undefined;
  if (names.length === 1) return names[0]!.String?.sval ?? '';
  if (names.length === 2 && names[0]!.String?.sval === 'pg_catalog') return names[1]!.String?.sval ?? '';
  return undefined;
}

export { quoteIdent } from './names.js';

/** The serial pseudo-types and the integer type each stands for (a column with a sequence default). */
export const SERIAL_BASE_TYPES: Readonly<Record<string, 'smallint' | 'integer' | 'bigint'>> = {
  smallserial: 'smallint',
  serial2: 'smallint',
  serial: 'integer',
  serial4: 'integer',
  bigserial: 'bigint',
  serial8: 'bigint',
};

/** Whether a type name (as written, unqualified) is a serial pseudo-type. */
export function isSerialType(name: string): boolean {
  return Object.hasOwn(SERIAL_BASE_TYPES, name);
}

/** A column type as declared: base name without pg_catalog, type modifiers, array, collation. */
export interface ColumnType {
  name: string;
  /** Integer type modifiers (`varchar(20)`, `numeric(12,2)`). */
  mods: number[] | undefined;
  /** Modifiers that are not all integers, as written (`geometry(Point,4326)`: "Point,4326"). */
  otherMods?: string | undefined;
  array: boolean;
  collation: string | undefined;
}

/** The type a column definition declares (CREATE TABLE, ADD COLUMN, ALTER COLUMN ... TYPE). */
export function declaredType(column: {
  typeName?: TypeName & { typmods?: unknown[] };
  collClause?: { collname?: { String?: { sval: string } }[] };
}): ColumnType {
  const names = (column.typeName?.names ?? []).map((n) => n.String?.sval ?? '');
  const base = names[0] === 'pg_catalog' ? names.slice(1) : names;
  const mods = (column.typeName?.typmods ?? []).map(typmod);
  const collation = column.collClause?.collname?.map((n) => n.String?.sval ?? '').join('.');
  const type: ColumnType = { name: base.join('.'), mods: undefined, array: (column.typeName?.arrayBounds?.length ?? 0) > 0, collation };
  if (mods.length > 0) {
    if (mods.every((mod) => typeof mod === 'number')) type.mods = mods as number[];
    else type.otherMods = mods.join(',');
  }
  return type;
}

/** One type modifier: an integer, or its text (a string, a name such as PostGIS's `Point`). */
function typmod(node: unknown): number | string {
  const value = node as { A_Const?: { ival?: { ival?: number }; sval?: { sval?: string }; fval?: { fval?: string } }; ColumnRef?: { fields?: { String?: { sval?: string } }[] } };
  const constant = value.A_Const;
  if (constant !== undefined) {
    if (constant.sval !== undefined) return `'${constant.sval.sval ?? ''}'`;
    if (constant.fval !== undefined) return constant.fval.fval ?? '0';
    return constant.ival?.ival ?? 0;
  }
  const fields = value.ColumnRef?.fields;
  if (fields !== undefined) return fields.map((field) => field.String?.sval ?? '*').join('.');
  return '?';
}
