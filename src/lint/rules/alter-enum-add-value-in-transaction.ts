/**
 * alter-enum-add-value-in-transaction: `ALTER TYPE ... ADD VALUE` inside a transaction.
 *
 * Before PostgreSQL 12 the statement itself fails inside a transaction block. From 12 on it runs,
 * but the new value cannot be *used* until the transaction commits ("unsafe use of new value"), so
 * the rule flags the first use of the value later in the same transaction (a string equal to the
 * new label; not one written into a column the run knows is of another type). A type created
 * earlier in the same transaction is exempt before 12 and from 17.
 */
import { defineRule } from '../define-rule.js';
import { quoteIdent, rangeVarName } from '../names.js';
import type { LintState } from '../types.js';

interface TransactionState {
  /** Values added in the open transaction, with the (display) name of the type they were added to. */
  added: Map<string, string>;
  /** The bare names of the types values were added to (to compare with known column types). */
  addedTypes: Set<string>;
  /** Enum types created in the open transaction (their new values are usable at once). */
  createdTypes: Set<string>;
}

/** Transaction statements that end the current transaction or start a new one. */
const BOUNDARIES = new Set([
  'TRANS_STMT_BEGIN',
  'TRANS_STMT_START',
  'TRANS_STMT_COMMIT',
  'TRANS_STMT_ROLLBACK',
  'TRANS_STMT_PREPARE',
  'TRANS_STMT_COMMIT_PREPARED',
  'TRANS_STMT_ROLLBACK_PREPARED',
]);

export default defineRule({
  id: 'alter-enum-add-value-in-transaction',
  severity: 'error',
  level: 1,
  summary:
    'ALTER TYPE ... ADD VALUE inside a transaction: fails before PostgreSQL 12; from 12 on, the new value cannot be used until the transaction commits.',
  check(ctx) {
    let tx = ctx.fileMemory.get('tx') as TransactionState | undefined;
    if (!tx) {
      tx = { added: new Map(), addedTypes: new Set(), createdTypes: new Set() };
      ctx.fileMemory.set('tx', tx);
    }
    const kind = ctx.statement.kind;
    const node = ctx.node;
    if (kind === 'TransactionStmt') {
      if (BOUNDARIES.has(String(node?.['kind']))) reset(tx);
      return;
    }
    if (!ctx.state.inTransaction || !node) {
      reset(tx);
      return;
    }

    if (kind === 'CreateEnumStmt') {
      tx.createdTypes.add(typeKey(node['typeName']));
      return;
    }

    if (kind === 'AlterEnumStmt') {
      const value = node['newVal'];
      if (typeof value !== 'string' || node['oldVal'] !== undefined) return;
      const type = typeKey(node['typeName']);
      // A type created in this transaction: before PostgreSQL 12 the only case ADD VALUE could
      // run in a transaction (its values usable at once), and again usable at once from 17; on
      // 12–16 its new values are "unsafe" until COMMIT like any other's (checked on 15).
      if (tx.createdTypes.has(type) && (ctx.pgVersion < 12 || ctx.pgVersion >= 17)) return;
      if (ctx.pgVersion < 12) {
        ctx.report({
          message: `ALTER TYPE ${typeLabel(node['typeName'])} ADD VALUE ${sqlLiteral(value)} cannot run inside a transaction block before PostgreSQL 12, and ${ctx.state.implicitTransaction ? 'the migration tool runs this file in a transaction' : 'it follows an explicit BEGIN'}: the migration fails.`,
          help: 'Put ALTER TYPE ... ADD VALUE in a migration of its own that runs without a transaction (or target PostgreSQL 12+, where it may run in a transaction as long as the new value is not used before COMMIT).',
        });
        return;
      }
      tx.added.set(value, typeLabel(node['typeName']));
      tx.addedTypes.add(typeParts(node['typeName']).at(-1) ?? '');
      return;
    }

    if (tx.added.size === 0) return;
    const reported = new Set<string>();
    const otherTyped = literalsIntoOtherTypes(kind, node, ctx.state, tx.addedTypes);
    for (const literal of stringLiterals(node)) {
      const type = tx.added.get(literal.value);
      if (type === undefined || reported.has(literal.value) || (literal.location !== undefined && otherTyped.has(literal.location))) continue;
      reported.add(literal.value);
      ctx.report({
        message: `The enum value ${sqlLiteral(literal.value)} was added by ALTER TYPE ${type} ADD VALUE earlier in this transaction and is used here: PostgreSQL rejects it with "unsafe use of new value" until the transaction commits, so the migration fails.`,
        help: 'Commit between adding the value and using it: put ALTER TYPE ... ADD VALUE in its own migration (or its own transaction) that runs before the one that uses the value.',
        ...(literal.location !== undefined ? { location: literal.location } : {}),
      });
    }
  },
});

/**
 * Locations of string literals written into columns the run knows are not of an enum that got a
 * value (`INSERT INTO audit (msg) VALUES ('archived')` with msg declared text, `UPDATE ... SET
 * note = 'archived'`): those are text, not uses of the new label.
 */
function literalsIntoOtherTypes(kind: string, node: Record<string, unknown>, state: LintState, enumTypes: Set<string>): Set<number> {
  const locations = new Set<number>();
  const table = rangeVarName(node['relation']);
  if (table === undefined) return locations;
  const other = (column: string | undefined): boolean => {
    const type = column === undefined ? undefined : state.columnType(table, column);
    return type !== undefined && !enumTypes.has(type.name.split('.').at(-1) ?? '');
  };
  const mark = (value: unknown, column: string | undefined): void => {
    const constant = (value as { A_Const?: { sval?: unknown; location?: number } } | undefined)?.A_Const;
    if (constant?.sval !== undefined && constant.location !== undefined && other(column)) locations.add(constant.location);
  };
  type Target = { ResTarget?: { name?: string; val?: unknown } };
  if (kind === 'InsertStmt') {
    const columns = ((node['cols'] as Target[] | undefined) ?? []).map((col) => col.ResTarget?.name);
    const rows = ((node['selectStmt'] as { SelectStmt?: { valuesLists?: { List?: { items?: unknown[] } }[] } } | undefined)?.SelectStmt?.valuesLists ?? []);
    for (const row of rows) (row.List?.items ?? []).forEach((item, i) => mark(item, columns[i]));
  } else if (kind === 'UpdateStmt') {
    for (const target of (node['targetList'] as Target[] | undefined) ?? []) mark(target.ResTarget?.val, target.ResTarget?.name);
  }
  return locations;
}

function reset(tx: TransactionState): void {
  tx.added.clear();
  tx.addedTypes.clear();
  tx.createdTypes.clear();
}

function typeParts(typeName: unknown): string[] {
  return ((typeName as { String?: { sval: string } }[] | undefined) ?? []).map((p) => p.String?.sval ?? '');
}

function typeKey(typeName: unknown): string {
  const parts = typeParts(typeName);
  return parts.length > 1 ? parts.join('.') : `public.${parts[0] ?? ''}`;
}

function typeLabel(typeName: unknown): string {
  return typeParts(typeName).map(quoteIdent).join('.');
}

/** Every string constant in the statement (`'x'`, `'x'::mood`, values, defaults, WHERE clauses). */
function stringLiterals(node: unknown, out: { value: string; location?: number | undefined }[] = []) {
  if (Array.isArray(node)) {
    for (const item of node) stringLiterals(item, out);
    return out;
  }
  if (!node || typeof node !== 'object') return out;
  const record = node as Record<string, unknown>;
  const constant = record['A_Const'] as { sval?: { sval?: string }; location?: number } | undefined;
  if (constant?.sval) {
    out.push({ value: constant.sval.sval ?? '', location: constant.location });
    return out;
  }
  for (const value of Object.values(record)) stringLiterals(value, out);
  return out;
}

function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

