/**
 * ban-drop-not-null: `ALTER TABLE ... ALTER COLUMN ... DROP NOT NULL` on an existing table. The
 * schema change is instant, but from then on NULLs can be written, and every reader that relies on
 * the column always having a value (application code, reports, exports, other services) breaks
 * on the first NULL row. Tables created earlier in the run are skipped.
 *
 * PostgreSQL 18 records NOT NULL as a constraint with a name (`<table>_<column>_not_null` unless
 * one was given, with a number appended when that name is taken), so `DROP CONSTRAINT
 * users_email_not_null` drops it too: on a target of 18 or later such a DROP CONSTRAINT is
 * reported, as is the drop of a NOT NULL constraint that an earlier `ADD CONSTRAINT name NOT NULL
 * column` of the run named. A name the run gave to another kind of constraint (the CHECK of the
 * safe SET NOT NULL pattern is often called `<table>_<column>_not_null`) is not a NOT NULL
 * constraint. Constraint names survive RENAME TO and RENAME COLUMN, so the rule follows both.
 */
import { defineRule } from '../define-rule.js';
import { alteredTable, qualifiedSql, quoteIdent, rangeVarName, tableKey } from '../names.js';
import type { QualifiedName } from '../types.js';

interface AlterTableStmt {
  cmds?: {
    AlterTableCmd?: {
      subtype?: string;
      name?: string;
      def?: { Constraint?: { contype?: string; conname?: string; keys?: { String?: { sval?: string } }[] } };
    };
  }[];
}

/** The first PostgreSQL release that keeps NOT NULL as a named constraint (pg_constraint, contype 'n'). */
const NAMED_NOT_NULL = 18;

/** What the run did to one table that decides what a constraint name on it means. */
interface TableMemory {
  /** Constraints the run added by name: the column of a NOT NULL constraint, null for any other kind. */
  named: Map<string, string | null>;
  /** The table's names before RENAME TO in this run (its constraints keep names made from them). */
  formerNames: string[];
  /** RENAME COLUMN in this run: old name -> new name. */
  renamedColumns: Map<string, string>;
}

export default defineRule({
  id: 'ban-drop-not-null',
  severity: 'warning',
  level: 3,
  summary: 'DROP NOT NULL lets NULLs into a column that readers expect always to have a value.',
  on: ['AlterTableStmt', 'RenameStmt'],
  check(ctx) {
    const named = ctx.pgVersion >= NAMED_NOT_NULL;
    if (ctx.statement.kind === 'RenameStmt') {
      if (named && ctx.node) followRename(ctx.memory, ctx.node);
      return;
    }
    const altered = alteredTable<AlterTableStmt>(ctx);
    if (!altered) return;
    const { table } = altered;
    const isNew = ctx.state.isNewTable(table);
    const tableSql = qualifiedSql(table);
    for (const item of altered.stmt.cmds ?? []) {
      const cmd = item.AlterTableCmd;
      let column: string | undefined;
      let how = 'DROP NOT NULL';
      if (cmd?.subtype === 'AT_DropNotNull') column = cmd.name;
      else if (named && cmd?.subtype === 'AT_AddConstraint') {
        const constraint = cmd.def?.Constraint;
        if (constraint?.conname === undefined) continue;
        const key = constraint.keys?.[0]?.String?.sval;
        memoryOf(ctx.memory, table).named.set(constraint.conname, constraint.contype === 'CONSTR_NOTNULL' && key !== undefined ? key : null);
        continue;
      } else if (named && cmd?.subtype === 'AT_DropConstraint' && cmd.name !== undefined) {
        const memory = memoryOf(ctx.memory, table);
        const given = memory.named.get(cmd.name);
        memory.named.delete(cmd.name);
        if (given === null) continue;
        column = given ?? defaultNotNullColumn(table, memory, cmd.name);
        if (column === undefined) continue;
        how = `DROP CONSTRAINT ${quoteIdent(cmd.name)} (the NOT NULL constraint of ${quoteIdent(column)} on PostgreSQL ${NAMED_NOT_NULL}+)`;
      }
      // A column the run added has no readers yet that count on it.
      if (column === undefined || isNew || ctx.state.isNewColumn(table, column)) continue;
      const columnSql = quoteIdent(column);
      ctx.report({
        message: `${how} on ${tableSql}.${columnSql}: from now on NULLs can be written, and code, reports and other services that read ${columnSql} as always set (non-nullable types, string formatting, sums, joins) fail or silently drop rows on the first NULL.`,
        help: `Deploy every reader that handles NULL in ${columnSql} first, then drop the constraint in a later migration. If writers only need to omit the value, give ${columnSql} a DEFAULT instead (ALTER COLUMN ${columnSql} SET DEFAULT ...) and keep it NOT NULL.`,
      });
    }
  },
});

function memoryOf(memory: Map<string, unknown>, table: QualifiedName): TableMemory {
  const key = tableKey(table);
  let entry = memory.get(key) as TableMemory | undefined;
  if (entry === undefined) memory.set(key, (entry = { named: new Map(), formerNames: [], renamedColumns: new Map() }));
  return entry;
}

/** RENAME TO and RENAME COLUMN: constraint names stay, so remember what they were made from. */
function followRename(memory: Map<string, unknown>, node: Record<string, unknown>): void {
  const table = rangeVarName(node['relation']);
  const newname = node['newname'] as string | undefined;
  if (table === undefined || newname === undefined) return;
  if (node['renameType'] === 'OBJECT_TABLE') {
    const entry = memoryOf(memory, table);
    memory.delete(tableKey(table));
    entry.formerNames.push(table.name);
    memory.set(tableKey({ schema: table.schema, name: newname }), entry);
  } else if (node['renameType'] === 'OBJECT_COLUMN') {
    const subname = node['subname'] as string | undefined;
    if (subname === undefined) return;
    const entry = memoryOf(memory, table);
    // `newname` now names this column: an older rename to or from it no longer applies.
    entry.renamedColumns.delete(newname);
    for (const [old, current] of entry.renamedColumns) if (current === subname) entry.renamedColumns.set(old, newname);
    entry.renamedColumns.set(subname, newname);
    for (const [constraint, column] of entry.named) if (column === subname) entry.named.set(constraint, newname);
  }
}

const DEFAULT_NAME = /^(.+)_not_null\d*$/;

/**
 * The column (by its current name) of a constraint named as PostgreSQL names NOT NULL constraints:
 * `<table>_<column>_not_null`, maybe with a number, from the table's current or an earlier name.
 * Names cut to 63 characters are not read back: the column is no longer in them whole.
 */
function defaultNotNullColumn(table: QualifiedName, memory: TableMemory, name: string): string | undefined {
  if (name.length >= 63) return undefined;
  const stem = DEFAULT_NAME.exec(name)?.[1];
  if (stem === undefined) return undefined;
  for (const tableName of [table.name, ...memory.formerNames]) {
    if (!stem.startsWith(`${tableName}_`) || stem.length === tableName.length + 1) continue;
    let column = stem.slice(tableName.length + 1);
    // The column's name now (a constraint keeps the name it was made with; renames are kept flat).
    column = memory.renamedColumns.get(column) ?? column;
    return column;
  }
  return undefined;
}
