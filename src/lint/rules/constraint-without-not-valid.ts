/**
 * constraint-without-not-valid: `ADD CONSTRAINT ... CHECK` or `... FOREIGN KEY` on an existing
 * table without NOT VALID validates every row while holding the ALTER TABLE lock (ACCESS EXCLUSIVE
 * for CHECK; SHARE ROW EXCLUSIVE on both tables for a foreign key).
 *
 * Also flags the half-done fix: VALIDATE CONSTRAINT in the same transaction as the
 * `ADD ... NOT VALID`, where the lock of the ADD is still held during the validating scan.
 */
import { defineRule } from '../define-rule.js';
import { columnRefs } from '../check-values.js';
import { alteredTable, defaultCheckName, defaultConstraintName, qualifiedSql, quoteIdent } from '../names.js';
import type { QualifiedName } from '../types.js';

type Node = Record<string, unknown>;

interface Constraint {
  contype: string;
  conname?: string;
  skip_validation?: boolean;
  raw_expr?: Node;
  fk_attrs?: { String?: { sval: string } }[];
  pktable?: { schemaname?: string; relname: string };
  location?: number;
}
interface AlterTableStmt {
  relation?: { schemaname?: string; relname: string };
  cmds?: { AlterTableCmd?: { subtype: string; name?: string; def?: { Constraint?: Constraint; ColumnDef?: ColumnDef } } }[];
  objtype?: string;
}
interface ColumnDef {
  colname?: string;
  constraints?: { Constraint?: Constraint }[];
}

interface FileState {
  /** Bumped at every BEGIN / COMMIT / ROLLBACK: constraints added NOT VALID in this generation share the transaction. */
  generation: number;
  notValid: Map<string, { generation: number; foreignKey: boolean }>;
}

const BOUNDARIES = new Set([
  'TRANS_STMT_BEGIN',
  'TRANS_STMT_START',
  'TRANS_STMT_COMMIT',
  'TRANS_STMT_ROLLBACK',
  'TRANS_STMT_PREPARE',
]);

export default defineRule({
  id: 'constraint-without-not-valid',
  severity: 'warning',
  level: 3,
  summary:
    'ADD CONSTRAINT CHECK / FOREIGN KEY on an existing table without NOT VALID scans the whole table while blocking writes (and, for CHECK, reads).',
  on: ['TransactionStmt', 'AlterTableStmt'],
  check(ctx) {
    let file = ctx.fileMemory.get('file') as FileState | undefined;
    if (!file) {
      file = { generation: 0, notValid: new Map() };
      ctx.fileMemory.set('file', file);
    }
    if (ctx.statement.kind === 'TransactionStmt') {
      if (BOUNDARIES.has(String(ctx.node?.['kind']))) file.generation += 1;
      return;
    }
    const altered = alteredTable<AlterTableStmt>(ctx);
    if (!altered) return;
    const { stmt, table } = altered;
    const tableSql = qualifiedSql(table);
    const isNew = ctx.state.isNewTable(table);
    const cmds: NonNullable<NonNullable<AlterTableStmt['cmds']>[number]['AlterTableCmd']>[] = [];
    for (const item of stmt.cmds ?? []) if (item.AlterTableCmd) cmds.push(item.AlterTableCmd);
    // Constraints added NOT VALID by this very statement: always the same transaction as a VALIDATE in it.
    const addedHere = new Map<string, boolean>();

    for (const cmd of cmds) {
      if (cmd.subtype === 'AT_AddConstraint') {
        const con = cmd.def?.Constraint;
        if (!con || (con.contype !== 'CONSTR_CHECK' && con.contype !== 'CONSTR_FOREIGN')) continue;
        const foreignKey = con.contype === 'CONSTR_FOREIGN';
        const name = con.conname ?? defaultName(table.name, con);
        if (con.skip_validation) {
          addedHere.set(name, foreignKey);
          if (ctx.state.inTransaction) {
            file.notValid.set(`${tableKey(table)}/${name}`, { generation: file.generation, foreignKey });
          }
          continue;
        }
        if (isNew) continue;
        const constraint = quoteIdent(name);
        const lock = foreignKey
          ? `SHARE ROW EXCLUSIVE locks on ${tableSql} and on ${con.pktable ? qualifiedSql({ schema: con.pktable.schemaname, name: con.pktable.relname }) : 'the referenced table'}: inserts, updates and deletes on both wait`
          : `an ACCESS EXCLUSIVE lock on ${tableSql}: every read and write on it waits`;
        const single = cmds.length === 1 && !/--[^\n]*$/.test(ctx.statement.sql.trim());
        ctx.report({
          message: `ADD CONSTRAINT ${constraint} ${foreignKey ? 'FOREIGN KEY' : 'CHECK'} without NOT VALID checks every existing row of ${tableSql} while holding ${lock} until the scan ends.`,
          help: `Add the constraint with NOT VALID (new and updated rows are checked at once, the catalog change is instant), then run ALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${constraint} in a separate transaction: validation takes only a SHARE UPDATE EXCLUSIVE lock, so reads and writes continue.`,
          ...(single
            ? {
                fix: `${ctx.statement.sql.trim()} NOT VALID;\n-- in a separate transaction:\nALTER TABLE ${tableSql} VALIDATE CONSTRAINT ${constraint};`,
              }
            : {}),
          ...(con.location !== undefined ? { location: con.location } : {}),
        });
      } else if (cmd.subtype === 'AT_AddColumn' && !isNew) {
        // A CHECK declared with the new column cannot be NOT VALID, and PostgreSQL checks it on
        // every row (even when the column is NULL everywhere: seq_scan counted on PostgreSQL 15).
        const col = cmd.def?.ColumnDef;
        const check = col?.constraints?.map((c) => c.Constraint).find((c) => c?.contype === 'CONSTR_CHECK');
        if (col?.colname === undefined || check === undefined) continue;
        const column = quoteIdent(col.colname);
        const name = quoteIdent(check.conname ?? defaultCheckName(table.name, [...new Set(columnRefs(check.raw_expr))]));
        ctx.report({
          message: `ADD COLUMN ${column} ... CHECK checks every existing row of ${tableSql} while holding an ACCESS EXCLUSIVE lock on ${tableSql}: every read and write on it waits until the scan ends.`,
          help: `Add the column without the CHECK, then ALTER TABLE ${tableSql} ADD CONSTRAINT ${name} CHECK (...) NOT VALID, and VALIDATE CONSTRAINT ${name} in a separate transaction (SHARE UPDATE EXCLUSIVE: reads and writes continue).`,
          ...(check.location !== undefined ? { location: check.location } : {}),
        });
      } else if (cmd.subtype === 'AT_ValidateConstraint' && cmd.name !== undefined) {
        const earlier = file.notValid.get(`${tableKey(table)}/${cmd.name}`);
        const sameTransaction = addedHere.has(cmd.name) || (ctx.state.inTransaction && earlier?.generation === file.generation);
        if (!sameTransaction) continue;
        const foreignKey = addedHere.get(cmd.name) ?? earlier?.foreignKey ?? false;
        const constraint = quoteIdent(cmd.name);
        ctx.report({
          message: `VALIDATE CONSTRAINT ${constraint} runs in the same transaction as the ADD CONSTRAINT ... NOT VALID that created it: the ${foreignKey ? 'SHARE ROW EXCLUSIVE' : 'ACCESS EXCLUSIVE'} lock taken by ADD CONSTRAINT is held until COMMIT, so the validating scan blocks ${foreignKey ? 'writes' : 'reads and writes'} on ${tableSql} as if NOT VALID had not been used.`,
          help: `Commit after ADD CONSTRAINT ... NOT VALID and run VALIDATE CONSTRAINT ${constraint} in a separate transaction (a separate migration when the tool wraps each file in a transaction).`,
        });
      }
    }
  },
});

/** PostgreSQL's generated names: `<table>_<col>_check` / `<table>_check`, `<table>_<cols>_fkey`. */
function defaultName(table: string, con: Constraint): string {
  if (con.contype === 'CONSTR_FOREIGN') {
    const columns = (con.fk_attrs ?? []).map((a) => a.String?.sval ?? '');
    return defaultConstraintName(table, columns, 'fkey');
  }
  return defaultCheckName(table, [...new Set(columnRefs(con.raw_expr))]);
}


function tableKey(table: QualifiedName): string {
  return `${table.schema ?? 'public'}.${table.name}`;
}

