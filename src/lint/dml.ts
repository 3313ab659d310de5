/** Helpers shared by the rules about unfiltered DELETE and UPDATE. */
import type { QualifiedName } from './types.js';

type Node = Record<string, unknown>;

/**
 * The statement itself and the data-modifying statements in its WITH clauses (the only place
 * PostgreSQL allows them), of the given kind.
 */
export function modifyingStatements(kind: string, body: Node, wanted: string): Node[] {
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
export function isAlwaysTrue(where: Node): boolean {
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

export function display(name: QualifiedName): string {
  return name.schema ? `${quote(name.schema)}.${quote(name.name)}` : quote(name.name);
}
