/**
 * set-not-null: `ALTER COLUMN ... SET NOT NULL` (or, on PostgreSQL 18, `ADD CONSTRAINT ... NOT NULL col`
 * without NOT VALID) on an existing table scans every row under an ACCESS EXCLUSIVE lock.
 *
 * Since PostgreSQL 12 the scan is skipped when a *validated* `CHECK (col IS NOT NULL)` exists. The
 * run state follows such checks (added, validated, renamed, dropped, with the columns they name)
 * across the whole run: `ctx.state.notNullProofs`.
 */
import { defineRule } from '../define-rule.js';
import { alteredTable, defaultConstraintName, qualifiedSql, quoteIdent } from '../names.js';

interface Constraint {
  contype: string;
  conname?: string;
  skip_validation?: boolean;
  keys?: { String: { sval: string } }[];
  location?: number;
}
interface AlterTableCmd {
  subtype: string;
  name?: string;
  def?: { Constraint?: Constraint };
}
interface AlterTableStmt {
  cmds?: { AlterTableCmd?: AlterTableCmd }[];
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
    if (ctx.state.isNewTable(table)) return;
    const tableSql = qualifiedSql(table);
    // The run state takes in this statement's constraints only after it: PostgreSQL checks SET NOT
    // NULL before it adds or validates the constraints of the same ALTER TABLE.
    for (const item of stmt.cmds ?? []) {
      const cmd = item.AlterTableCmd;
      if (cmd?.subtype === 'AT_SetNotNull' && cmd.name !== undefined) {
        reportSetNotNull(cmd.name);
        continue;
      }
      const con = cmd?.subtype === 'AT_AddConstraint' ? cmd.def?.Constraint : undefined;
      if (con?.contype !== 'CONSTR_NOTNULL' || con.skip_validation) continue;
      const columns = (con.keys ?? []).map((k) => k.String.sval);
      const name = con.conname ?? defaultConstraintName(table.name, columns.slice(0, 1), 'not_null');
      for (const column of columns) {
        if (ctx.pgVersion >= 12 && ctx.state.hasNotNullCheck(table, column)) continue;
        ctx.report({
          message: `ADD CONSTRAINT ${quoteIdent(name)} NOT NULL ${quoteIdent(column)} checks every row of ${tableSql} ${LOCK_MESSAGE}.`,
          help: `Add it as NOT VALID (ALTER TABLE ${tableSql} ADD CONSTRAINT ${quoteIdent(name)} NOT NULL ${quoteIdent(column)} NOT VALID), backfill NULLs, then VALIDATE CONSTRAINT ${quoteIdent(name)} in a separate transaction: validation takes only a SHARE UPDATE EXCLUSIVE lock, so reads and writes continue.`,
          fix: `ALTER TABLE ${tableSql} ADD CONSTRAINT ${quoteIdent(name)} NOT NULL ${quoteIdent(column)} NOT VALID;\n-- in a separate transaction, after backfilling NULLs:\nALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${quoteIdent(name)};`,
          ...(con.location !== undefined ? { location: con.location } : {}),
        });
      }
    }

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
      const proofs = ctx.state.notNullProofs(table, column);
      if (proofs.some((proof) => proof.validated)) return;
      const unvalidated = proofs[0];
      if (unvalidated) {
        const name = quoteIdent(unvalidated.constraint);
        ctx.report({
          message: `${message.slice(0, -1)}: the CHECK constraint ${name} is still NOT VALID, so PostgreSQL cannot use it to skip the scan.`,
          help: `Run ALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${name} first, in a separate transaction (SHARE UPDATE EXCLUSIVE: reads and writes continue); SET NOT NULL then skips the scan.`,
          fix: `ALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${name};\n-- then, in a later transaction:\nALTER TABLE ${tableSql} ALTER COLUMN ${col} SET NOT NULL;`,
        });
        return;
      }
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
