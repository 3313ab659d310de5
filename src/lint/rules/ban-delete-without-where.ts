/**
 * ban-delete-without-where: a `DELETE` with no WHERE clause (or `WHERE true`, `WHERE 1 = 1`)
 * removes every row of the table. Data-modifying CTEs (`WITH d AS (DELETE ...)`) count too.
 * Tables created earlier in the run are skipped.
 */
import { defineRule } from '../define-rule.js';
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
