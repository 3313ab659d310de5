/**
 * ban-drop-not-null: `ALTER TABLE ... ALTER COLUMN ... DROP NOT NULL` on an existing table. The
 * schema change is instant, but from then on NULLs can be written, and every reader that relies on
 * the column always having a value (application code, reports, exports, other services) breaks
 * on the first NULL row. Tables created earlier in the run are skipped.
 */
import { defineRule } from '../define-rule.js';
import { alteredTable, qualifiedSql, quoteIdent } from '../names.js';

interface AlterTableStmt {
  cmds?: { AlterTableCmd?: { subtype?: string; name?: string } }[];
}

export default defineRule({
  id: 'ban-drop-not-null',
  severity: 'warning',
  level: 3,
  summary: 'DROP NOT NULL lets NULLs into a column that readers expect always to have a value.',
  on: ['AlterTableStmt'],
  check(ctx) {
    const altered = alteredTable<AlterTableStmt>(ctx);
    if (!altered || ctx.state.isNewTable(altered.table)) return;
    const tableSql = qualifiedSql(altered.table);
    for (const item of altered.stmt.cmds ?? []) {
      const cmd = item.AlterTableCmd;
      if (cmd?.subtype !== 'AT_DropNotNull' || cmd.name === undefined) continue;
      const column = quoteIdent(cmd.name);
      ctx.report({
        message: `DROP NOT NULL on ${tableSql}.${column}: from now on NULLs can be written, and code, reports and other services that read ${column} as always set (non-nullable types, string formatting, sums, joins) fail or silently drop rows on the first NULL.`,
        help: `Deploy every reader that handles NULL in ${column} first, then drop the constraint in a later migration. If writers only need to omit the value, give ${column} a DEFAULT instead (ALTER COLUMN ${column} SET DEFAULT ...) and keep it NOT NULL.`,
      });
    }
  },
});
