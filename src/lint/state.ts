/**
 * The facts the engine tracks over one lint run. Rules see the state as it was before the
 * statement they check; the engine applies each statement after every rule has seen it.
 */
import type { MigrationFile, ParsedStatement } from '../migrations/types.js';
import { columnRefs } from './check-values.js';
import { constValue, defaultCheckName, defaultConstraintName, listName, objectName, rangeVarName, schemaKey, tableKey } from './names.js';
import { declaredType, type ColumnType } from './columns.js';
import type { LintState, QualifiedName } from './types.js';

type Node = Record<string, unknown>;

/**
 * Names created in this run, keyed by name, with the schemas they were created in ('' for
 * unqualified or public). Unqualified names are taken to live in public (the default
 * search_path): treating `users` as the new `archive.users` would hide a drop of real data.
 */
class NameSet {
  private readonly names = new Map<string, Set<string>>();

  add(name: QualifiedName): void {
    let schemas = this.names.get(name.name);
    if (schemas === undefined) this.names.set(name.name, (schemas = new Set()));
    schemas.add(schemaKey(name.schema));
  }

  has(name: QualifiedName): boolean {
    const schemas = this.names.get(name.name);
    if (schemas === undefined || schemas.size === 0) return false;
    return schemas.has(schemaKey(name.schema));
  }

  delete(name: QualifiedName): void {
    const key = schemaKey(name.schema);
    const schemas = this.names.get(name.name);
    if (schemas === undefined) return;
    schemas.delete(key);
    if (schemas.size === 0) this.names.delete(name.name);
  }

  /** Every name in the set (an unqualified or public one without a schema). */
  entries(): QualifiedName[] {
    const names: QualifiedName[] = [];
    for (const [name, schemas] of this.names) for (const schema of schemas) names.push(schema === '' ? { name } : { schema, name });
    return names;
  }
}

/** A NameSet entry as one string, to compare snapshots. */
function nameKey(name: QualifiedName): string {
  return `${schemaKey(name.schema)}\0${name.name}`;
}

/**
 * A constraint that proves columns hold no NULL once validated: CHECK (col IS NOT NULL [AND ...]),
 * PostgreSQL 18's NOT NULL col, or a column declared NOT NULL.
 */
interface NotNullCheck {
  /** Its name: as written, or the one PostgreSQL gives it. */
  constraint: string;
  columns: string[];
  validated: boolean;
  /** A NOT NULL constraint (not a CHECK): DROP NOT NULL removes it. */
  notNull?: true;
}

/** Columns that `expr` proves non-null: `col IS NOT NULL`, possibly ANDed with other conditions. */
function notNullColumns(expr: unknown): string[] {
  const node = expr as Node | undefined;
  if (node === undefined) return [];
  const test = node['NullTest'] as { arg?: Node; nulltesttype?: string } | undefined;
  if (test !== undefined) {
    if (test.nulltesttype !== 'IS_NOT_NULL') return [];
    const name = listName((test.arg?.['ColumnRef'] as { fields?: unknown } | undefined)?.fields)?.name;
    return name === undefined ? [] : [name];
  }
  const bool = node['BoolExpr'] as { boolop?: string; args?: unknown[] } | undefined;
  if (bool?.boolop === 'AND_EXPR') return (bool.args ?? []).flatMap(notNullColumns);
  return [];
}

/**
 * The NOT NULL proof a constraint gives, if any: a table constraint, or one declared on `column`
 * (CREATE TABLE, ADD COLUMN; those are checked as they are added, so `validated`). A CHECK is
 * named after the one column its expression uses, else `<table>_check`, as PostgreSQL names it.
 */
function notNullProof(table: QualifiedName, constraint: Node, column: string | undefined, validated: boolean): NotNullCheck | undefined {
  const conname = constraint['conname'] as string | undefined;
  if (constraint['contype'] === 'CONSTR_CHECK') {
    const columns = notNullColumns(constraint['raw_expr']);
    if (columns.length === 0) return undefined;
    const name = conname ?? defaultCheckName(table.name, [...new Set(columnRefs(constraint['raw_expr']))]);
    return { constraint: name, columns, validated };
  }
  if (constraint['contype'] === 'CONSTR_NOTNULL') {
    const keys = ((constraint['keys'] as { String?: { sval?: string } }[] | undefined) ?? []).map((key) => key.String?.sval ?? '');
    const columns = column !== undefined ? [column] : keys;
    if (columns.length === 0) return undefined;
    const name = conname ?? defaultConstraintName(table.name, columns.slice(0, 1), 'not_null');
    return { constraint: name, columns, validated, notNull: true };
  }
  return undefined;
}

/** What a domain checks each value against: its own CHECKs (counted) and NOT NULL, and its base domain's. */
interface DomainChecks {
  checks: number;
  notNull: boolean;
  /** nameKey of the domain it is over (not over an array of one: that inherits nothing). */
  base?: string | undefined;
}

/** The CHECK and NOT NULL constraints in a list of constraints, added to `into`. */
function countValueConstraints(constraints: unknown, into: DomainChecks): DomainChecks {
  for (const item of (constraints as ({ Constraint?: { contype?: string } } | undefined)[] | undefined) ?? []) {
    const contype = item?.Constraint?.contype;
    if (contype === 'CONSTR_CHECK') into.checks++;
    else if (contype === 'CONSTR_NOTNULL') into.notNull = true;
  }
  return into;
}

/** The map's entry for `key`, made and stored first when there is none. */
function entryOf<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) map.set(key, (value = make()));
  return value;
}

/** Objects that live in pg_class with their own name and schema: dropped, renamed and moved alike. */
const RELATION_KINDS: ReadonlySet<string> = new Set(['OBJECT_TABLE', 'OBJECT_VIEW', 'OBJECT_MATVIEW', 'OBJECT_SEQUENCE', 'OBJECT_FOREIGN_TABLE']);

/** A timeout value that limits anything: a number other than 0 (with or without a unit). */
function timeoutValue(value: string | undefined): boolean {
  if (value === undefined) return false;
  const number = Number.parseFloat(value);
  return !Number.isNaN(number) && number !== 0;
}

/** The session timeouts the engine follows through a file (`SET`, `SET LOCAL`, `RESET`, set_config). */
const TIMEOUTS = ['lock_timeout', 'statement_timeout'] as const;
type Timeout = (typeof TIMEOUTS)[number];

export class RunState implements LintState {
  inTransaction = false;
  implicitTransaction = false;

  private explicitTransaction = false;
  /**
   * Per timeout: whether the session value limits anything (non-zero), and the value of a
   * `SET LOCAL` for the current transaction when there is one (it wins until the transaction ends).
   */
  private readonly timeouts: Record<Timeout, { session: boolean; local: boolean | undefined }> = {
    lock_timeout: { session: false, local: undefined },
    statement_timeout: { session: false, local: undefined },
  };

  get lockTimeoutSet(): boolean {
    return this.timeoutSet('lock_timeout');
  }

  get statementTimeoutSet(): boolean {
    return this.timeoutSet('statement_timeout');
  }

  private timeoutSet(name: Timeout): boolean {
    const timeout = this.timeouts[name];
    return timeout.local ?? timeout.session;
  }

  /** `SET` / `SET LOCAL` / set_config of a timeout. PostgreSQL ignores a SET LOCAL outside a transaction. */
  private setTimeout(name: Timeout, value: boolean, local: boolean): void {
    if (!local) this.timeouts[name] = { session: value, local: undefined };
    else if (this.inTransaction) this.timeouts[name].local = value;
  }
  private readonly tables = new NameSet();
  /** Existing (not new) tables renamed away in this run: a new table renamed into one's place takes over its clients. */
  private readonly vacated = new NameSet();
  private readonly indexes = new NameSet();
  /** The new indexes of each table (by tableKey), and each new index's table: indexes move and go with their table. */
  private readonly indexesOf = new Map<string, Set<string>>();
  private readonly tableOfIndex = new Map<string, QualifiedName>();
  private readonly enums = new Map<string, { schema: string; values: string[] }[]>();
  /** Whether each table the run (or its applied context) created is partitioned, by tableKey. */
  private readonly partitioned = new Map<string, boolean>();
  /** Domains the run gave a CHECK or NOT NULL constraint. */
  private readonly domainChecks = new Map<string, DomainChecks>();
  /** NOT NULL proofs by tableKey. */
  private readonly notNullChecks = new Map<string, NotNullCheck[]>();
  /** Columns added by ALTER TABLE ... ADD COLUMN in this run, by tableKey. */
  private readonly addedColumns = new Map<string, Set<string>>();
  /** Column types declared in this run, by tableKey and column. */
  private readonly columnTypes = new Map<string, Map<string, ColumnType>>();

  isNewTable(name: QualifiedName): boolean {
    return this.tables.has(name);
  }

  isNewIndex(name: QualifiedName): boolean {
    return this.indexes.has(name);
  }

  isNewColumn(table: QualifiedName, column: string): boolean {
    return this.addedColumns.get(tableKey(table))?.has(column) === true;
  }

  columnType(table: QualifiedName, column: string): ColumnType | undefined {
    return this.columnTypes.get(tableKey(table))?.get(column);
  }

  isPartitioned(table: QualifiedName): boolean | undefined {
    return this.partitioned.get(tableKey(table));
  }

  domainHasConstraints(name: QualifiedName): boolean {
    // Follow the chain of base domains (CREATE DOMAIN d2 AS d1), as PostgreSQL checks them all.
    const seen = new Set<string>();
    for (let key: string | undefined = nameKey(name); key !== undefined && !seen.has(key); ) {
      seen.add(key);
      const checks = this.domainChecks.get(key);
      if (checks === undefined) return false;
      if (checks.checks > 0 || checks.notNull) return true;
      key = checks.base;
    }
    return false;
  }

  enumValues(name: QualifiedName): string[] | undefined {
    const entry = this.findEnum(name);
    return entry === undefined ? undefined : [...entry.values];
  }

  hasNotNullCheck(table: QualifiedName, column: string): boolean {
    return this.notNullProofs(table, column).some((proof) => proof.validated);
  }

  notNullProofs(table: QualifiedName, column: string): { constraint: string; validated: boolean }[] {
    const proofs: { constraint: string; validated: boolean }[] = [];
    for (const check of this.notNullChecks.get(tableKey(table)) ?? []) {
      if (check.columns.includes(column)) proofs.push({ constraint: check.constraint, validated: check.validated });
    }
    return proofs;
  }

  /** The tool wraps the file in a transaction of its own (`per-file`), as opposed to sending it as one query. */
  private toolTransaction = false;

  /**
   * True while the engine reads a migration that is already applied (lintFiles' `context`): the
   * tables, indexes and columns it creates exist with their rows, so they are not new; their
   * types, enum values and constraints are still learned.
   */
  private applied = false;

  /** True while the engine lints an edited migration (lintFiles' `edited`; see beforeEdited). */
  private edited = false;

  get ranBefore(): boolean {
    return this.applied || this.edited;
  }

  /** Views created (not replaced) in this run: they have no clients under their first name yet. */
  private readonly createdViews = new NameSet();

  isNewView(name: QualifiedName): boolean {
    return this.createdViews.has(name);
  }

  /**
   * What was new before an edited migration started (lintFiles' `edited`): what it creates is
   * new for its own statements only, and forgotten at endFile.
   */
  private beforeEdited: { tables: Set<string>; indexes: Set<string>; columns: Set<string> } | undefined;

  /**
   * Resets what lasts one file: the transaction and lock_timeout. `statements`: how many the file
   * has (an `implicit` file runs in a transaction only when it has more than one).
   */
  startFile(file: MigrationFile, applied = false, statements = 0, edited = false): void {
    this.applied = applied;
    this.edited = edited;
    this.beforeEdited = edited
      ? { tables: new Set(this.tables.entries().map(nameKey)), indexes: new Set(this.indexes.entries().map(nameKey)), columns: new Set(this.addedColumnKeys()) }
      : undefined;
    this.implicitTransaction = file.transaction === 'per-file' || (file.transaction === 'implicit' && statements > 1);
    this.toolTransaction = file.transaction === 'per-file';
    this.explicitTransaction = false;
    this.inTransaction = this.implicitTransaction;
    for (const name of TIMEOUTS) this.timeouts[name] = { session: false, local: undefined };
  }

  /**
   * Ends a file. After an edited migration (one that already existed where --since's ref was
   * deployed, so it ran there), the tables, indexes and columns it created stop being new: they
   * exist in production, whatever later migrations do to them.
   */
  endFile(): void {
    const before = this.beforeEdited;
    if (before === undefined) return;
    this.beforeEdited = undefined;
    for (const table of this.tables.entries()) if (!before.tables.has(nameKey(table))) this.tables.delete(table);
    for (const index of this.indexes.entries()) if (!before.indexes.has(nameKey(index))) this.deleteIndex(index);
    for (const [key, columns] of this.addedColumns) {
      for (const column of columns) if (!before.columns.has(`${key}\0${column}`)) columns.delete(column);
    }
  }

  private addedColumnKeys(): string[] {
    const keys: string[] = [];
    for (const [key, columns] of this.addedColumns) for (const column of columns) keys.push(`${key}\0${column}`);
    return keys;
  }

  /** Records what the statement changes. Call after every rule has checked it. */
  apply(statement: ParsedStatement): void {
    const node = statement.node?.[statement.kind] as Node | undefined;
    if (node === undefined) return;
    switch (statement.kind) {
      case 'TransactionStmt':
        return this.applyTransaction(node);
      case 'VariableSetStmt':
        return this.applySet(node);
      case 'SelectStmt':
        return this.applySelect(node);
      case 'CreateStmt':
      case 'CreateForeignTableStmt': {
        const base = (node['base'] as Node | undefined) ?? node;
        const name = rangeVarName(base['relation']);
        // IF NOT EXISTS may have met a table that exists, with rows, and columns of its own.
        if (name === undefined || base['if_not_exists'] === true) return;
        if (!this.applied) this.tables.add(name);
        this.vacated.delete(name);
        this.partitioned.set(tableKey(name), base['partspec'] !== undefined);
        const types = new Map<string, ColumnType>();
        this.columnTypes.set(tableKey(name), types);
        const elements = base['tableElts'] as { ColumnDef?: { colname?: string; typeName?: object; constraints?: { Constraint?: Node }[] }; Constraint?: Node }[] | undefined;
        this.notNullChecks.delete(tableKey(name));
        for (const element of elements ?? []) {
          const column = element.ColumnDef;
          if (column?.colname !== undefined && column.typeName) types.set(column.colname, declaredType(column));
          // Constraints of a new table hold for every row from the start.
          if (element.Constraint !== undefined) this.addNotNullProof(name, notNullProof(name, element.Constraint, undefined, true));
          for (const item of column?.constraints ?? []) {
            if (item.Constraint !== undefined && column?.colname !== undefined) this.addNotNullProof(name, notNullProof(name, item.Constraint, column.colname, true));
          }
        }
        return;
      }
      case 'CreateTableAsStmt': {
        const name = rangeVarName((node['into'] as Node | undefined)?.['rel']);
        if (name && node['if_not_exists'] !== true && !this.applied) this.tables.add(name);
        return;
      }
      case 'ViewStmt': {
        // Never new for the data rules (a view writes through to its table), but one the run
        // created has no clients under its first name.
        const name = rangeVarName(node['view']);
        if (name === undefined) return;
        // One created where an existing view or table was (dropped or renamed away) serves its clients.
        if (node['replace'] !== true && !this.ranBefore && !this.vacated.has(name)) this.createdViews.add(name);
        this.vacated.delete(name);
        return;
      }
      case 'CreateSeqStmt': {
        const name = rangeVarName(node['sequence']);
        if (name && node['if_not_exists'] !== true && !this.applied) this.tables.add(name);
        return;
      }
      case 'IndexStmt': {
        const table = rangeVarName(node['relation']);
        // An unnamed index is not followed: PostgreSQL names it <table>_<columns>_idx, or
        // <table>_<columns>_idx1 when that name is taken by an index the run cannot see, so
        // assuming the first would hide a DROP of the existing one.
        const idxname = node['idxname'] as string | undefined;
        if (idxname !== undefined && table !== undefined && node['if_not_exists'] !== true && !this.applied) this.addIndex(table, idxname);
        return;
      }
      case 'DropStmt':
        return this.applyDrop(node);
      case 'RenameStmt':
        return this.applyRename(node);
      case 'AlterObjectSchemaStmt':
        return this.applySetSchema(node);
      case 'CreateDomainStmt': {
        const name = listName(node['domainname']);
        if (name === undefined) return;
        // A domain over a domain checks the base domain's constraints too (resolved when asked).
        const typeName = node['typeName'] as { names?: unknown; arrayBounds?: unknown[] } | undefined;
        const baseName = typeName?.arrayBounds?.length ? undefined : listName(typeName?.names);
        const base = baseName !== undefined && this.domainChecks.has(nameKey(baseName)) ? nameKey(baseName) : undefined;
        this.domainChecks.set(nameKey(name), countValueConstraints(node['constraints'], { checks: 0, notNull: false, base }));
        return;
      }
      case 'AlterDomainStmt': {
        const name = listName(node['typeName']);
        if (name === undefined) return;
        const checks = entryOf(this.domainChecks, nameKey(name), () => ({ checks: 0, notNull: false }));
        // C: ADD CONSTRAINT, X: DROP CONSTRAINT, O: SET NOT NULL, N: DROP NOT NULL.
        switch (node['subtype']) {
          case 'C':
            countValueConstraints([node['def']], checks);
            break;
          case 'X':
            if (checks.checks > 0) checks.checks--;
            break;
          case 'O':
            checks.notNull = true;
            break;
          case 'N':
            checks.notNull = false;
            break;
          default:
            break;
        }
        return;
      }
      case 'CreateEnumStmt': {
        const name = listName(node['typeName']);
        if (name === undefined) return;
        const values = ((node['vals'] as { String?: { sval?: string } }[] | undefined) ?? []).map((v) => v.String?.sval ?? '');
        this.setEnum(name, values);
        return;
      }
      case 'AlterEnumStmt':
        return this.applyAlterEnum(node);
      case 'AlterTableStmt':
        return this.applyAlterTable(node);
      default:
        return;
    }
  }

  private applyTransaction(node: Node): void {
    switch (node['kind']) {
      case 'TRANS_STMT_BEGIN':
      case 'TRANS_STMT_START':
        this.explicitTransaction = true;
        break;
      case 'TRANS_STMT_COMMIT':
      case 'TRANS_STMT_ROLLBACK':
      case 'TRANS_STMT_PREPARE':
        // COMMIT / ROLLBACK AND CHAIN start the next transaction at once (SET LOCAL still ends).
        this.explicitTransaction = node['chain'] === true && this.explicitTransaction;
        // SET LOCAL ends with the transaction (PostgreSQL resets it at COMMIT, inside a
        // multi-statement query too); a tool's per-file transaction is taken to last the file.
        if (!this.toolTransaction) for (const name of TIMEOUTS) this.timeouts[name].local = undefined;
        break;
      default:
        break;
    }
    this.inTransaction = this.implicitTransaction || this.explicitTransaction;
  }

  private applySet(node: Node): void {
    const kind = node['kind'];
    if (kind === 'VAR_RESET_ALL') {
      for (const name of TIMEOUTS) this.timeouts[name] = { session: false, local: undefined };
      return;
    }
    const name = node['name'];
    if (name !== 'lock_timeout' && name !== 'statement_timeout') return;
    if (kind === 'VAR_SET_VALUE') {
      const args = node['args'] as unknown[] | undefined;
      this.setTimeout(name, timeoutValue(constValue(args?.[0])), node['is_local'] === true);
    } else {
      // RESET / SET ... TO DEFAULT: back to the server default (no timeout).
      this.setTimeout(name, false, node['is_local'] === true);
    }
  }

  /** `SELECT set_config('lock_timeout', '5s', is_local)` (or statement_timeout). */
  private applySelect(node: Node): void {
    const targets = node['targetList'] as { ResTarget?: { val?: Node } }[] | undefined;
    if (targets === undefined) return;
    for (const target of targets) {
      const call = target.ResTarget?.val?.['FuncCall'] as { funcname?: unknown; args?: unknown[] } | undefined;
      if (call === undefined || listName(call.funcname)?.name !== 'set_config') continue;
      const name = constValue(call.args?.[0])?.toLowerCase();
      if (name !== 'lock_timeout' && name !== 'statement_timeout') continue;
      const local = (call.args?.[2] as Node | undefined)?.['A_Const'] as { boolval?: { boolval?: boolean } } | undefined;
      this.setTimeout(name, timeoutValue(constValue(call.args?.[1])), local?.boolval?.boolval === true);
    }
  }

  private applyDrop(node: Node): void {
    const objects = (node['objects'] as unknown[] | undefined) ?? [];
    const removeType = String(node['removeType']);
    for (const object of objects) {
      const name = objectName(object);
      if (name === undefined) continue;
      if (RELATION_KINDS.has(removeType)) {
        // An existing view dropped (to be created again with other columns) leaves its clients
        // waiting for the name.
        if (removeType === 'OBJECT_VIEW' && !this.createdViews.has(name) && !this.ranBefore) this.vacated.add(name);
        this.createdViews.delete(name);
        this.tables.delete(name);
        // Its indexes go with it.
        for (const index of this.indexesOf.get(tableKey(name)) ?? []) this.deleteIndex({ schema: name.schema, name: index });
        for (const byTable of this.byTable()) byTable.delete(tableKey(name));
        continue;
      }
      switch (removeType) {
        case 'OBJECT_INDEX':
          this.deleteIndex(name);
          break;
        case 'OBJECT_TYPE':
        case 'OBJECT_DOMAIN':
          this.deleteEnum(name);
          this.domainChecks.delete(nameKey(name));
          break;
        default:
          break;
      }
    }
  }

  private applyRename(node: Node): void {
    const newname = node['newname'] as string | undefined;
    if (newname === undefined) return;
    if (RELATION_KINDS.has(node['renameType'] as string)) {
      const name = rangeVarName(node['relation']);
      if (name !== undefined) this.moveRelation(name, { schema: name.schema, name: newname });
      return;
    }
    switch (node['renameType']) {
      case 'OBJECT_COLUMN': {
        const name = rangeVarName(node['relation']);
        const subname = node['subname'] as string | undefined;
        if (name === undefined || subname === undefined) return;
        const added = this.addedColumns.get(tableKey(name));
        if (added !== undefined && added.delete(subname)) added.add(newname);
        const types = this.columnTypes.get(tableKey(name));
        const type = types?.get(subname);
        if (types !== undefined && type !== undefined) {
          types.delete(subname);
          types.set(newname, type);
        }
        // PostgreSQL rewrites the constraints that use the column to the new name.
        this.notNullChecksOf(name, (check) => {
          if (check.columns.includes(subname)) check.columns = check.columns.map((column) => (column === subname ? newname : column));
          return true;
        });
        return;
      }
      case 'OBJECT_TABCONSTRAINT': {
        const name = rangeVarName(node['relation']);
        const subname = node['subname'] as string | undefined;
        if (name === undefined || subname === undefined) return;
        this.notNullChecksOf(name, (check) => {
          if (check.constraint === subname) check.constraint = newname;
          return true;
        });
        return;
      }
      case 'OBJECT_INDEX': {
        const name = rangeVarName(node['relation']);
        const table = name === undefined ? undefined : this.tableOfIndex.get(tableKey(name));
        if (name !== undefined && table !== undefined && this.indexes.has(name)) {
          this.deleteIndex(name);
          this.addIndex(table, newname);
        }
        return;
      }
      case 'OBJECT_TYPE':
      case 'OBJECT_DOMAIN': {
        const name = objectName(node['object']);
        if (name !== undefined) this.moveType(name, { schema: name.schema, name: newname });
        return;
      }
      default:
        return;
    }
  }

  /** `ALTER TABLE ... SET SCHEMA` (and views, sequences, types): what the run knows moves along. */
  private applySetSchema(node: Node): void {
    const schema = node['newschema'] as string | undefined;
    if (schema === undefined) return;
    if (RELATION_KINDS.has(node['objectType'] as string)) {
      const name = rangeVarName(node['relation']);
      if (name !== undefined) this.moveRelation(name, { schema, name: name.name });
      return;
    }
    switch (node['objectType']) {
      case 'OBJECT_TYPE':
      case 'OBJECT_DOMAIN': {
        const name = objectName(node['object']);
        if (name !== undefined) this.moveType(name, { schema, name: name.name });
        return;
      }
      default:
        return;
    }
  }

  /**
   * A relation renamed or moved to another schema: whether it is new, the columns the run added
   * to it, their declared types and its NOT NULL checks go with it.
   */
  private moveRelation(from: QualifiedName, to: QualifiedName): void {
    // The swap pattern (copy into users_new, rename users away, rename users_new to users): the
    // table now called users holds the data and serves the clients; nothing of it is new.
    const takesOver = this.vacated.has(to);
    if (this.tables.has(from)) {
      this.tables.delete(from);
      if (!takesOver) this.tables.add(to);
    } else if (!this.ranBefore && !this.createdViews.has(from)) {
      this.vacated.add(from);
    }
    this.vacated.delete(to);
    if (this.createdViews.has(from)) {
      this.createdViews.delete(from);
      if (!takesOver) this.createdViews.add(to);
    }
    // A table's indexes stay with it, in its schema (SET SCHEMA moves them too).
    const indexes = this.indexesOf.get(tableKey(from));
    if (indexes !== undefined) {
      for (const index of [...indexes]) {
        this.deleteIndex({ schema: from.schema, name: index });
        this.addIndex(to, index);
      }
    }
    for (const byTable of this.byTable()) {
      const entry = byTable.get(tableKey(from));
      if (entry === undefined) continue;
      byTable.delete(tableKey(from));
      byTable.set(tableKey(to), entry);
    }
    if (takesOver) {
      for (const index of [...(this.indexesOf.get(tableKey(to)) ?? [])]) this.deleteIndex({ schema: to.schema, name: index });
      this.addedColumns.delete(tableKey(to));
    }
  }

  /** What the run knows per table (by tableKey): it moves with the table and goes with it. */
  private byTable(): Map<string, unknown>[] {
    return [this.addedColumns, this.columnTypes, this.partitioned, this.notNullChecks];
  }

  private addIndex(table: QualifiedName, index: string): void {
    const name = { schema: table.schema, name: index };
    this.indexes.add(name);
    this.tableOfIndex.set(tableKey(name), table);
    entryOf(this.indexesOf, tableKey(table), () => new Set()).add(index);
  }

  private deleteIndex(name: QualifiedName): void {
    this.indexes.delete(name);
    const table = this.tableOfIndex.get(tableKey(name));
    if (table === undefined) return;
    this.tableOfIndex.delete(tableKey(name));
    const indexes = this.indexesOf.get(tableKey(table));
    indexes?.delete(name.name);
    if (indexes?.size === 0) this.indexesOf.delete(tableKey(table));
  }

  /** A type renamed or moved to another schema: an enum keeps its values, a domain its constraints. */
  private moveType(from: QualifiedName, to: QualifiedName): void {
    const checks = this.domainChecks.get(nameKey(from));
    if (checks !== undefined) {
      this.domainChecks.delete(nameKey(from));
      this.domainChecks.set(nameKey(to), checks);
      for (const other of this.domainChecks.values()) if (other.base === nameKey(from)) other.base = nameKey(to);
    }
    const entry = this.findEnum(from);
    if (entry === undefined) return;
    this.deleteEnum(from);
    this.setEnum(to, entry.values);
  }

  private applyAlterEnum(node: Node): void {
    const name = listName(node['typeName']);
    const newVal = node['newVal'] as string | undefined;
    if (name === undefined || newVal === undefined) return;
    const entry = this.findEnum(name);
    if (entry === undefined) return;
    const oldVal = node['oldVal'] as string | undefined;
    if (oldVal !== undefined) {
      const at = entry.values.indexOf(oldVal);
      if (at !== -1) entry.values[at] = newVal;
      return;
    }
    if (entry.values.includes(newVal)) return;
    const neighbor = node['newValNeighbor'] as string | undefined;
    const at = neighbor === undefined ? -1 : entry.values.indexOf(neighbor);
    if (at === -1) entry.values.push(newVal);
    else entry.values.splice(node['newValIsAfter'] === true ? at + 1 : at, 0, newVal);
  }

  private applyAlterTable(node: Node): void {
    const table = rangeVarName(node['relation']);
    if (table === undefined) return;
    const cmds = (node['cmds'] as { AlterTableCmd?: Node }[] | undefined) ?? [];
    for (const item of cmds) {
      const cmd = item.AlterTableCmd;
      if (cmd === undefined) continue;
      switch (cmd['subtype']) {
        case 'AT_AddColumn': {
          const def = (cmd['def'] as Node | undefined)?.['ColumnDef'] as { colname?: string; typeName?: object } | undefined;
          const column = def?.colname;
          if (column === undefined) break;
          // ADD COLUMN IF NOT EXISTS may have met an existing column full of data, of another type.
          if (cmd['missing_ok'] === true) {
            this.columnTypes.get(tableKey(table))?.delete(column);
            break;
          }
          if (!this.applied) entryOf(this.addedColumns, tableKey(table), () => new Set()).add(column);
          if (def?.typeName) entryOf(this.columnTypes, tableKey(table), () => new Map()).set(column, declaredType(def));
          // A CHECK on the new column is validated as it is added.
          for (const item of (def as { constraints?: { Constraint?: Node }[] } | undefined)?.constraints ?? []) {
            if (item.Constraint !== undefined) this.addNotNullProof(table, notNullProof(table, item.Constraint, column, true));
          }
          break;
        }
        case 'AT_DropNotNull': {
          const column = cmd['name'] as string | undefined;
          if (column !== undefined) this.notNullChecksOf(table, (check) => check.notNull !== true || !check.columns.includes(column));
          break;
        }
        case 'AT_DropColumn': {
          const column = cmd['name'] as string | undefined;
          if (column === undefined) break;
          this.addedColumns.get(tableKey(table))?.delete(column);
          this.columnTypes.get(tableKey(table))?.delete(column);
          // PostgreSQL drops the constraints that use the column with it.
          this.notNullChecksOf(table, (check) => !check.columns.includes(column));
          break;
        }
        case 'AT_AlterColumnType': {
          const column = cmd['name'] as string | undefined;
          const def = (cmd['def'] as Node | undefined)?.['ColumnDef'] as { typeName?: object } | undefined;
          if (column !== undefined && def?.typeName) entryOf(this.columnTypes, tableKey(table), () => new Map()).set(column, declaredType(def));
          break;
        }
        case 'AT_AddConstraint': {
          const constraint = (cmd['def'] as Node | undefined)?.['Constraint'] as Node | undefined;
          if (constraint !== undefined) this.addNotNullProof(table, notNullProof(table, constraint, undefined, constraint['skip_validation'] !== true));
          break;
        }
        case 'AT_ValidateConstraint': {
          const name = cmd['name'] as string | undefined;
          this.notNullChecksOf(table, (check) => {
            if (check.constraint === name) check.validated = true;
            return true;
          });
          break;
        }
        case 'AT_DropConstraint': {
          const name = cmd['name'] as string | undefined;
          this.notNullChecksOf(table, (check) => check.constraint !== name);
          break;
        }
        default:
          break;
      }
    }
  }

  /** Visits the checks of a table; those for which `keep` returns false are removed. */
  private notNullChecksOf(table: QualifiedName, keep: (check: NotNullCheck) => boolean): void {
    const checks = this.notNullChecks.get(tableKey(table));
    if (checks === undefined) return;
    let kept = 0;
    for (const check of checks) if (keep(check)) checks[kept++] = check;
    checks.length = kept;
    if (kept === 0) this.notNullChecks.delete(tableKey(table));
  }

  private addNotNullProof(table: QualifiedName, proof: NotNullCheck | undefined): void {
    if (proof !== undefined) entryOf(this.notNullChecks, tableKey(table), () => []).push(proof);
  }

  private findEnum(name: QualifiedName): { schema: string; values: string[] } | undefined {
    const entries = this.enums.get(name.name);
    if (entries === undefined) return undefined;
    // Schemas match as tables' do (unqualified is public): billing.status is not status.
    const key = schemaKey(name.schema);
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i]!;
      if (entry.schema === key) return entry;
    }
    return undefined;
  }

  private setEnum(name: QualifiedName, values: string[]): void {
    this.deleteEnum(name);
    const entries = this.enums.get(name.name) ?? [];
    entries.push({ schema: schemaKey(name.schema), values });
    this.enums.set(name.name, entries);
  }

  private deleteEnum(name: QualifiedName): void {
    const entries = this.enums.get(name.name);
    if (entries === undefined) return;
    const key = schemaKey(name.schema);
    const kept = entries.filter((entry) => entry.schema !== key);
    if (kept.length === 0) this.enums.delete(name.name);
    else this.enums.set(name.name, kept);
  }
}
