/**
 * adding-serial-primary-key-field: `ADD COLUMN ... PRIMARY KEY` on an existing table. The column
 * must be filled for every row (a rewrite for serial / identity / volatile defaults, a failure for
 * a column without a default) and the primary key index is built, all under one ACCESS EXCLUSIVE
 * lock that blocks reads and writes for the whole duration.
 */
import { isSerialType } from '../columns.js';
import { defineRule } from '../define-rule.js';
import { alteredTable, qualifiedSql, quoteIdent } from '../names.js';

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
    const altered = alteredTable<AlterTableStmt>(ctx);
    if (!altered) return;
    const { stmt, table } = altered;
    if (ctx.state.isNewTable(table)) return;
    const tableSql = qualifiedSql(table);

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

