/**
 * ban-drop-column: `ALTER TABLE ... DROP COLUMN` on an existing table deletes the column's data and
 * breaks clients that still read or write it. Skipped for tables created earlier in the run, and for
 * columns added earlier in the run (state.isNewColumn; neither can hold production data yet).
 */
import { defineRule } from '../define-rule.js';
import type { QualifiedName } from '../types.js';

interface RangeVar {
  schemaname?: string;
  relname: string;
  location?: number;
}
interface AlterTableCmd {
  subtype: string;
  name?: string;
  missing_ok?: boolean;
  def?: { ColumnDef?: { colname?: string } };
}
interface AlterTableStmt {
  relation?: RangeVar;
  cmds?: { AlterTableCmd?: AlterTableCmd }[];
  objtype?: string;
}

export default defineRule({
  id: 'ban-drop-column',
  severity: 'error',
  level: 3,
  summary: 'DROP COLUMN on an existing table deletes the column\'s data and breaks clients that still read or write it.',
  on: ['AlterTableStmt'],
  check(ctx) {
    if (ctx.statement.kind !== 'AlterTableStmt' || !ctx.node) return;
    const stmt = ctx.node as AlterTableStmt;
    if (stmt.objtype !== 'OBJECT_TABLE' || !stmt.relation) return;
    const table: QualifiedName = { schema: stmt.relation.schemaname, name: stmt.relation.relname };
    if (ctx.state.isNewTable(table)) return;
    // Columns added by this very statement (the run state takes it in only after the statement).
    let addedHere: Set<string> | undefined;

    for (const item of stmt.cmds ?? []) {
      const cmd = item.AlterTableCmd;
      if (!cmd) continue;
      if (cmd.subtype === 'AT_AddColumn' && cmd.def?.ColumnDef?.colname !== undefined) {
        // ADD COLUMN IF NOT EXISTS may have met an existing column full of data.
        if (!cmd.missing_ok) (addedHere ??= new Set()).add(cmd.def.ColumnDef.colname);
        continue;
      }
      if (cmd.subtype !== 'AT_DropColumn' || cmd.name === undefined) continue;
      if (addedHere?.delete(cmd.name) === true || ctx.state.isNewColumn(table, cmd.name)) continue;
      const column = quote(cmd.name);
      const tableSql = display(table);
      ctx.report({
        message: `Dropping column ${column} of ${tableSql} deletes its data and breaks clients that still read or write it: the running application fails the moment the migration commits, and a rollback cannot bring the data back.`,
        help:
          `Expand and contract: stop reading and writing ${column} in the application (remove it from models, SELECT lists and INSERTs) and deploy that; ` +
          `if ${column} is NOT NULL without a default, first DROP NOT NULL (or SET DEFAULT) so the new code can insert without it; ` +
          'take a backup (`prodguard backup create`); then drop the column in a later migration.',
      });
    }
  },
});

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function display(name: QualifiedName): string {
  return name.schema ? `${quote(name.schema)}.${quote(name.name)}` : quote(name.name);
}
