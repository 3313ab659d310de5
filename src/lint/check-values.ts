/**
 * Reading the allowed values out of a CHECK expression (`col IN (...)`, `col = ANY (ARRAY[...])`,
 * ORs and ANDs of those). Shared by the lint rule replacing-check-constraint (on migration text)
 * and by `prodguard check` (on the live definition from pg_get_constraintdef).
 */
type Node = Record<string, unknown>;

/**
 * Allowed values per column for `col IN (...)`, `col = ANY (ARRAY[...])`, `col = 'x' OR col = 'y'`,
 * and ANDs of those. Undefined when the expression is anything else.
 */
export function allowedValues(expr: Node | undefined): Map<string, string[]> | undefined {
  if (!expr) return undefined;
  const aExpr = expr['A_Expr'] as
    | { kind?: string; name?: { String?: { sval: string } }[]; lexpr?: Node; rexpr?: Node }
    | undefined;
  if (aExpr) {
    if (aExpr.name?.[0]?.String?.sval !== '=') return undefined;
    const column = columnName(aExpr.lexpr) ?? columnName(aExpr.rexpr);
    if (column === undefined) return undefined;
    let values: string[] | undefined;
    if (aExpr.kind === 'AEXPR_IN') {
      values = listLiterals((aExpr.rexpr?.['List'] as { items?: Node[] } | undefined)?.items);
    } else if (aExpr.kind === 'AEXPR_OP_ANY') {
      values = arrayLiterals(aExpr.rexpr);
    } else if (aExpr.kind === 'AEXPR_OP') {
      const literal = literalValue(columnName(aExpr.lexpr) !== undefined ? aExpr.rexpr : aExpr.lexpr);
      values = literal === undefined ? undefined : [literal];
    }
    return values ? new Map([[column, values]]) : undefined;
  }
  const bool = expr['BoolExpr'] as { boolop?: string; args?: Node[] } | undefined;
  if (bool?.boolop === 'OR_EXPR') {
    const merged = new Map<string, string[]>();
    const nullable = new Set<string>();
    for (const arg of bool.args ?? []) {
      // `col IS NULL OR col IN (...)`: NULL passes a CHECK anyway, the branch adds no value.
      const nullColumn = isNullTest(arg);
      if (nullColumn !== undefined) {
        nullable.add(nullColumn);
        continue;
      }
      const part = allowedValues(arg);
      if (!part) return undefined;
      for (const [column, values] of part) merged.set(column, [...(merged.get(column) ?? []), ...values]);
    }
    // An OR across different columns (also `other IS NULL OR col IN (...)`) allows anything in each of them.
    if (merged.size !== 1 || [...nullable].some((c) => !merged.has(c))) return undefined;
    return merged;
  }
  if (bool?.boolop === 'AND_EXPR') {
    const merged = new Map<string, string[]>();
    for (const arg of bool.args ?? []) {
      for (const [column, values] of allowedValues(arg) ?? []) {
        const prior = merged.get(column);
        merged.set(column, prior ? prior.filter((v) => values.includes(v)) : values);
      }
    }
    return merged.size > 0 ? merged : undefined;
  }
  return undefined;
}

/** The column of `col IS NULL` (possibly cast), else undefined. */
function isNullTest(node: Node | undefined): string | undefined {
  const test = node?.['NullTest'] as { arg?: Node; nulltesttype?: string } | undefined;
  if (!test || test.nulltesttype !== 'IS_NULL') return undefined;
  return columnName(test.arg);
}

function unwrapCast(node: Node | undefined): Node | undefined {
  let current = node;
  while (current?.['TypeCast']) current = (current['TypeCast'] as { arg?: Node }).arg;
  return current;
}

function columnName(node: Node | undefined): string | undefined {
  const ref = unwrapCast(node)?.['ColumnRef'] as { fields?: { String?: { sval: string } }[] } | undefined;
  return ref?.fields?.at(-1)?.String?.sval;
}

function literalValue(node: Node | undefined): string | undefined {
  const value = unwrapCast(node)?.['A_Const'] as
    | { sval?: { sval?: string }; ival?: { ival?: number }; fval?: { fval?: string }; boolval?: { boolval?: boolean }; isnull?: boolean }
    | undefined;
  if (!value || value.isnull) return undefined;
  if (value.sval) return value.sval.sval ?? '';
  if (value.ival) return String(value.ival.ival ?? 0);
  if (value.fval) return value.fval.fval;
  if (value.boolval) return String(value.boolval.boolval ?? false);
  return undefined;
}

function listLiterals(items: Node[] | undefined): string[] | undefined {
  if (!items) return undefined;
  const values = items.map(literalValue);
  return values.every((v): v is string => v !== undefined) ? values : undefined;
}

/** `ARRAY['a', 'b']`, possibly cast, or an array literal string `'{a,b}'`. */
function arrayLiterals(node: Node | undefined): string[] | undefined {
  const inner = unwrapCast(node);
  const array = inner?.['A_ArrayExpr'] as { elements?: Node[] } | undefined;
  if (array) return listLiterals(array.elements ?? []);
  const text = literalValue(inner);
  if (text === undefined || !/^\{.*\}$/s.test(text)) return undefined;
  const body = text.slice(1, -1).trim();
  if (body === '') return [];
  return body.split(',').map((v) => v.trim().replace(/^"(.*)"$/s, '$1'));
}

export function columnRefs(node: unknown): string[] {
  if (Array.isArray(node)) return node.flatMap(columnRefs);
  if (!node || typeof node !== 'object') return [];
  const record = node as Node;
  const ref = record['ColumnRef'] as { fields?: { String?: { sval: string } }[] } | undefined;
  if (ref) {
    const name = ref.fields?.at(-1)?.String?.sval;
    return name === undefined ? [] : [name];
  }
  return Object.values(record).flatMap(columnRefs);
}

