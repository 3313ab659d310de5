/**
 * ban-drop-not-null: `ALTER TABLE ... ALTER COLUMN ... DROP NOT NULL` on an existing table. The
 * schema change is instant, but from then on NULLs can be written, and every reader that relies on
 * the column always having a value (application code, reports, exports, other services) breaks
 * on the first NULL row. Tables created earlier in the run are skipped.
 *
 * PostgreSQL 18 records NOT NULL as a constraint with a name (`<table>_<column>_not_null` unless
 * one was given), so `DROP CONSTRAINT users_email_not_null` drops it too: on a target of 18 or
 * later such a DROP CONSTRAINT is reported, as is the drop of a NOT NULL constraint that an
 * earlier `ADD CONSTRAINT name NOT NULL column` of the run named.
 */
import { defineRule } from '../define-rule.js';
import { alteredTable, qualifiedSql, quoteIdent, tableKey } from '../names.js';
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

export default defineRule({
  id: 'ban-drop-not-null',
  severity: 'warning',
  level: 3,
  summary: 'DROP NOT NULL lets NULLs into a column that readers expect always to have a value.',
  on: ['AlterTableStmt'],
  check(ctx) {
    const altered = alteredTable<AlterTableStmt>(ctx);
    if (!altered) return;
    const { table } = altered;
    const named = ctx.pgVersion >= NAMED_NOT_NULL ? namedNotNulls(ctx.memory) : undefined;
    const isNew = ctx.state.isNewTable(table);
    const tableSql = qualifiedSql(table);
    for (const item of altered.stmt.cmds ?? []) {
      const cmd = item.AlterTableCmd;
      let column: string | undefined;
      let how = 'DROP NOT NULL';
      if (cmd?.subtype === 'AT_DropNotNull') column = cmd.name;
      else if (named !== undefined && cmd?.subtype === 'AT_AddConstraint') {
        const constraint = cmd.def?.Constraint;
        const key = constraint?.keys?.[0]?.String?.sval;
        if (constraint?.contype === 'CONSTR_NOTNULL' && constraint.conname !== undefined && key !== undefined) {
          named.set(`${tableKey(table)}\0${constraint.conname}`, key);
        }
        continue;
      } else if (named !== undefined && cmd?.subtype === 'AT_DropConstraint' && cmd.name !== undefined) {
        column = named.get(`${tableKey(table)}\0${cmd.name}`) ?? defaultNotNullColumn(table, cmd.name);
        how = `DROP CONSTRAINT ${quoteIdent(cmd.name)} (the NOT NULL constraint of ${quoteIdent(column ?? '')} on PostgreSQL ${NAMED_NOT_NULL}+)`;
      }
      if (column === undefined || isNew) continue;
      const columnSql = quoteIdent(column);
      ctx.report({
        message: `${how} on ${tableSql}.${columnSql}: from now on NULLs can be written, and code, reports and other services that read ${columnSql} as always set (non-nullable types, string formatting, sums, joins) fail or silently drop rows on the first NULL.`,
        help: `Deploy every reader that handles NULL in ${columnSql} first, then drop the constraint in a later migration. If writers only need to omit the value, give ${columnSql} a DEFAULT instead (ALTER COLUMN ${columnSql} SET DEFAULT ...) and keep it NOT NULL.`,
      });
    }
  },
});

/** NOT NULL constraints named by `ADD CONSTRAINT name NOT NULL column` in this run: table + name -> column. */
function namedNotNulls(memory: Map<string, unknown>): Map<string, string> {
  let named = memory.get('named') as Map<string, string> | undefined;
  if (named === undefined) memory.set('named', (named = new Map()));
  return named;
}

/**
 * The column of PostgreSQL's own name for a NOT NULL constraint, `<table>_<column>_not_null`
 * (names cut to 63 characters are not read back: the column is no longer in them whole).
 */
function defaultNotNullColumn(table: QualifiedName, name: string): string | undefined {
  const prefix = `${table.name}_`;
  const suffix = '_not_null';
  if (name.length >= 63 || !name.startsWith(prefix) || !name.endsWith(suffix)) return undefined;
  const column = name.slice(prefix.length, name.length - suffix.length);
  return column.length > 0 ? column : undefined;
}
