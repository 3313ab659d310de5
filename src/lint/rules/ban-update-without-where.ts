/**
 * ban-update-without-where: an `UPDATE` with no WHERE clause (or `WHERE true`, `WHERE 1 = 1`)
 * rewrites every row of the table in one transaction: the typical unbatched backfill.
 * Data-modifying CTEs count too. Tables created earlier in the run are skipped.
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
interface UpdateStmt {
  relation?: RangeVar;
  whereClause?: Node;
}

export default defineRule({
  id: 'ban-update-without-where',
  severity: 'error',
  level: 3,
  summary: 'UPDATE without a WHERE clause rewrites and locks every row of the table in one transaction.',
  on: ['DeleteStmt', 'UpdateStmt', 'InsertStmt', 'SelectStmt', 'MergeStmt', ...WRAPPING_KINDS],
  check(ctx) {
    if (!ctx.node) return;
    for (const stmt of modifyingStatements(ctx.statement.kind, ctx.node, 'UpdateStmt') as UpdateStmt[]) {
      if (!stmt.relation || (stmt.whereClause && !isAlwaysTrue(stmt.whereClause))) continue;
      const table: QualifiedName = { schema: stmt.relation.schemaname, name: stmt.relation.relname };
      if (ctx.state.isNewTable(table)) continue;
      const tableSql = display(table);
      ctx.report({
        message:
          `UPDATE without a WHERE clause rewrites every row of ${tableSql} in one transaction: a backfill that rewrites every row also locks it, ` +
          'so every concurrent write to the table waits until the migration commits, and it leaves a dead copy of each row behind (bloat, replication lag).',
        help:
          'Batch it by key ranges: update a few thousand rows per transaction (WHERE id >= ... AND id < ..., or WHERE id IN (SELECT id ... WHERE <not yet backfilled> ORDER BY id LIMIT 5000)), ' +
          'commit between batches, and run the backfill outside the schema migration, after the column exists and before anything relies on it.',
        ...(stmt.relation.location !== undefined ? { location: stmt.relation.location } : {}),
      });
    }
  },
});
