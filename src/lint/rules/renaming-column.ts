/**
 * renaming-column: `ALTER TABLE ... RENAME COLUMN` breaks every client that still uses the old name
 * the moment the migration commits. Skipped for tables created earlier in the run and for columns
 * added earlier in the run.
 */
import { defineRule } from '../define-rule.js';
import { columnKey } from '../names.js';
import type { QualifiedName } from '../types.js';

interface RangeVar {
  schemaname?: string;
  relname: string;
  location?: number;
}
interface RenameStmt {
  renameType?: string;
  relationType?: string;
  relation?: RangeVar;
  subname?: string;
  newname?: string;
}
interface AlterTableStmt {
  relation?: RangeVar;
  cmds?: { AlterTableCmd?: { subtype: string; missing_ok?: boolean; def?: { ColumnDef?: { colname?: string } } } }[];
  objtype?: string;
}

export default defineRule({
  id: 'renaming-column',
  severity: 'error',
  level: 3,
  summary: 'RENAME COLUMN breaks every client that still uses the old name the moment the migration commits.',
  on: ['AlterTableStmt', 'RenameStmt'],
  check(ctx) {
    if (!ctx.node) return;
    const added = addedColumns(ctx.memory);

    if (ctx.statement.kind === 'AlterTableStmt') {
      const stmt = ctx.node as AlterTableStmt;
      if (!stmt.relation) return;
      const table = tableOf(stmt.relation);
      for (const item of stmt.cmds ?? []) {
        const colname = item.AlterTableCmd?.def?.ColumnDef?.colname;
        // ADD COLUMN IF NOT EXISTS may have met an existing column that clients use.
        if (item.AlterTableCmd?.subtype === 'AT_AddColumn' && !item.AlterTableCmd.missing_ok && colname !== undefined) {
          added.add(columnKey(table, colname));
        }
      }
      return;
    }

    if (ctx.statement.kind !== 'RenameStmt') return;
    const stmt = ctx.node as RenameStmt;
    if (stmt.renameType !== 'OBJECT_COLUMN' || !stmt.relation || stmt.subname === undefined || stmt.newname === undefined) return;
    const table = tableOf(stmt.relation);
    const key = columnKey(table, stmt.subname);
    if (ctx.state.isNewTable(table) || added.has(key)) {
      if (added.delete(key)) added.add(columnKey(table, stmt.newname));
      return;
    }

    const tableSql = display(table);
    const oldName = quote(stmt.subname);
    const newName = quote(stmt.newname);
    const kind = stmt.relationType === 'OBJECT_VIEW' || stmt.relationType === 'OBJECT_MATVIEW' ? 'view' : 'table';
    ctx.report({
      message: `Renaming column ${oldName} of ${kind} ${tableSql} to ${newName} breaks every query, view and running client that still uses ${oldName}: the application fails the moment the migration commits, before the new code is deployed.`,
      help:
        `Expand and contract: add ${newName} as a new column; write to both columns (in the application, or with a trigger); ` +
        `backfill ${newName} from ${oldName} in batches; switch reads to ${newName} and deploy; stop writing ${oldName}; drop it in a later migration. ` +
        'If only the name in code matters, map the field to the existing column in the ORM instead of renaming it.',
    });
  },
});

function addedColumns(memory: Map<string, unknown>): Set<string> {
  let added = memory.get('added') as Set<string> | undefined;
  if (!added) {
    added = new Set();
    memory.set('added', added);
  }
  return added;
}

function tableOf(relation: RangeVar): QualifiedName {
  return { schema: relation.schemaname, name: relation.relname };
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function display(name: QualifiedName): string {
  return name.schema ? `${quote(name.schema)}.${quote(name.name)}` : quote(name.name);
}
