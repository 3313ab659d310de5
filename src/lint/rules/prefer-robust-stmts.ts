/**
 * prefer-robust-stmts: in a migration that does not run in a transaction, a statement that fails
 * when run a second time (CREATE without IF NOT EXISTS, DROP without IF EXISTS, ADD / DROP COLUMN,
 * ADD / DROP CONSTRAINT). Without a transaction, a failure halfway leaves the statements before it
 * applied, and the rerun of the migration stops at the first of them.
 *
 * Files in a transaction (an explicit BEGIN, or a tool that wraps each file) are all-or-nothing and
 * are not checked, nor is the last statement of a file (a single statement is atomic). ADD
 * CONSTRAINT has no IF NOT EXISTS: it counts as robust after a `DROP CONSTRAINT IF EXISTS` of the
 * same name on the same table earlier in the file; an unnamed constraint other than a primary key
 * does not fail on a rerun (it is added twice), so it is not reported.
 *
 * CREATE INDEX CONCURRENTLY is checked even as the last statement: a failed concurrent build leaves
 * an INVALID index with its name behind, which makes the rerun fail. IF NOT EXISTS, or a
 * `DROP INDEX IF EXISTS` of that name before it, makes it robust (only the drop also removes an
 * INVALID leftover; IF NOT EXISTS keeps it, which the help says).
 */
import { defineRule } from '../define-rule.js';
import { qualifiedSql, quoteIdent, rangeVarName, tableKey } from '../names.js';

interface Command {
  subtype?: string;
  name?: string;
  missing_ok?: boolean;
  def?: { ColumnDef?: { colname?: string }; Constraint?: { contype?: string; conname?: string; location?: number } };
}

const CREATES: Readonly<Record<string, string>> = {
  CreateStmt: 'CREATE TABLE',
  IndexStmt: 'CREATE INDEX',
  CreateSeqStmt: 'CREATE SEQUENCE',
  CreateSchemaStmt: 'CREATE SCHEMA',
  CreateExtensionStmt: 'CREATE EXTENSION',
};

/** How DROP names each object type in SQL (the parser's removeType). */
const DROP_NAMES: Readonly<Record<string, string>> = {
  OBJECT_ACCESS_METHOD: 'ACCESS METHOD',
  OBJECT_AGGREGATE: 'AGGREGATE',
  OBJECT_CAST: 'CAST',
  OBJECT_COLLATION: 'COLLATION',
  OBJECT_CONVERSION: 'CONVERSION',
  OBJECT_DOMAIN: 'DOMAIN',
  OBJECT_EVENT_TRIGGER: 'EVENT TRIGGER',
  OBJECT_EXTENSION: 'EXTENSION',
  OBJECT_FDW: 'FOREIGN DATA WRAPPER',
  OBJECT_FOREIGN_SERVER: 'SERVER',
  OBJECT_FOREIGN_TABLE: 'FOREIGN TABLE',
  OBJECT_FUNCTION: 'FUNCTION',
  OBJECT_INDEX: 'INDEX',
  OBJECT_LANGUAGE: 'LANGUAGE',
  OBJECT_MATVIEW: 'MATERIALIZED VIEW',
  OBJECT_OPCLASS: 'OPERATOR CLASS',
  OBJECT_OPERATOR: 'OPERATOR',
  OBJECT_OPFAMILY: 'OPERATOR FAMILY',
  OBJECT_POLICY: 'POLICY',
  OBJECT_PROCEDURE: 'PROCEDURE',
  OBJECT_PUBLICATION: 'PUBLICATION',
  OBJECT_ROUTINE: 'ROUTINE',
  OBJECT_RULE: 'RULE',
  OBJECT_SCHEMA: 'SCHEMA',
  OBJECT_SEQUENCE: 'SEQUENCE',
  OBJECT_STATISTIC_EXT: 'STATISTICS',
  OBJECT_TABLE: 'TABLE',
  OBJECT_TRANSFORM: 'TRANSFORM',
  OBJECT_TRIGGER: 'TRIGGER',
  OBJECT_TSCONFIGURATION: 'TEXT SEARCH CONFIGURATION',
  OBJECT_TSDICTIONARY: 'TEXT SEARCH DICTIONARY',
  OBJECT_TSPARSER: 'TEXT SEARCH PARSER',
  OBJECT_TSTEMPLATE: 'TEXT SEARCH TEMPLATE',
  OBJECT_TYPE: 'TYPE',
  OBJECT_VIEW: 'VIEW',
};

export default defineRule({
  id: 'prefer-robust-stmts',
  severity: 'warning',
  level: 1,
  summary:
    'Outside a transaction, a statement followed by others that fails when the migration is run again (no IF NOT EXISTS / IF EXISTS) leaves a half-applied migration that cannot be rerun.',
  on: ['CreateStmt', 'IndexStmt', 'CreateSeqStmt', 'CreateSchemaStmt', 'CreateExtensionStmt', 'DropStmt', 'AlterTableStmt'],
  check(ctx) {
    if (!ctx.node) return;
    const node = ctx.node;
    const kind = ctx.statement.kind;
    // What a later statement may rely on, recorded in and out of transactions alike.
    remember(kind, node, () => droppedInFile(ctx.fileMemory));
    if (ctx.state.inTransaction) return;
    const dropped = droppedInFile(ctx.fileMemory);

    if (kind === 'IndexStmt' && node['concurrent'] === true) {
      const name = node['idxname'] as string | undefined;
      if (name === undefined || node['if_not_exists'] === true || dropped.has(`index\0${name}`)) return;
      const index = quoteIdent(name);
      ctx.report({
        message: `CREATE INDEX CONCURRENTLY ${index} runs outside a transaction, and when it fails (a duplicate value, a cancelled or timed-out build) it leaves an INVALID index named ${index} behind: rerunning the migration then fails with "already exists".`,
        help: `Write CREATE INDEX CONCURRENTLY IF NOT EXISTS ${index}, or put DROP INDEX CONCURRENTLY IF EXISTS ${index}; before it, which also removes an INVALID leftover (IF NOT EXISTS keeps it: check pg_index.indisvalid after a failed run).`,
      });
      return;
    }
    if (!statementFollows(ctx.file, ctx.statement.span.endOffset)) return;
    const report = (what: string, fix: string, location?: number): void =>
      ctx.report({
        message: `${what} fails if it runs a second time, and this file does not run in a transaction: if a later statement fails, this one stays applied and rerunning the migration stops here.`,
        help: `Run the file in a transaction (BEGIN ... COMMIT, or the tool's per-file transaction) so a failure undoes all of it; where that is impossible, write ${fix} so the statement can run again.`,
        ...(location !== undefined ? { location } : {}),
      });

    const create = CREATES[kind];
    if (create !== undefined) {
      if (node['if_not_exists'] === true) return;
      // CREATE INDEX without a name: PostgreSQL picks a name not in use, so a rerun does not fail.
      if (kind === 'IndexStmt' && node['idxname'] === undefined) return;
      report(create, `${create} IF NOT EXISTS`);
      return;
    }
    if (kind === 'DropStmt') {
      if (node['missing_ok'] === true) return;
      const removeType = String(node['removeType'] ?? '');
      const what = `DROP ${DROP_NAMES[removeType] ?? removeType.replace(/^OBJECT_/, '').replace(/_/g, ' ')}${node['concurrent'] === true ? ' CONCURRENTLY' : ''}`;
      report(what, `${what} IF EXISTS`);
      return;
    }
    // ALTER TABLE
    if (node['objtype'] !== 'OBJECT_TABLE') return;
    const table = rangeVarName(node['relation']);
    if (table === undefined) return;
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
          if (cmd.missing_ok !== true) report(`DROP CONSTRAINT ${quoteIdent(cmd.name ?? '?')}`, 'DROP CONSTRAINT IF EXISTS');
          break;
        case 'AT_AddConstraint': {
          const con = cmd.def?.Constraint;
          const name = con?.conname;
          // An unnamed CHECK / UNIQUE / FOREIGN KEY is added again under a new name: no failure.
          if (name === undefined && con?.contype !== 'CONSTR_PRIMARY') break;
          if (name !== undefined && dropped.has(`${tableKey(table)}\0${name}`)) break;
          report(
            `ADD CONSTRAINT ${name === undefined ? 'PRIMARY KEY ' : `${quoteIdent(name)} `}on ${qualifiedSql(table)}`,
            `ALTER TABLE ${qualifiedSql(table)} DROP CONSTRAINT IF EXISTS ${name === undefined ? '<name>' : quoteIdent(name)} before it (ADD CONSTRAINT has no IF NOT EXISTS)`,
            con?.location,
          );
          break;
        }
        default:
          break;
      }
    }
  },
});

/** Records `DROP INDEX ... IF EXISTS` and `DROP CONSTRAINT IF EXISTS`, which make a later create robust. */
function remember(kind: string, node: Record<string, unknown>, dropped: () => Set<string>): void {
  if (kind === 'DropStmt' && node['removeType'] === 'OBJECT_INDEX' && node['missing_ok'] === true) {
    for (const object of (node['objects'] as { List?: { items?: { String?: { sval?: string } }[] } }[] | undefined) ?? []) {
      const name = object.List?.items?.at(-1)?.String?.sval;
      if (name !== undefined) dropped().add(`index\0${name}`);
    }
    return;
  }
  if (kind !== 'AlterTableStmt' || node['objtype'] !== 'OBJECT_TABLE') return;
  const cmds = (node['cmds'] as { AlterTableCmd?: Command }[] | undefined) ?? [];
  if (!cmds.some((item) => item.AlterTableCmd?.subtype === 'AT_DropConstraint' && item.AlterTableCmd.missing_ok === true)) return;
  const table = rangeVarName(node['relation']);
  if (table === undefined) return;
  for (const item of cmds) {
    const cmd = item.AlterTableCmd;
    if (cmd?.subtype === 'AT_DropConstraint' && cmd.missing_ok === true) dropped().add(`${tableKey(table)}\0${cmd.name ?? ''}`);
  }
}

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

/** Indexes (`index \0 name`) and constraints (`table key \0 name`) dropped with IF EXISTS earlier in this file. */
function droppedInFile(fileMemory: Map<string, unknown>): Set<string> {
  let dropped = fileMemory.get('dropped') as Set<string> | undefined;
  if (dropped === undefined) fileMemory.set('dropped', (dropped = new Set()));
  return dropped;
}
