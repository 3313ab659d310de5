/**
 * ban-delete-without-where: a `DELETE` with no WHERE clause (or `WHERE true`, `WHERE 1 = 1`)
 * removes every row of the table. Data-modifying CTEs (`WITH d AS (DELETE ...)`) count too.
 * Tables created earlier in the run are skipped.
 */
import { defineRule } from '../define-rule.js';
import { display, isAlwaysTrue, modifyingStatements, WRAPPING_KINDS } from '../dml.js';
import type { QualifiedName } from '../types.js';

type Node = Record<string, unknown>;

interface RangeVar {
  schemaname?: string;
  relname: string;
  location?: number;
}
interface DeleteStmt {
  relation?: RangeVar;
  whereClause?: Node;
}

export default defineRule({
  id: 'ban-delete-without-where',
  severity: 'error',
  level: 3,
  summary: 'DELETE without a WHERE clause removes every row of the table.',
  on: ['DeleteStmt', 'UpdateStmt', 'InsertStmt', 'SelectStmt', 'MergeStmt', ...WRAPPING_KINDS],
  check(ctx) {
    if (!ctx.node) return;
    for (const stmt of modifyingStatements(ctx.statement.kind, ctx.node, 'DeleteStmt') as DeleteStmt[]) {
      if (!stmt.relation || (stmt.whereClause && !isAlwaysTrue(stmt.whereClause))) continue;
      const table: QualifiedName = { schema: stmt.relation.schemaname, name: stmt.relation.relname };
      if (ctx.state.isNewTable(table)) continue;
      const tableSql = display(table);
      ctx.report({
        message: `DELETE without a WHERE clause removes every row of ${tableSql}; the rows cannot be recovered without a backup.`,
        help:
          'Add a WHERE clause that selects only the rows meant to go, and count them first (SELECT count(*) ... WHERE ...). ' +
          'Delete large sets outside the schema migration, in batches by key range (WHERE id >= ... AND id < ...), so locks stay short and replicas keep up. ' +
          'To remove test data, use `prodguard testdata cleanup`, which deletes marked rows only.',
        ...(stmt.relation.location !== undefined ? { location: stmt.relation.location } : {}),
      });
    }
  },
});
