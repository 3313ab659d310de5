/**
 * adding-required-column: `ADD COLUMN ... NOT NULL` without a DEFAULT on an existing table. Every
 * existing row would get NULL, so PostgreSQL refuses the statement on any non-empty table; where it
 * does succeed (an empty table in staging), old application code that does not know the column fails
 * its INSERTs.
 */
import { isSerialType } from '../columns.js';
import { defineRule } from '../define-rule.js';
import { alteredTable, isNullExpr, qualifiedSql, quoteIdent } from '../names.js';

interface Constraint {
  contype: string;
  raw_expr?: unknown;
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
  id: 'adding-required-column',
  severity: 'error',
  level: 3,
  summary: 'ADD COLUMN ... NOT NULL without a DEFAULT fails on any existing table that has rows.',
  on: ['AlterTableStmt'],
  check(ctx) {
    const altered = alteredTable<AlterTableStmt>(ctx);
    if (!altered) return;
    const { stmt, table } = altered;
    if (ctx.state.isNewTable(table)) return;

    for (const item of stmt.cmds ?? []) {
      const cmd = item.AlterTableCmd;
      const col = cmd?.subtype === 'AT_AddColumn' ? cmd.def?.ColumnDef : undefined;
      if (!col?.colname) continue;
      const constraints = (col.constraints ?? []).flatMap((c) => (c.Constraint ? [c.Constraint] : []));
      const notNull = constraints.find((c) => c.contype === 'CONSTR_NOTNULL');
      if (!notNull) continue;
      const fillsExistingRows = constraints.some(
        (c) =>
          (c.contype === 'CONSTR_DEFAULT' && !isNullExpr(c.raw_expr)) ||
          c.contype === 'CONSTR_IDENTITY' ||
          c.contype === 'CONSTR_GENERATED',
      );
      const typeName = col.typeName?.names?.at(-1)?.String?.sval ?? '';
      if (fillsExistingRows || isSerialType(typeName)) continue;

      const column = quoteIdent(col.colname);
      const tableSql = qualifiedSql(table);
      ctx.report({
        message: `ADD COLUMN ${column} NOT NULL without a DEFAULT fails with "column contains null values" on ${tableSql} as soon as it has rows, and application code deployed before this column exists will fail its INSERTs.`,
        help: `Add ${column} as nullable, deploy code that writes it, backfill existing rows in batches, then make it NOT NULL with a validated CHECK (${column} IS NOT NULL) (see set-not-null). Or give it a constant DEFAULT: on PostgreSQL 11+ a non-volatile default is stored in the catalog and does not rewrite the table.`,
        ...(notNull.location !== undefined ? { location: notNull.location } : col.location !== undefined ? { location: col.location } : {}),
      });
    }
  },
});

