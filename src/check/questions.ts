/**
 * What a statement asks of the existing data, read from its parse tree: the CHECK it adds, the
 * column it makes NOT NULL, the keys it makes unique, the foreign key it adds, the column type
 * it changes. Pure: no database here; prechecks.ts turns these into one scan per table.
 */
import { quoteIdent } from '../db/introspect.js';
import { allowedValues, columnRefs } from '../lint/check-values.js';
import { isSerialType } from '../lint/columns.js';
import { defaultCheckName } from '../lint/names.js';
import { alterTableCommandLock, pgLockName, pgLockStrength } from '../migrations/locks.js';
import type { PgNode } from '../migrations/types.js';
import { checkExpressionText, clauseText, typeText, usingExpressionText } from './sql-text.js';

type Node = Record<string, unknown>;

export interface TableRef {
  schema?: string | undefined;
  name: string;
}

export type Question =
  | {
      kind: 'check';
      table: TableRef;
      /** The name given, or PostgreSQL's generated name. */
      constraint: string;
      /** The expression text as the migration wrote it. */
      expression: string;
      notValid: boolean;
      /** Allowed values per column when the expression is a plain value list. */
      values: Record<string, string[]> | undefined;
      /** True for VALIDATE CONSTRAINT of an existing CHECK (expression from the live definition). */
      validating?: boolean;
    }
  | { kind: 'not-null'; table: TableRef; column: string; via: 'set-not-null' | 'add-column' }
  | {
      kind: 'unique';
      table: TableRef;
      /** Key expressions as SQL (quoted columns or index expressions). */
      keys: string[];
      /** The same keys as the migration wrote them, for messages. */
      labels: string[];
      primaryKey: boolean;
      /** Partial unique index: its WHERE clause. */
      where?: string | undefined;
      /** NULLS NOT DISTINCT (PostgreSQL 15+): NULL keys count as equal, so they can be duplicates. */
      nullsNotDistinct?: boolean | undefined;
      name: string | undefined;
    }
  | {
      kind: 'foreign-key';
      table: TableRef;
      columns: string[];
      refTable: TableRef;
      /** Undefined: the referenced table's primary key. */
      refColumns: string[] | undefined;
      notValid: boolean;
      name: string | undefined;
      /** The column is added by this statement (so it starts NULL, except with a default). */
      newColumn: boolean;
      /** MATCH FULL: a partly NULL key violates it. */
      matchFull?: boolean | undefined;
    }
  | { kind: 'validate'; table: TableRef; constraint: string }
  | { kind: 'type-change'; table: TableRef; column: string; type: string; using: string | undefined }
  | { kind: 'drop-constraint'; table: TableRef; constraint: string }
  /** CREATE TYPE ... AS ENUM: later type changes to it are checked against these labels. */
  | { kind: 'create-enum'; type: TableRef; labels: string[] };

/** The lock a statement needs, by PostgreSQL's documentation (ALTER TABLE, CREATE INDEX...). */
export interface ExpectedLock {
  table: TableRef;
  mode: string;
  mayRewrite: boolean;
}

export interface StatementAnalysis {
  questions: Question[];
  locks: ExpectedLock[];
  /** Why the statement cannot run inside a transaction block, when it cannot. */
  notInTransaction: string | undefined;
  /** BEGIN / COMMIT / ... in the file: the rehearsal supplies its own transaction. */
  transactionControl: boolean;
  /** Tables the statement writes rows of (INSERT / UPDATE / DELETE / MERGE, also in a WITH). */
  writes: TableRef[];
  /** DO, CALL, SELECT fn(): may write any table (pre-checks mode counts every later table as written). */
  writesUnknown: boolean;
}

interface Constraint {
  contype: string;
  conname?: string;
  raw_expr?: Node;
  keys?: { String?: { sval: string } }[];
  fk_attrs?: { String?: { sval: string } }[];
  pk_attrs?: { String?: { sval: string } }[];
  pktable?: RangeVar;
  skip_validation?: boolean;
  indexname?: string;
  nulls_not_distinct?: boolean;
  fk_matchtype?: string;
  location?: number;
}
interface ColumnDef {
  colname?: string;
  typeName?: { location?: number; names?: { String?: { sval: string } }[] };
  raw_default?: Node;
  constraints?: { Constraint?: Constraint }[];
  location?: number;
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

const names = (list: { String?: { sval: string } }[] | undefined): string[] => (list ?? []).map((k) => k.String?.sval ?? '');

function tableOf(rv: RangeVar): TableRef {
  return rv.schemaname ? { schema: rv.schemaname, name: rv.relname } : { name: rv.relname };
}



/** serial types fill new rows (and existing ones, for ADD COLUMN) from their sequence. */
function isSerial(col: ColumnDef): boolean {
  const typeNames = col.typeName?.names ?? [];
  return typeNames.length === 1 && isSerialType(typeNames[0]?.String?.sval ?? '');
}

/** `NULL` or `NULL::type`: a DEFAULT that fills nothing. */
function isNullConstant(node: Node | undefined): boolean {
  let current = node;
  while (current?.['TypeCast']) current = (current['TypeCast'] as { arg?: Node }).arg;
  return (current?.['A_Const'] as { isnull?: boolean } | undefined)?.isnull === true;
}

function toRecord(map: Map<string, string[]> | undefined): Record<string, string[]> | undefined {
  return map ? Object.fromEntries(map) : undefined;
}

function stronger(a: string, b: string): string {
  return pgLockStrength(a) >= pgLockStrength(b) ? a : b;
}

/**
 * Analyses one parsed statement. `sql` is the statement's own text; libpg-query locations in
 * `node` must be relative to it (parse the statement text on its own).
 */
export function analyseStatement(node: PgNode | undefined, sql: string): StatementAnalysis {
  const result: StatementAnalysis = { questions: [], locks: [], notInTransaction: undefined, transactionControl: false, writes: [], writesUnknown: false };
  if (!node) return result;
  const [kind, body] = Object.entries(node)[0] as [string, Node];
  switch (kind) {
    case 'TransactionStmt':
      result.transactionControl = true;
      break;
    case 'VacuumStmt':
      // ANALYZE shares the node (is_vacuumcmd absent) and may run in a transaction.
      if (body['is_vacuumcmd'] === true) result.notInTransaction = 'VACUUM cannot run inside a transaction block';
      break;
    case 'CreatedbStmt':
    case 'DropdbStmt':
    case 'CreateTableSpaceStmt':
    case 'DropTableSpaceStmt':
    case 'AlterSystemStmt':
      result.notInTransaction = `${kind.replace(/Stmt$/, '')} cannot run inside a transaction block`;
      break;
    case 'ReindexStmt': {
      const concurrent = JSON.stringify(body['params'] ?? []).includes('"concurrently"');
      if (concurrent) result.notInTransaction = 'REINDEX CONCURRENTLY cannot run inside a transaction block';
      break;
    }
    case 'DropStmt':
      if (body['concurrent']) result.notInTransaction = 'DROP INDEX CONCURRENTLY cannot run inside a transaction block';
      break;
    case 'IndexStmt':
      analyseIndex(body, sql, result);
      break;
    case 'AlterTableStmt':
      analyseAlterTable(body, sql, result);
      break;
    case 'CreateEnumStmt': {
      const typeName = names(body['typeName'] as { String?: { sval: string } }[]);
      const name = typeName.at(-1);
      if (name !== undefined) {
        const type = typeName.length > 1 ? { schema: typeName.at(-2), name } : { name };
        result.questions.push({ kind: 'create-enum', type, labels: names(body['vals'] as { String?: { sval: string } }[]) });
      }
      break;
    }
    case 'TruncateStmt':
      for (const rel of (body['relations'] as { RangeVar?: RangeVar }[] | undefined) ?? []) {
        if (rel.RangeVar) result.locks.push({ table: tableOf(rel.RangeVar), mode: 'AccessExclusiveLock', mayRewrite: true });
      }
      break;
    default:
      break;
  }
  result.writes.push(...writtenTables(node));
  result.writesUnknown = kind === 'DoStmt' || kind === 'CallStmt' || (kind === 'SelectStmt' && hasFunctionCall(body));
  return result;
}

const DML_NODES = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);

/** Tables written by DML anywhere in the tree: the statement itself, or a data-modifying WITH. */
function writtenTables(node: unknown): TableRef[] {
  if (Array.isArray(node)) return node.flatMap(writtenTables);
  if (!node || typeof node !== 'object') return [];
  const found: TableRef[] = [];
  for (const [key, value] of Object.entries(node as Node)) {
    if (DML_NODES.has(key)) {
      const rv = (value as Node)['relation'] as RangeVar | undefined;
      if (rv) found.push(tableOf(rv));
    }
    found.push(...writtenTables(value));
  }
  return found;
}

/** `SELECT fn()` may write anything: a function call anywhere in the SELECT. */
function hasFunctionCall(node: unknown): boolean {
  if (Array.isArray(node)) return node.some(hasFunctionCall);
  if (!node || typeof node !== 'object') return false;
  if ('FuncCall' in (node as Node)) return true;
  return Object.values(node as Node).some(hasFunctionCall);
}

function analyseIndex(body: Node, sql: string, result: StatementAnalysis): void {
  const rv = body['relation'] as RangeVar | undefined;
  if (!rv) return;
  const table = tableOf(rv);
  if (body['concurrent']) result.notInTransaction = 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block';
  result.locks.push({ table, mode: body['concurrent'] ? 'ShareUpdateExclusiveLock' : 'ShareLock', mayRewrite: false });
  if (!body['unique']) return;
  const params = (body['indexParams'] as { IndexElem?: { name?: string; expr?: Node; opclass?: unknown[]; collation?: unknown[] } }[]) ?? [];
  const keys: string[] = [];
  const labels: string[] = [];
  const elementTexts = indexElementTexts(sql);
  for (const [i, param] of params.entries()) {
    const elem = param.IndexElem;
    if (!elem) return;
    if (elem.name !== undefined) {
      keys.push(quoteIdent(elem.name));
      labels.push(elem.name);
    } else {
      const text = elementTexts?.[i];
      if (text === undefined) return;
      keys.push(`(${text})`);
      labels.push(text);
    }
  }
  const whereNode = body['whereClause'] as Node | undefined;
  const where = whereNode ? clauseText(sql, 0, [], 'WHERE') : undefined;
  result.questions.push({
    kind: 'unique',
    table,
    keys,
    labels,
    primaryKey: false,
    where,
    name: body['idxname'] as string | undefined,
    nullsNotDistinct: body['nulls_not_distinct'] === true,
  });
}

/** The element texts of `CREATE INDEX ... ON t [USING m] (a, lower(b) DESC)`, without sort options. */
function indexElementTexts(sql: string): string[] | undefined {
  const list = clauseText(sql, 0, [], '(');
  if (list === undefined) return undefined;
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  let quoted: string | undefined;
  for (const ch of list) {
    if (quoted) {
      current += ch;
      if (ch === quoted) quoted = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quoted = ch;
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim().replace(/\s+(ASC|DESC|NULLS\s+(FIRST|LAST))(\s+NULLS\s+(FIRST|LAST))?\s*$/i, ''));
}

function analyseAlterTable(body: Node, sql: string, result: StatementAnalysis): void {
  const rv = body['relation'] as RangeVar | undefined;
  if (!rv || body['objtype'] !== 'OBJECT_TABLE') return;
  const table = tableOf(rv);
  let lock = 'AccessShareLock';
  let mayRewrite = false;
  for (const item of (body['cmds'] as { AlterTableCmd?: AlterTableCmd }[]) ?? []) {
    const cmd = item.AlterTableCmd;
    if (!cmd) continue;
    const cmdLock = pgLockName(alterTableCommandLock(cmd as unknown as Node));
    switch (cmd.subtype) {
      case 'AT_SetNotNull':
        if (cmd.name) result.questions.push({ kind: 'not-null', table, column: cmd.name, via: 'set-not-null' });
        break;
      case 'AT_AddColumn': {
        const col = cmd.def?.ColumnDef;
        if (!col?.colname) break;
        const constraints = (col.constraints ?? []).flatMap((c) => (c.Constraint ? [c.Constraint] : []));
        const hasDefault = isSerial(col) || constraints.some((c) => (c.contype === 'CONSTR_DEFAULT' && !isNullConstant(c.raw_expr)) || c.contype === 'CONSTR_IDENTITY' || c.contype === 'CONSTR_GENERATED');
        if (constraints.some((c) => c.contype === 'CONSTR_NOTNULL' || c.contype === 'CONSTR_PRIMARY') && !hasDefault) {
          result.questions.push({ kind: 'not-null', table, column: col.colname, via: 'add-column' });
        }
        for (const con of constraints) {
          if (con.contype === 'CONSTR_FOREIGN' && con.pktable && hasDefault) {
            result.questions.push({
              kind: 'foreign-key',
              table,
              columns: [col.colname],
              refTable: tableOf(con.pktable),
              refColumns: con.pk_attrs ? names(con.pk_attrs) : undefined,
              notValid: con.skip_validation === true,
              name: con.conname,
              newColumn: true,
            });
          }
        }
        break;
      }
      case 'AT_AddConstraint': {
        const con = cmd.def?.Constraint;
        if (!con) break;
        const question = constraintQuestion(table, con, sql);
        if (question) result.questions.push(question);
        if (con.contype === 'CONSTR_FOREIGN' && con.pktable) {
          result.locks.push({ table: tableOf(con.pktable), mode: 'ShareRowExclusiveLock', mayRewrite: false });
        }
        break;
      }
      case 'AT_DetachPartition':
        if ((cmd.def as { PartitionCmd?: { concurrent?: boolean } } | undefined)?.PartitionCmd?.concurrent) {
          result.notInTransaction = 'ALTER TABLE ... DETACH PARTITION ... CONCURRENTLY cannot run inside a transaction block';
        }
        break;
      case 'AT_ValidateConstraint':
        if (cmd.name) result.questions.push({ kind: 'validate', table, constraint: cmd.name });
        break;
      case 'AT_DropConstraint':
        if (cmd.name) result.questions.push({ kind: 'drop-constraint', table, constraint: cmd.name });
        break;
      case 'AT_AlterColumnType': {
        const col = cmd.def?.ColumnDef;
        if (!cmd.name || !col) break;
        mayRewrite = true;
        const type = col.typeName?.location !== undefined ? typeText(sql, col.typeName.location) : undefined;
        const using = col.raw_default && col.location !== undefined ? usingExpressionText(sql, col.location) : undefined;
        if (type) result.questions.push({ kind: 'type-change', table, column: cmd.name, type, using });
        break;
      }
      default:
        break;
    }
    lock = stronger(lock, cmdLock);
  }
  result.locks.unshift({ table, mode: lock, mayRewrite });
}

function constraintQuestion(table: TableRef, con: Constraint, sql: string): Question | undefined {
  const notValid = con.skip_validation === true;
  switch (con.contype) {
    case 'CONSTR_CHECK': {
      const expression = con.location !== undefined ? checkExpressionText(sql, con.location) : undefined;
      if (expression === undefined) return undefined;
      const columns = [...new Set(columnRefs(con.raw_expr))];
      const constraint = con.conname ?? defaultCheckName(table.name, columns);
      return { kind: 'check', table, constraint, expression, notValid, values: toRecord(allowedValues(con.raw_expr)) };
    }
    case 'CONSTR_UNIQUE':
    case 'CONSTR_PRIMARY':
      if (con.indexname) return undefined;
      return {
        kind: 'unique',
        table,
        keys: names(con.keys).map(quoteIdent),
        labels: names(con.keys),
        primaryKey: con.contype === 'CONSTR_PRIMARY',
        name: con.conname,
        nullsNotDistinct: con.nulls_not_distinct === true,
      };
    case 'CONSTR_FOREIGN':
      if (!con.pktable) return undefined;
      return {
        kind: 'foreign-key',
        table,
        columns: names(con.fk_attrs),
        refTable: tableOf(con.pktable),
        refColumns: con.pk_attrs ? names(con.pk_attrs) : undefined,
        notValid,
        name: con.conname,
        newColumn: false,
        matchFull: con.fk_matchtype === 'f',
      };
    default:
      return undefined;
  }
}
