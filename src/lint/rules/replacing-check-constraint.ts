/**
 * replacing-check-constraint: a CHECK constraint dropped and added again on the same table (same
 * ALTER TABLE, same file, or anywhere in the run). This is how ORMs "edit" a check, and how the
 * seed incident happened: a CHECK listing allowed values was rebuilt without
 * `member_program_item_schedule`, a trigger still inserted it, and production returned 500s.
 *
 * The rule remembers every CHECK it sees in the run (CREATE TABLE, ADD COLUMN, ADD CONSTRAINT), so
 * when the old definition is known it names the values the new one no longer allows. Only the
 * database knows which rows, functions and triggers still use them: the help points to
 * `prodguard check`.
 */
import { defineRule } from '../define-rule.js';
import { defaultCheckName, defaultConstraintName, qualifiedSql, quoteIdent } from '../names.js';
import { allowedValues, columnRefs } from '../check-values.js';
import type { QualifiedName } from '../types.js';

type Node = Record<string, unknown>;

interface Constraint {
  contype: string;
  conname?: string;
  raw_expr?: Node;
  keys?: { String?: { sval: string } }[];
  fk_attrs?: { String?: { sval: string } }[];
  location?: number;
}
interface ColumnDef {
  colname?: string;
  constraints?: { Constraint?: Constraint }[];
}
interface RangeVar {
  schemaname?: string;
  relname: string;
}
interface AlterTableCmd {
  subtype: string;
  name?: string;
  def?: { Constraint?: Constraint; ColumnDef?: ColumnDef };
}

/** What the run has told us about one constraint. */
interface KnownConstraint {
  kind: 'check' | 'other';
  /** For checks: the allowed values per column, when the expression is a plain value list. */
  values?: Map<string, string[]> | undefined;
  columns: string[];
}
interface DroppedConstraint {
  name: string;
  known: KnownConstraint | undefined;
  /** The file that dropped it. */
  file: string;
}
interface TableState {
  constraints: Map<string, KnownConstraint>;
  dropped: DroppedConstraint[];
  /** The file whose CREATE TABLE made this table, when it was created in this run. */
  createdIn?: string | undefined;
}

export default defineRule({
  id: 'replacing-check-constraint',
  severity: 'error',
  level: 3,
  summary:
    'A CHECK constraint dropped and re-added on the same table: existing rows, triggers and functions may still use values the new check rejects.',
  on: ['CreateStmt', 'DropStmt', 'RenameStmt', 'AlterTableStmt'],
  check(ctx) {
    const kind = ctx.statement.kind;
    if (!ctx.node) return;

    if (kind === 'CreateStmt') {
      const stmt = ctx.node as { relation?: RangeVar; tableElts?: Node[]; if_not_exists?: boolean };
      // IF NOT EXISTS may leave a table as it was: its constraints are not the ones written here.
      if (!stmt.relation || stmt.if_not_exists === true) return;
      const table = tableOf(stmt.relation);
      const state = freshTable(ctx.memory, table);
      state.createdIn = ctx.file.path;
      for (const elt of stmt.tableElts ?? []) {
        const con = (elt as { Constraint?: Constraint }).Constraint;
        if (con) remember(state, table, con, undefined);
        const col = (elt as { ColumnDef?: ColumnDef }).ColumnDef;
        for (const c of col?.constraints ?? []) if (c.Constraint) remember(state, table, c.Constraint, col?.colname);
      }
      return;
    }

    if (kind === 'DropStmt') {
      const stmt = ctx.node as { removeType?: string; objects?: { List?: { items?: { String?: { sval: string } }[] } }[] };
      if (stmt.removeType !== 'OBJECT_TABLE') return;
      for (const obj of stmt.objects ?? []) {
        const parts = (obj.List?.items ?? []).map((i) => i.String?.sval ?? '');
        const name = parts.at(-1);
        if (name !== undefined) ctx.memory.delete(tableKey({ schema: parts.length > 1 ? parts[0] : undefined, name }));
      }
      return;
    }

    if (kind === 'RenameStmt') {
      const stmt = ctx.node as { renameType?: string; relation?: RangeVar; subname?: string; newname?: string };
      if (stmt.renameType !== 'OBJECT_TABCONSTRAINT' || !stmt.relation || !stmt.subname || !stmt.newname) return;
      const state = tableState(ctx.memory, tableOf(stmt.relation));
      const known = state.constraints.get(stmt.subname);
      if (known) {
        state.constraints.delete(stmt.subname);
        state.constraints.set(stmt.newname, known);
      }
      return;
    }

    if (kind !== 'AlterTableStmt') return;
    const stmt = ctx.node as { relation?: RangeVar; cmds?: { AlterTableCmd?: AlterTableCmd }[]; objtype?: string };
    if (stmt.objtype !== 'OBJECT_TABLE' || !stmt.relation) return;
    const table = tableOf(stmt.relation);
    const state = tableState(ctx.memory, table);
    // Only a table created in this same file is certainly free of old rows, triggers and functions:
    // one created in an earlier file of the run may be live in production already (a run can span
    // the whole migration history), and the incident this rule exists for is about triggers.
    const isNew = state.createdIn === ctx.file.path;

    for (const item of stmt.cmds ?? []) {
      const cmd = item.AlterTableCmd;
      if (!cmd) continue;
      if (cmd.subtype === 'AT_DropConstraint' && cmd.name !== undefined) {
        state.dropped.push({ name: cmd.name, known: state.constraints.get(cmd.name), file: ctx.file.path });
        state.constraints.delete(cmd.name);
      } else if (cmd.subtype === 'AT_AddColumn') {
        const col = cmd.def?.ColumnDef;
        for (const c of col?.constraints ?? []) if (c.Constraint) remember(state, table, c.Constraint, col?.colname);
      } else if (cmd.subtype === 'AT_AddConstraint' && cmd.def?.Constraint) {
        const con = cmd.def.Constraint;
        const added = remember(state, table, con, undefined);
        if (con.contype !== 'CONSTR_CHECK' || isNew) continue;
        const replaced = takeReplaced(state, added.name, added.known, ctx.file.path);
        if (!replaced) continue;
        reportReplacement(replaced, added.name, added.known, con.location);
      }
    }

    function reportReplacement(
      replaced: DroppedConstraint,
      newName: string,
      added: KnownConstraint,
      location: number | undefined,
    ): void {
      const tableSql = qualifiedSql(table);
      const oldName = quoteIdent(replaced.name);
      const what =
        replaced.name === newName
          ? `CHECK constraint ${oldName} on ${tableSql} is dropped and re-created`
          : `CHECK constraint ${quoteIdent(newName)} on ${tableSql} replaces the dropped constraint ${oldName}`;
      const help =
        'Run `prodguard check` against the real data (staging or a restored copy of production): it counts the rows that hold each rejected value and names the functions, triggers, views and defaults that still write them. ' +
        'Migrate those first; then add the new constraint NOT VALID and VALIDATE CONSTRAINT in a separate transaction.';
      const locationPart = location !== undefined ? { location } : {};

      const removed = removedValues(replaced.known, added);
      if (removed === 'widened') return;
      if (removed && removed.length > 0) {
        const list = removed
          .map(({ column, values }) => `${values.map(sqlLiteral).join(', ')} (column ${quoteIdent(column)})`)
          .join('; ');
        const count = removed.reduce((n, r) => n + r.values.length, 0);
        ctx.report({
          message: `${what} without ${count === 1 ? 'the value' : 'the values'} ${list} that the old check allowed: existing rows holding ${count === 1 ? 'it' : 'them'} make ADD CONSTRAINT (or a later VALIDATE CONSTRAINT) fail, and triggers, functions and application code that still write ${count === 1 ? 'it' : 'them'} get check violations after the deploy.`,
          help,
          ...locationPart,
        });
        return;
      }
      ctx.report({
        message: `${what} with a new definition: existing rows, triggers and functions may still use values the new check rejects, so adding or validating the constraint can fail on the real data, or writes can start failing after the deploy.`,
        help,
        ...locationPart,
      });
    }
  },
});

function tableOf(rv: RangeVar): QualifiedName {
  return { schema: rv.schemaname, name: rv.relname };
}

function tableKey(table: QualifiedName): string {
  return `${table.schema ?? 'public'}.${table.name}`;
}

function tableState(memory: Map<string, unknown>, table: QualifiedName): TableState {
  const key = tableKey(table);
  let state = memory.get(key) as TableState | undefined;
  if (!state) {
    state = { constraints: new Map(), dropped: [] };
    memory.set(key, state);
  }
  return state;
}

function freshTable(memory: Map<string, unknown>, table: QualifiedName): TableState {
  memory.delete(tableKey(table));
  return tableState(memory, table);
}

/** Records a constraint under its given or PostgreSQL-generated name; returns that name. */
function remember(
  state: TableState,
  table: QualifiedName,
  con: Constraint,
  column: string | undefined,
): { name: string; known: KnownConstraint } {
  let known: KnownConstraint;
  let name: string;
  if (con.contype === 'CONSTR_CHECK') {
    const columns = [...new Set(columnRefs(con.raw_expr))];
    known = { kind: 'check', values: allowedValues(con.raw_expr), columns };
    name = con.conname ?? defaultCheckName(table.name, columns);
  } else {
    const keys = (con.fk_attrs ?? con.keys ?? []).map((k) => k.String?.sval ?? '');
    const columns = keys.length > 0 ? keys : column !== undefined ? [column] : [];
    known = { kind: 'other', columns };
    const suffix =
      con.contype === 'CONSTR_PRIMARY'
        ? 'pkey'
        : con.contype === 'CONSTR_UNIQUE'
          ? 'key'
          : con.contype === 'CONSTR_FOREIGN'
            ? 'fkey'
            : con.contype === 'CONSTR_EXCLUSION'
              ? 'excl'
              : 'not_null';
    name =
      con.conname ??
      defaultConstraintName(table.name, con.contype === 'CONSTR_PRIMARY' ? [] : columns, suffix);
    // Column-level DEFAULT / NOT NULL / identity are not constraints that can be dropped by name here.
    if (!['CONSTR_PRIMARY', 'CONSTR_UNIQUE', 'CONSTR_FOREIGN', 'CONSTR_EXCLUSION', 'CONSTR_NOTNULL'].includes(con.contype)) {
      return { name, known };
    }
  }
  state.constraints.set(name, known);
  return { name, known };
}

/**
 * The dropped constraint this new CHECK replaces: the one with the same name, else a dropped check
 * on a shared column, else a constraint dropped in the same file whose definition the run never
 * showed and whose name is not PostgreSQL's name for another kind (`_fkey`, `_pkey`, `_key`,
 * `_excl`, `_not_null`).
 */
function takeReplaced(state: TableState, name: string, added: KnownConstraint, file: string): DroppedConstraint | undefined {
  const candidates = state.dropped;
  const index = [
    candidates.findIndex((d) => d.name === name && d.known?.kind !== 'other'),
    candidates.findIndex((d) => d.known?.kind === 'check' && d.known.columns.some((c) => added.columns.includes(c))),
    candidates.findIndex((d) => d.known === undefined && d.file === file && !OTHER_KIND_NAME.test(d.name)),
  ].find((i) => i >= 0);
  if (index === undefined) return undefined;
  const [replaced] = candidates.splice(index, 1);
  return replaced;
}

/**
 * Values the old check allowed that the new one does not, per column. `'widened'` when both are
 * plain value lists and the new one allows everything the old one did; undefined when unknown.
 */
function removedValues(
  old: KnownConstraint | undefined,
  added: KnownConstraint,
): { column: string; values: string[] }[] | 'widened' | undefined {
  if (!old?.values || !added.values) return undefined;
  const removed: { column: string; values: string[] }[] = [];
  let compared = false;
  for (const [column, oldValues] of old.values) {
    const newValues = added.values.get(column);
    if (!newValues) continue;
    compared = true;
    const missing = oldValues.filter((v) => !newValues.includes(v));
    if (missing.length > 0) removed.push({ column, values: missing });
  }
  if (!compared) return undefined;
  return removed.length > 0 ? removed : 'widened';
}

/** PostgreSQL's default names for constraints that are not CHECKs. */
const OTHER_KIND_NAME = /_(?:fkey|pkey|key|excl|not_null)\d*$/;

function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}


