/** Helpers shared by the rules about unfiltered DELETE and UPDATE. */
import { optionOn } from './names.js';
import type { QualifiedName } from './types.js';

type Node = Record<string, unknown>;

/** Statements that run a query of their own: its data-modifying parts run too. */
export const WRAPPING_KINDS = ['ExplainStmt', 'CopyStmt', 'CreateTableAsStmt'] as const;

/**
 * The statement itself and the data-modifying statements in its WITH clauses, of the given kind;
 * also those inside the query of `EXPLAIN ANALYZE` (which runs it), `COPY (query) TO` and
 * `CREATE TABLE ... AS` (each emptied a table with a DELETE on PostgreSQL 15).
 */
export function modifyingStatements(kind: string, body: Node, wanted: string): Node[] {
  const found: Node[] = [];
  const visit = (nodeKind: string, node: Node, analyzed = false): void => {
    if (nodeKind === wanted) found.push(node);
    const wrapped = node['query'] as Node | undefined;
    const explainAnalyze = nodeKind === 'ExplainStmt' && optionOn(node['options'], 'analyze');
    const runs =
      nodeKind === 'CopyStmt' ||
      explainAnalyze ||
      // WITH NO DATA creates the table from the query's shape without running it, unless
      // EXPLAIN ANALYZE runs it (the DELETE in it ran on PostgreSQL 15).
      (nodeKind === 'CreateTableAsStmt' && ((node['into'] as { skipData?: boolean } | undefined)?.skipData !== true || analyzed));
    if (wrapped !== undefined && runs) {
      const wrappedKind = Object.keys(wrapped)[0];
      if (wrappedKind !== undefined) visit(wrappedKind, wrapped[wrappedKind] as Node, explainAnalyze);
    }
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
export function isAlwaysTrue(where: Node): boolean {
  const constant = where['A_Const'] as { boolval?: { boolval?: boolean } } | undefined;
  if (constant) return constant.boolval?.boolval === true;
  const expr = where['A_Expr'] as { kind?: string; name?: { String?: { sval: string } }[]; lexpr?: Node; rexpr?: Node } | undefined;
  if (expr?.kind !== 'AEXPR_OP' || expr.name?.[0]?.String?.sval !== '=') return false;
  const left = expr.lexpr?.['A_Const'] as { isnull?: boolean } | undefined;
  const right = expr.rexpr?.['A_Const'] as { isnull?: boolean } | undefined;
  // NULL = NULL is NULL, which keeps no row.
  if (!left || !right || left.isnull === true || right.isnull === true) return false;
  const strip = (value: unknown): string => JSON.stringify(value, (key, v: unknown) => (key === 'location' ? undefined : v));
  return strip(left) === strip(right);
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function display(name: QualifiedName): string {
  return name.schema ? `${quote(name.schema)}.${quote(name.name)}` : quote(name.name);
}
