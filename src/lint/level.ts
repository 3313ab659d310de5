/**
 * Safety level of a statement from its kind: 1 = no schema or data change, 2 = additive only,
 * 3 = modifies or removes. A file's level is the highest of its statements and of the rules that
 * fired in it. Unknown statement kinds count as 3: a reviewer should look at them.
 */
import type { ParsedStatement } from '../migrations/types.js';
import { modifyingStatements } from './dml.js';
import { rangeVarName } from './names.js';
import type { LintState, SafetyLevel } from './types.js';

type Node = Record<string, unknown>;

const NO_CHANGE = new Set([
  'SelectStmt',
  'VariableSetStmt',
  'VariableShowStmt',
  'TransactionStmt',
  'ExplainStmt',
  'VacuumStmt',
  'LockStmt',
  'CheckPointStmt',
  'NotifyStmt',
  'ListenStmt',
  'UnlistenStmt',
  'DiscardStmt',
  'ReindexStmt',
  'ClusterStmt',
  'LoadStmt',
  'ConstraintsSetStmt',
  'DeclareCursorStmt',
  'FetchStmt',
  'ClosePortalStmt',
  'PrepareStmt',
  'DeallocateStmt',
]);

const ADDITIVE = new Set([
  'CreateStmt',
  'CreateTableAsStmt',
  'IndexStmt',
  'CreateEnumStmt',
  'CompositeTypeStmt',
  'CreateRangeStmt',
  'CreateDomainStmt',
  'CreateSeqStmt',
  'CreateSchemaStmt',
  'CreateExtensionStmt',
  'CreatePolicyStmt',
  'CreateRoleStmt',
  'CommentStmt',
  'AlterDefaultPrivilegesStmt',
  'CreatePublicationStmt',
  'CreateCastStmt',
  'DefineStmt',
  'CreateEventTrigStmt',
  'CreateStatsStmt',
  'CreateForeignTableStmt',
  'CreateForeignServerStmt',
  'CreateFdwStmt',
  'CreateOpClassStmt',
  'CreateConversionStmt',
  'CreateTransformStmt',
  'CreatePLangStmt',
  'CreateAmStmt',
  'CreateUserMappingStmt',
  'CreateSubscriptionStmt',
  'CreateTableSpaceStmt',
  'CreatedbStmt',
  'RefreshMatViewStmt',
  'SecLabelStmt',
]);

/** True when ADD COLUMN can fail or rewrite existing rows (NOT NULL / PRIMARY KEY without a default). */
function addColumnNeedsValues(columnDef: Node | undefined): boolean {
  const constraints = (columnDef?.['constraints'] as { Constraint?: Node }[] | undefined) ?? [];
  let notNull = false;
  let filled = false;
  for (const item of constraints) {
    switch (item.Constraint?.['contype']) {
      case 'CONSTR_NOTNULL':
      case 'CONSTR_PRIMARY':
        notNull = true;
        break;
      case 'CONSTR_DEFAULT':
      case 'CONSTR_IDENTITY':
      case 'CONSTR_GENERATED':
        filled = true;
        break;
      default:
        break;
    }
  }
  return notNull && !filled;
}

function alterTableLevel(node: Node, state: LintState): SafetyLevel {
  const table = rangeVarName(node['relation']);
  if (table !== undefined && state.isNewTable(table)) return 2;
  const cmds = (node['cmds'] as { AlterTableCmd?: Node }[] | undefined) ?? [];
  if (cmds.length === 0) return 3;
  for (const item of cmds) {
    const cmd = item.AlterTableCmd;
    if (cmd?.['subtype'] !== 'AT_AddColumn') return 3;
    if (addColumnNeedsValues((cmd['def'] as Node | undefined)?.['ColumnDef'] as Node | undefined)) return 3;
  }
  return 2;
}

/** The level of the data-modifying statements a statement runs (WITH clauses, EXPLAIN ANALYZE, COPY (query), CREATE TABLE AS). */
function dataChangeLevel(kind: string, node: Node | undefined): SafetyLevel {
  if (node === undefined) return 1;
  if (modifyingStatements(kind, node, 'DeleteStmt').length > 0) return 3;
  if (modifyingStatements(kind, node, 'UpdateStmt').length > 0) return 3;
  if (modifyingStatements(kind, node, 'MergeStmt').length > 0) return 3;
  return modifyingStatements(kind, node, 'InsertStmt').length > 0 ? 2 : 1;
}

/** Statement kinds that can run data-modifying statements of their own. */
const RUNS_QUERIES = new Set(['SelectStmt', 'InsertStmt', 'ExplainStmt', 'CopyStmt', 'CreateTableAsStmt']);

export function statementLevel(statement: ParsedStatement, state: LintState): SafetyLevel {
  const level = kindLevel(statement, state);
  if (level === 3 || !RUNS_QUERIES.has(statement.kind)) return level;
  const changed = dataChangeLevel(statement.kind, statement.node?.[statement.kind] as Node | undefined);
  return changed > level ? changed : level;
}

function kindLevel(statement: ParsedStatement, state: LintState): SafetyLevel {
  const kind = statement.kind;
  if (NO_CHANGE.has(kind)) {
    if (kind === 'SelectStmt') {
      const node = statement.node?.[kind] as Node | undefined;
      if (node?.['intoClause'] !== undefined) return 2;
    }
    return 1;
  }
  if (ADDITIVE.has(kind)) return 2;
  const node = statement.node?.[kind] as Node | undefined;
  if (node === undefined) return 3;
  switch (kind) {
    case 'ViewStmt':
    case 'CreateFunctionStmt':
    case 'CreateTrigStmt':
      return node['replace'] === true ? 3 : 2;
    case 'RuleStmt':
      return node['replace'] === true ? 3 : 2;
    case 'InsertStmt': {
      const conflict = node['onConflictClause'] as Node | undefined;
      return conflict?.['action'] === 'ONCONFLICT_UPDATE' ? 3 : 2;
    }
    case 'GrantStmt':
    case 'GrantRoleStmt':
      return node['is_grant'] === true ? 2 : 3;
    case 'AlterEnumStmt':
      return node['oldVal'] === undefined ? 2 : 3;
    case 'CopyStmt':
      return node['is_from'] === true ? 2 : 1;
    case 'AlterTableStmt':
      return alterTableLevel(node, state);
    default:
      return 3;
  }
}
