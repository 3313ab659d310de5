/**
 * renaming-table: `ALTER TABLE ... RENAME TO` (and `ALTER TABLE ... SET SCHEMA`, a rename by another
 * name) breaks every client that still uses the old name the moment the migration commits. Tables
 * created earlier in the run are skipped.
 */
import { defineRule } from '../define-rule.js';
import type { QualifiedName } from '../types.js';

interface RangeVar {
  schemaname?: string;
  relname: string;
  location?: number;
}

export default defineRule({
  id: 'renaming-table',
  severity: 'error',
  level: 3,
  summary: 'Renaming a table (RENAME TO or SET SCHEMA) breaks every client that still uses the old name.',
  on: ['RenameStmt', 'AlterObjectSchemaStmt'],
  check(ctx) {
    if (!ctx.node) return;
    let relation: RangeVar | undefined;
    let target: QualifiedName;
    let kind: string | undefined;
    if (ctx.statement.kind === 'RenameStmt') {
      const stmt = ctx.node as { renameType?: string; relation?: RangeVar; newname?: string };
      kind = KINDS[stmt.renameType ?? ''];
      if (kind === undefined || !stmt.relation || stmt.newname === undefined) return;
      relation = stmt.relation;
      target = { schema: relation.schemaname, name: stmt.newname };
    } else if (ctx.statement.kind === 'AlterObjectSchemaStmt') {
      const stmt = ctx.node as { objectType?: string; relation?: RangeVar; newschema?: string };
      kind = KINDS[stmt.objectType ?? ''];
      if (kind === undefined || !stmt.relation || stmt.newschema === undefined) return;
      relation = stmt.relation;
      target = { schema: stmt.newschema, name: relation.relname };
    } else {
      return;
    }

    const source: QualifiedName = { schema: relation.schemaname, name: relation.relname };
    if (ctx.state.isNewTable(source) || ctx.state.isNewView(source)) return;
    const oldSql = display(source);
    const newSql = display(target);
    ctx.report({
      message: `Renaming ${kind} ${oldSql} to ${newSql} breaks every query and running client that still uses ${oldSql}: the application fails the moment the migration commits, before the new code is deployed.`,
      help:
        `Rename behind a compatibility view: in the same transaction, rename the ${kind} and create a view named ${oldSql} over it ` +
        '(a plain SELECT * view over one table is updatable, so old code keeps reading and writing through it); ' +
        `deploy code that uses ${newSql}; drop the view in a later migration.`,
      fix: [
        // Both must commit together, or clients see neither name for a moment.
        ...(ctx.state.inTransaction ? [] : ['BEGIN;']),
        `${ctx.statement.sql.trim()};`,
        `CREATE VIEW ${oldSql} AS SELECT * FROM ${newSql};`,
        ...(ctx.state.inTransaction ? [] : ['COMMIT;']),
        '-- in a later migration, once no client uses the old name:',
        `-- DROP VIEW ${oldSql};`,
      ].join('\n'),
      ...(relation.location !== undefined ? { location: relation.location } : {}),
    });
  },
});

/** What clients read by name: tables, views (ALTER VIEW ... RENAME TO) and materialized views. */
const KINDS: Readonly<Record<string, string>> = { OBJECT_TABLE: 'table', OBJECT_VIEW: 'view', OBJECT_MATVIEW: 'materialized view' };

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function display(name: QualifiedName): string {
  return name.schema ? `${quote(name.schema)}.${quote(name.name)}` : quote(name.name);
}
