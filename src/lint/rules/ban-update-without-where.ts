/**
 * ban-update-without-where: an `UPDATE` with no WHERE clause (or `WHERE true`, `WHERE 1 = 1`)
 * rewrites every row of the table in one transaction: the typical unbatched backfill.
 * Data-modifying CTEs count too. Tables created earlier in the run are skipped.
 */
import { defineRule } from '../define-rule.js';
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

/**
 * The statement itself and the data-modifying statements in its WITH clauses (the only place
 * PostgreSQL allows them), of the given kind.
 */
function modifyingStatements(kind: string, body: Node, wanted: string): Node[] {
  const found: Node[] = [];
  const visit = (nodeKind: string, node: Node): void => {
    if (nodeKind === wanted) found.push(node);
    const ctes = (node['withClause'] as { ctes?: { CommonTableExpr?: { ctequery?: Node } }[] } | undefined)?.ctes;
    for (const cte of ctes ?? []) {
      const query = cte.CommonTableExpr?.ctequery;
      const queryKind = query ? Object.keys(query)[0] : undefined;
      if (query && queryKind) visit(queryKind, query[queryKind] as Node);
    }
    const select = node['selectStmt'] as Node | undefined;
    if (nodeKind === 'InsertStmt' && select?.['SelectStmt']) visit('SelectStmt', select['SelectStmt'] as Node);
  };
  visit(kind, body);
  return found;
}

/** `WHERE true`, `WHERE 1 = 1`, `WHERE 'a' = 'a'`: a filter that keeps every row. */
function isAlwaysTrue(where: Node): boolean {
  const constant = where['A_Const'] as { boolval?: { boolval?: boolean } } | undefined;
  if (constant) return constant.boolval?.boolval === true;
  const expr = where['A_Expr'] as { kind?: string; name?: { String?: { sval: string } }[]; lexpr?: Node; rexpr?: Node } | undefined;
  if (expr?.kind !== 'AEXPR_OP' || expr.name?.[0]?.String?.sval !== '=') return false;
  const left = expr.lexpr?.['A_Const'];
  const right = expr.rexpr?.['A_Const'];
  if (!left || !right) return false;
  const strip = (value: unknown): string => JSON.stringify(value, (key, v: unknown) => (key === 'location' ? undefined : v));
  return strip(left) === strip(right);
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function display(name: QualifiedName): string {
  return name.schema ? `${quote(name.schema)}.${quote(name.name)}` : quote(name.name);
}
