/**
 * set-not-null: `ALTER COLUMN ... SET NOT NULL` (or, on PostgreSQL 18, `ADD CONSTRAINT ... NOT NULL col`
 * without NOT VALID) on an existing table scans every row under an ACCESS EXCLUSIVE lock.
 *
 * Since PostgreSQL 12 the scan is skipped when a *validated* `CHECK (col IS NOT NULL)` exists, so the
 * rule tracks such checks itself (added, validated, dropped) across the whole run, and also trusts
 * `ctx.state.hasNotNullCheck` for checks it has no record of.
 */
import { defineRule } from '../define-rule.js';
import { alteredTable, defaultCheckName, defaultConstraintName, qualifiedSql, quoteIdent } from '../names.js';
import type { QualifiedName } from '../types.js';

interface RangeVar {
  schemaname?: string;
  relname: string;
  location?: number;
}
interface Constraint {
  contype: string;
  conname?: string;
  skip_validation?: boolean;
  raw_expr?: Record<string, unknown>;
  keys?: { String: { sval: string } }[];
  location?: number;
}
interface ColumnDef {
  colname?: string;
  constraints?: { Constraint?: Constraint }[];
  location?: number;
}
interface AlterTableCmd {
  subtype: string;
  name?: string;
  def?: { Constraint?: Constraint; ColumnDef?: ColumnDef };
}
interface AlterTableStmt {
  relation?: RangeVar;
  cmds?: { AlterTableCmd?: AlterTableCmd }[];
  objtype?: string;
}

/** A constraint that proves a column has no NULLs once it is validated. */
interface NotNullProof {
  columns: string[];
  validated: boolean;
}

const LOCK_MESSAGE =
  'while holding an ACCESS EXCLUSIVE lock: every read and write on the table waits until the scan ends, ' +
  'and the statement fails if any row holds NULL';

export default defineRule({
  id: 'set-not-null',
  severity: 'error',
  level: 3,
  summary:
    'SET NOT NULL on an existing column without a validated CHECK (col IS NOT NULL) scans the whole table under an ACCESS EXCLUSIVE lock.',
  on: ['AlterTableStmt'],
  check(ctx) {
    const altered = alteredTable<AlterTableStmt>(ctx);
    if (!altered) return;
    const { stmt, table } = altered;
    const proofs = proofsFor(ctx.memory, table);
    const isNew = ctx.state.isNewTable(table);
    const tableSql = qualifiedSql(table);
    // Catalog changes of this statement only count for later statements: PostgreSQL checks
    // SET NOT NULL before it adds or validates the constraints of the same ALTER TABLE.
    const afterStatement: (() => void)[] = [];

    for (const item of stmt.cmds ?? []) {
      const cmd = item.AlterTableCmd;
      if (!cmd) continue;
      switch (cmd.subtype) {
        case 'AT_AddConstraint': {
          const con = cmd.def?.Constraint;
          if (!con) break;
          if (con.contype === 'CONSTR_CHECK') {
            const columns = notNullColumns(con.raw_expr);
            if (columns.length > 0) {
              const name = con.conname ?? defaultCheckName(table.name, columns);
              afterStatement.push(() => proofs.set(name, { columns, validated: !con.skip_validation }));
            }
          } else if (con.contype === 'CONSTR_NOTNULL') {
            const columns = (con.keys ?? []).map((k) => k.String.sval);
            const name = con.conname ?? `${table.name}_${columns[0] ?? ''}_not_null`;
            afterStatement.push(() => proofs.set(name, { columns, validated: !con.skip_validation }));
            if (!isNew && !con.skip_validation) {
              for (const column of columns) {
                if (hasValidatedProof(proofs, column) && ctx.pgVersion >= 12) continue;
                ctx.report({
                  message: `ADD CONSTRAINT ${quoteIdent(name)} NOT NULL ${quoteIdent(column)} checks every row of ${tableSql} ${LOCK_MESSAGE}.`,
                  help: `Add it as NOT VALID (ALTER TABLE ${tableSql} ADD CONSTRAINT ${quoteIdent(name)} NOT NULL ${quoteIdent(column)} NOT VALID), backfill NULLs, then VALIDATE CONSTRAINT ${quoteIdent(name)} in a separate transaction: validation takes only a SHARE UPDATE EXCLUSIVE lock, so reads and writes continue.`,
                  fix: `ALTER TABLE ${tableSql} ADD CONSTRAINT ${quoteIdent(name)} NOT NULL ${quoteIdent(column)} NOT VALID;\n-- in a separate transaction, after backfilling NULLs:\nALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${quoteIdent(name)};`,
                  ...(con.location !== undefined ? { location: con.location } : {}),
                });
              }
            }
          }
          break;
        }
        case 'AT_AddColumn': {
          const col = cmd.def?.ColumnDef;
          for (const c of col?.constraints ?? []) {
            const con = c.Constraint;
            if (con?.contype !== 'CONSTR_CHECK' || !col?.colname) continue;
            const columns = notNullColumns(con.raw_expr);
            if (columns.length === 0) continue;
            const name = con.conname ?? defaultCheckName(table.name, columns);
            afterStatement.push(() => proofs.set(name, { columns, validated: true }));
          }
          break;
        }
        case 'AT_ValidateConstraint': {
          const proof = cmd.name === undefined ? undefined : proofs.get(cmd.name);
          if (proof) afterStatement.push(() => (proof.validated = true));
          break;
        }
        case 'AT_DropConstraint': {
          const name = cmd.name;
          if (name !== undefined) afterStatement.push(() => proofs.delete(name));
          break;
        }
        case 'AT_SetNotNull': {
          const column = cmd.name;
          if (column === undefined || isNew) break;
          reportSetNotNull(column);
          break;
        }
        default:
          break;
      }
    }
    for (const apply of afterStatement) apply();

    function reportSetNotNull(column: string): void {
      const col = quoteIdent(column);
      const checkName = defaultConstraintName(table.name, [column], 'not_null');
      const check = quoteIdent(checkName);
      const message = `SET NOT NULL on ${tableSql}.${col} scans the whole table to prove there are no NULLs ${LOCK_MESSAGE}.`;
      if (ctx.pgVersion < 12) {
        ctx.report({
          message,
          help: `Before PostgreSQL 12, SET NOT NULL always scans the table, even when a validated CHECK exists. Enforce the rule with a CHECK (${col} IS NOT NULL) constraint instead: add it NOT VALID, backfill NULLs, then VALIDATE CONSTRAINT in a separate transaction (SHARE UPDATE EXCLUSIVE: reads and writes continue). Run SET NOT NULL itself only in a maintenance window.`,
          fix: `ALTER TABLE ${tableSql} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL) NOT VALID;\n-- in a separate transaction, after backfilling NULLs:\nALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${check};`,
        });
        return;
      }
      const own = proofsForColumn(proofs, column);
      if (own.some((p) => p.proof.validated)) return;
      const unvalidated = own[0];
      if (unvalidated) {
        ctx.report({
          message: `${message.slice(0, -1)}: the CHECK constraint ${quoteIdent(unvalidated.name)} is still NOT VALID, so PostgreSQL cannot use it to skip the scan.`,
          help: `Run ALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${quoteIdent(unvalidated.name)} first, in a separate transaction (SHARE UPDATE EXCLUSIVE: reads and writes continue); SET NOT NULL then skips the scan.`,
          fix: `ALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${quoteIdent(unvalidated.name)};\n-- then, in a later transaction:\nALTER TABLE ${tableSql} ALTER COLUMN ${col} SET NOT NULL;`,
        });
        return;
      }
      if (ctx.state.hasNotNullCheck(table, column)) return;
      const pg18 =
        ctx.pgVersion >= 18
          ? ` On PostgreSQL 18 you can instead ADD CONSTRAINT ${check} NOT NULL ${col} NOT VALID and then VALIDATE CONSTRAINT ${check}.`
          : '';
      ctx.report({
        message,
        help: `Add CHECK (${col} IS NOT NULL) NOT VALID first, backfill NULLs, then VALIDATE CONSTRAINT in a separate transaction (SHARE UPDATE EXCLUSIVE: reads and writes continue); SET NOT NULL then uses the validated check and skips the scan. Drop the check afterwards.${pg18}`,
        fix:
          `ALTER TABLE ${tableSql} ADD CONSTRAINT ${check} CHECK (${col} IS NOT NULL) NOT VALID;\n` +
          `-- in a separate transaction, after backfilling NULLs:\n` +
          `ALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${check};\n` +
          `ALTER TABLE ${tableSql} ALTER COLUMN ${col} SET NOT NULL;\n` +
          `ALTER TABLE ${tableSql} DROP CONSTRAINT ${check};`,
      });
    }
  },
});

function proofsFor(memory: Map<string, unknown>, table: QualifiedName): Map<string, NotNullProof> {
  const key = `${table.schema ?? 'public'}.${table.name}`;
  let proofs = memory.get(key) as Map<string, NotNullProof> | undefined;
  if (!proofs) {
    proofs = new Map();
    memory.set(key, proofs);
  }
  return proofs;
}

function proofsForColumn(
  proofs: Map<string, NotNullProof>,
  column: string,
): { name: string; proof: NotNullProof }[] {
  return [...proofs].filter(([, p]) => p.columns.includes(column)).map(([name, proof]) => ({ name, proof }));
}

function hasValidatedProof(proofs: Map<string, NotNullProof>, column: string): boolean {
  return proofsForColumn(proofs, column).some((p) => p.proof.validated);
}

/** Columns that `expr` proves non-null: `col IS NOT NULL`, possibly ANDed with other conditions. */
function notNullColumns(expr: Record<string, unknown> | undefined): string[] {
  if (!expr) return [];
  const nullTest = expr['NullTest'] as
    | { arg?: { ColumnRef?: { fields?: { String?: { sval: string } }[] } }; nulltesttype?: string }
    | undefined;
  if (nullTest) {
    if (nullTest.nulltesttype !== 'IS_NOT_NULL') return [];
    const fields = nullTest.arg?.ColumnRef?.fields;
    const last = fields?.[fields.length - 1]?.String?.sval;
    return last === undefined ? [] : [last];
  }
  const bool = expr['BoolExpr'] as { boolop?: string; args?: Record<string, unknown>[] } | undefined;
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).flatMap((a) => notNullColumns(a));
  return [];
}


