/**
 * prefer-robust-stmts: in a migration that does not run in a transaction, a statement that fails
 * when run a second time (CREATE without IF NOT EXISTS, DROP without IF EXISTS, ADD / DROP COLUMN,
 * ADD / DROP CONSTRAINT). Without a transaction, a failure halfway leaves the statements before it
 * applied, and the rerun of the migration stops at the first of them.
 *
 * Files in a transaction (an explicit BEGIN, or a tool that wraps each file) are all-or-nothing and
 * are not checked, nor is the last statement of a file (a single statement is atomic), except a
 * CREATE INDEX CONCURRENTLY: when it fails it leaves an INVALID index with its name behind. ADD
 * CONSTRAINT has no IF NOT EXISTS: it counts as robust after a `DROP CONSTRAINT IF EXISTS` of the
 * same name on the same table earlier in the file.
 */
import { defineRule } from '../define-rule.js';
import { qualifiedSql, quoteIdent, rangeVarName, tableKey } from '../names.js';

type Node = Record<string, unknown>;

interface Command {
  subtype?: string;
  name?: string;
  missing_ok?: boolean;
  def?: { ColumnDef?: { colname?: string }; Constraint?: { conname?: string; location?: number } };
}

const CREATES: Readonly<Record<string, string>> = {
  CreateStmt: 'CREATE TABLE',
  IndexStmt: 'CREATE INDEX',
  CreateSeqStmt: 'CREATE SEQUENCE',
  CreateSchemaStmt: 'CREATE SCHEMA',
  CreateExtensionStmt: 'CREATE EXTENSION',
};

export default defineRule({
  id: 'prefer-robust-stmts',
  severity: 'warning',
  level: 1,
  summary:
    'Outside a transaction, a statement followed by others that fails when the migration is run again (no IF NOT EXISTS / IF EXISTS) leaves a half-applied migration that cannot be rerun.',
  on: ['CreateStmt', 'IndexStmt', 'CreateSeqStmt', 'CreateSchemaStmt', 'CreateExtensionStmt', 'DropStmt', 'AlterTableStmt'],
  check(ctx) {
    if (ctx.state.inTransaction || !ctx.node) return;
    const node = ctx.node;
    const kind = ctx.statement.kind;
    const concurrentIndex = kind === 'IndexStmt' && node['concurrent'] === true;
    if (!concurrentIndex && !statementFollows(ctx.file, ctx.statement.span.endOffset)) return;
    const report = (what: string, fix: string, location?: number): void =>
      ctx.report({
        message: `${what} fails if it runs a second time, and this file does not run in a transaction: if a later statement fails, this one stays applied and rerunning the migration stops here.`,
        help: `Run the file in a transaction (BEGIN ... COMMIT, or the tool's per-file transaction) so a failure undoes all of it; where that is impossible (CONCURRENTLY), write ${fix} so the statement can run again.`,
        ...(location !== undefined ? { location } : {}),
      });

    const create = CREATES[kind];
    if (create !== undefined) {
      if (node['if_not_exists'] === true) return;
      // CREATE INDEX without a name: PostgreSQL picks a name not in use, so a rerun does not fail.
      if (kind === 'IndexStmt' && node['idxname'] === undefined) return;
      report(create, `${create} IF NOT EXISTS${concurrentIndex ? ' (and DROP INDEX CONCURRENTLY IF EXISTS first: a failed concurrent build leaves an INVALID index with that name)' : ''}`);
      return;
    }
    if (kind === 'DropStmt') {
      if (node['missing_ok'] === true) return;
      const what = String(node['removeType'] ?? 'OBJECT').replace(/^OBJECT_/, '').replace(/_/g, ' ');
      report(`DROP ${what}`, `DROP ${what} IF EXISTS`);
      return;
    }
    // ALTER TABLE
    if (node['objtype'] !== 'OBJECT_TABLE') return;
    const table = rangeVarName(node['relation']);
    if (table === undefined) return;
    const dropped = droppedConstraints(ctx.memory, ctx.file.path);
    for (const item of (node['cmds'] as { AlterTableCmd?: Command }[] | undefined) ?? []) {
      const cmd = item.AlterTableCmd;
      if (cmd === undefined) continue;
      switch (cmd.subtype) {
        case 'AT_AddColumn':
          if (cmd.missing_ok !== true) report(`ADD COLUMN ${quoteIdent(cmd.def?.ColumnDef?.colname ?? '?')}`, 'ADD COLUMN IF NOT EXISTS');
          break;
        case 'AT_DropColumn':
          if (cmd.missing_ok !== true) report(`DROP COLUMN ${quoteIdent(cmd.name ?? '?')}`, 'DROP COLUMN IF EXISTS');
          break;
        case 'AT_DropConstraint':
          if (cmd.missing_ok === true) dropped.add(`${tableKey(table)}\0${cmd.name ?? ''}`);
          else report(`DROP CONSTRAINT ${quoteIdent(cmd.name ?? '?')}`, 'DROP CONSTRAINT IF EXISTS');
          break;
        case 'AT_AddConstraint': {
          const name = cmd.def?.Constraint?.conname;
          if (name !== undefined && dropped.has(`${tableKey(table)}\0${name}`)) break;
          report(
            `ADD CONSTRAINT ${name === undefined ? '' : `${quoteIdent(name)} `}on ${qualifiedSql(table)}`,
            `ALTER TABLE ${qualifiedSql(table)} DROP CONSTRAINT IF EXISTS ${name === undefined ? '<name>' : quoteIdent(name)} before it (ADD CONSTRAINT has no IF NOT EXISTS)`,
            cmd.def?.Constraint?.location,
          );
          break;
        }
        default:
          break;
      }
    }
  },
});

/** Whether another statement comes after `offset` in the file's up part (not only comments or `;`). */
function statementFollows(file: { text: string; upText: string; upOffset: number }, offset: number): boolean {
  const text = file.text;
  const end = file.upOffset + file.upText.length;
  let i = offset;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c === 59 /* ; */ || c === 32 || c === 9 || c === 10 || c === 13 || c === 12) {
      i++;
    } else if (c === 45 /* - */ && text.charCodeAt(i + 1) === 45) {
      const newline = text.indexOf('\n', i);
      i = newline === -1 ? end : newline + 1;
    } else if (c === 47 /* / */ && text.charCodeAt(i + 1) === 42 /* * */) {
      const close = text.indexOf('*/', i + 2);
      i = close === -1 ? end : close + 2;
    } else {
      return true;
    }
  }
  return false;
}

/** Constraints dropped with IF EXISTS earlier in this file, as `table key \0 name`. */
function droppedConstraints(memory: Map<string, unknown>, file: string): Set<string> {
  const key = `dropped:${file}`;
  let dropped = memory.get(key) as Set<string> | undefined;
  if (dropped === undefined) memory.set(key, (dropped = new Set()));
  return dropped;
}
