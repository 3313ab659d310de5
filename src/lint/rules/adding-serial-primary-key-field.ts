/**
 * adding-serial-primary-key-field: `ADD COLUMN ... PRIMARY KEY` on an existing table. The column
 * must be filled for every row (a rewrite for serial / identity / volatile defaults, a failure for
 * a column without a default) and the primary key index is built, all under one ACCESS EXCLUSIVE
 * lock that blocks reads and writes for the whole duration.
 */
import { isSerialType } from '../columns.js';
import { defineRule } from '../define-rule.js';
import type { QualifiedName } from '../types.js';

interface Constraint {
  contype: string;
  location?: number;
}
interface ColumnDef {
  colname?: string;
  typeName?: { names?: { String?: { sval: string } }[] };
  constraints?: { Constraint?: Constraint }[];
  location?: number;
}
interface AlterTableStmt {
  relation?: { schemaname?: string; relname: string };
  cmds?: { AlterTableCmd?: { subtype: string; def?: { ColumnDef?: ColumnDef } } }[];
  objtype?: string;
}

export default defineRule({
  id: 'adding-serial-primary-key-field',
  severity: 'error',
  level: 3,
  summary:
    'ADD COLUMN ... PRIMARY KEY on an existing table fills the column and builds the primary key index under one ACCESS EXCLUSIVE lock.',
  on: ['AlterTableStmt'],
  check(ctx) {
    if (ctx.statement.kind !== 'AlterTableStmt' || !ctx.node) return;
    const stmt = ctx.node as unknown as AlterTableStmt;
    if (stmt.objtype !== 'OBJECT_TABLE' || !stmt.relation) return;
    const table: QualifiedName = { schema: stmt.relation.schemaname, name: stmt.relation.relname };
    if (ctx.state.isNewTable(table)) return;
    const tableSql = qualified(table);

    for (const item of stmt.cmds ?? []) {
      const cmd = item.AlterTableCmd;
      const col = cmd?.subtype === 'AT_AddColumn' ? cmd.def?.ColumnDef : undefined;
      if (!col?.colname) continue;
      const constraints = (col.constraints ?? []).flatMap((c) => (c.Constraint ? [c.Constraint] : []));
      const primary = constraints.find((c) => c.contype === 'CONSTR_PRIMARY');
      if (!primary) continue;
      const typeName = col.typeName?.names?.at(-1)?.String?.sval ?? '';
      const generated =
        isSerialType(typeName) ||
        constraints.some((c) => c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_DEFAULT');
      const column = quoteIdent(col.colname);
      ctx.report({
        message: generated
          ? `ADD COLUMN ${column} ... PRIMARY KEY on ${tableSql} writes a value into every existing row (a full table rewrite) and then builds the primary key index, all under an ACCESS EXCLUSIVE lock: every read and write on ${tableSql} waits until both finish.`
          : `ADD COLUMN ${column} ... PRIMARY KEY on ${tableSql} has no value for existing rows, so it fails on any non-empty table; where it runs, it builds the primary key index under an ACCESS EXCLUSIVE lock that blocks every read and write on ${tableSql}.`,
        help: `Add ${column} as a nullable bigint, set a default for new rows (a sequence or identity), backfill existing rows in batches, make it NOT NULL through a validated CHECK (see set-not-null), build CREATE UNIQUE INDEX CONCURRENTLY on it, then ALTER TABLE ${tableSql} ADD CONSTRAINT ... PRIMARY KEY USING INDEX ... (a catalog-only change).`,
        ...(primary.location !== undefined ? { location: primary.location } : {}),
      });
    }
  },
});

function quoteIdent(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : `"${name.replaceAll('"', '""')}"`;
}

function qualified(name: QualifiedName): string {
  return name.schema ? `${quoteIdent(name.schema)}.${quoteIdent(name.name)}` : quoteIdent(name.name);
}
