/**
 * renaming-column: `ALTER TABLE ... RENAME COLUMN` breaks every client that still uses the old name
 * the moment the migration commits. Skipped for tables created earlier in the run and for columns
 * added earlier in the run.
 */
import { defineRule } from '../define-rule.js';
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

export default defineRule({
  id: 'renaming-column',
  severity: 'error',
  level: 3,
  summary: 'RENAME COLUMN breaks every client that still uses the old name the moment the migration commits.',
  on: ['RenameStmt'],
  check(ctx) {
    if (!ctx.node) return;
    const stmt = ctx.node as RenameStmt;
    if (stmt.renameType !== 'OBJECT_COLUMN' || !stmt.relation || stmt.subname === undefined || stmt.newname === undefined) return;
    const table = tableOf(stmt.relation);
    if (ctx.state.isNewTable(table) || ctx.state.isNewColumn(table, stmt.subname)) return;

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

function tableOf(relation: RangeVar): QualifiedName {
  return { schema: relation.schemaname, name: relation.relname };
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function display(name: QualifiedName): string {
  return name.schema ? `${quote(name.schema)}.${quote(name.name)}` : quote(name.name);
}
