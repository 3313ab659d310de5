/**
 * missing-lock-timeout: a statement that needs a write-blocking lock on an existing table, with no
 * `SET lock_timeout` earlier in the file. Reported once per file, at the first such statement.
 *
 * The danger is the lock *queue*: a statement waiting for its lock (behind a long query or an idle
 * open transaction) blocks every later conflicting request on the table. Which statements count:
 *
 * - ACCESS EXCLUSIVE (blocks reads and writes): most ALTER TABLE forms, DROP TABLE, TRUNCATE,
 *   RENAME, SET SCHEMA, DROP INDEX / DROP TRIGGER, CREATE / ALTER / DROP POLICY, CREATE / DROP
 *   RULE, REINDEX, CLUSTER, VACUUM FULL, REFRESH MATERIALIZED VIEW, and the table an ATTACH
 *   PARTITION attaches;
 * - SHARE ROW EXCLUSIVE (blocks writes): ADD FOREIGN KEY (on both tables, NOT VALID or not),
 *   CREATE TRIGGER, ENABLE/DISABLE TRIGGER, and CREATE TABLE ... REFERENCES an existing table;
 * - SHARE (blocks writes): CREATE INDEX without CONCURRENTLY;
 * - LOCK TABLE in SHARE mode or stronger.
 *
 * SHARE UPDATE EXCLUSIVE forms (VALIDATE CONSTRAINT, SET STATISTICS, storage parameters,
 * CLUSTER ON, ATTACH PARTITION on the parent, DETACH PARTITION CONCURRENTLY, the CONCURRENTLY
 * index commands) do not block reads or writes, so they are not flagged.
 */
import { alterTableCommandLock, LOCK_MODES, type LockMode } from '../../migrations/locks.js';
import { defineRule } from '../define-rule.js';
import { optionOn, qualifiedSql } from '../names.js';
import type { LintState, QualifiedName } from '../types.js';

type Node = Record<string, unknown>;

const MODES = LOCK_MODES;

interface RangeVar {
  schemaname?: string;
  relname: string;
  location?: number;
}

interface LockNeed {
  mode: LockMode;
  /** What is locked, as SQL. */
  target: string;
  location?: number | undefined;
}

const WRITE_BLOCKING = MODES.indexOf('SHARE');

export default defineRule({
  id: 'missing-lock-timeout',
  severity: 'warning',
  level: 1,
  summary:
    'A statement that needs a write-blocking lock on an existing table runs with no SET lock_timeout earlier in the file.',
  check(ctx) {
    if (ctx.state.lockTimeoutSet || !ctx.node) return;
    if (ctx.fileMemory.get('reported') === true) return;
    const needs = lockNeeds(ctx.statement.kind, ctx.node, ctx.state);
    const strongest = needs
      .filter((n) => MODES.indexOf(n.mode) >= WRITE_BLOCKING)
      .sort((a, b) => MODES.indexOf(b.mode) - MODES.indexOf(a.mode))[0];
    if (!strongest) return;
    ctx.fileMemory.set('reported', true);
    const blocked =
      strongest.mode === 'ACCESS EXCLUSIVE'
        ? 'every read and write'
        : strongest.mode === 'EXCLUSIVE'
          ? 'every write and most reads'
          : 'every INSERT, UPDATE and DELETE';
    const local = ctx.state.inTransaction ? 'SET LOCAL lock_timeout' : 'SET lock_timeout';
    ctx.report({
      message: `This statement needs ${strongest.mode.startsWith('SHARE') ? 'a' : 'an'} ${strongest.mode} lock on ${strongest.target} and no lock_timeout is set in this file: if a long query or an idle open transaction holds a lock on it, the statement waits indefinitely and ${blocked} on ${strongest.target} queues behind it until it gets the lock. (Reported once per file.)`,
      help: `Start the file with ${local} = '2s' (and a statement_timeout) so the statement gives up instead of stalling traffic; retry the migration when it times out. If your migration runner already sets lock_timeout for every session, suppress this rule in config.`,
      fix: `${local} = '2s';`,
      ...(strongest.location !== undefined ? { location: strongest.location } : {}),
    });
  },
});

function lockNeeds(kind: string, node: Node, state: LintState): LockNeed[] {
  const onTable = (rv: RangeVar | undefined, mode: LockMode): LockNeed[] => {
    if (!rv?.relname) return [];
    const table = tableOf(rv);
    return state.isNewTable(table) ? [] : [{ mode, target: qualifiedSql(table), location: rv.location }];
  };

  switch (kind) {
    case 'AlterTableStmt': {
      const objtype = node['objtype'];
      if (objtype !== 'OBJECT_TABLE' && objtype !== 'OBJECT_MATVIEW' && objtype !== 'OBJECT_FOREIGN_TABLE') return [];
      const relation = node['relation'] as RangeVar | undefined;
      const needs: LockNeed[] = [];
      for (const item of (node['cmds'] as { AlterTableCmd?: Node }[] | undefined) ?? []) {
        const cmd = item.AlterTableCmd;
        if (!cmd) continue;
        const referenced = foreignKeys(cmd['def'] as Node | undefined);
        needs.push(...onTable(relation, alterTableCommandLock(cmd)));
        for (const fk of referenced) needs.push(...onTable(fk, 'SHARE ROW EXCLUSIVE'));
        // The table being attached is locked ACCESS EXCLUSIVE (the parent only SHARE UPDATE EXCLUSIVE).
        if (cmd['subtype'] === 'AT_AttachPartition') {
          needs.push(...onTable((cmd['def'] as { PartitionCmd?: { name?: RangeVar } } | undefined)?.PartitionCmd?.name, 'ACCESS EXCLUSIVE'));
        }
      }
      return needs;
    }
    case 'RenameStmt': {
      const renameType = node['renameType'];
      if (!['OBJECT_TABLE', 'OBJECT_COLUMN', 'OBJECT_TABCONSTRAINT', 'OBJECT_TRIGGER'].includes(String(renameType))) return [];
      if (renameType === 'OBJECT_COLUMN' && node['relationType'] !== 'OBJECT_TABLE') return [];
      return onTable(node['relation'] as RangeVar | undefined, 'ACCESS EXCLUSIVE');
    }
    case 'DropStmt': {
      const removeType = node['removeType'];
      const objects = ((node['objects'] as { List?: { items?: { String?: { sval: string } }[] } }[] | undefined) ?? []).map(
        (o) => (o.List?.items ?? []).map((i) => i.String?.sval ?? ''),
      );
      if (removeType === 'OBJECT_TABLE') {
        return objects.flatMap((parts) => onTable(rangeVar(parts), 'ACCESS EXCLUSIVE'));
      }
      if (removeType === 'OBJECT_TRIGGER' || removeType === 'OBJECT_POLICY' || removeType === 'OBJECT_RULE') {
        return objects.flatMap((parts) => onTable(rangeVar(parts.slice(0, -1)), 'ACCESS EXCLUSIVE'));
      }
      if (removeType === 'OBJECT_INDEX' && node['concurrent'] !== true) {
        return objects
          .map(rangeVar)
          .filter((index) => !state.isNewIndex(tableOf(index)))
          .map((index) => ({ mode: 'ACCESS EXCLUSIVE' as const, target: `the table of index ${qualifiedSql(tableOf(index))}` }));
      }
      return [];
    }
    case 'TruncateStmt':
      return ((node['relations'] as { RangeVar?: RangeVar }[] | undefined) ?? []).flatMap((r) =>
        onTable(r.RangeVar, 'ACCESS EXCLUSIVE'),
      );
    case 'CreateTrigStmt':
      return onTable(node['relation'] as RangeVar | undefined, 'SHARE ROW EXCLUSIVE');
    case 'CreatePolicyStmt':
    case 'AlterPolicyStmt':
      return onTable(node['table'] as RangeVar | undefined, 'ACCESS EXCLUSIVE');
    case 'RuleStmt':
      return onTable(node['relation'] as RangeVar | undefined, 'ACCESS EXCLUSIVE');
    case 'AlterObjectSchemaStmt':
      return node['objectType'] === 'OBJECT_TABLE' ? onTable(node['relation'] as RangeVar | undefined, 'ACCESS EXCLUSIVE') : [];
    case 'IndexStmt':
      return node['concurrent'] === true ? [] : onTable(node['relation'] as RangeVar | undefined, 'SHARE');
    case 'ReindexStmt': {
      if (optionOn(node['params'], 'concurrently')) return [];
      const relation = node['relation'] as RangeVar | undefined;
      if (node['kind'] === 'REINDEX_OBJECT_TABLE') return onTable(relation, 'ACCESS EXCLUSIVE');
      if (node['kind'] === 'REINDEX_OBJECT_INDEX' && relation && !state.isNewIndex(tableOf(relation))) {
        return [{ mode: 'ACCESS EXCLUSIVE', target: `index ${qualifiedSql(tableOf(relation))}`, location: relation.location }];
      }
      return [];
    }
    case 'ClusterStmt':
      return onTable(node['relation'] as RangeVar | undefined, 'ACCESS EXCLUSIVE');
    case 'VacuumStmt': {
      if (!optionOn(node['options'], 'full')) return [];
      return ((node['rels'] as { VacuumRelation?: { relation?: RangeVar } }[] | undefined) ?? []).flatMap((r) =>
        onTable(r.VacuumRelation?.relation, 'ACCESS EXCLUSIVE'),
      );
    }
    case 'RefreshMatViewStmt':
      return node['concurrent'] === true ? [] : onTable(node['relation'] as RangeVar | undefined, 'ACCESS EXCLUSIVE');
    case 'LockStmt': {
      const mode = MODES[Number(node['mode']) - 1];
      if (!mode) return [];
      return ((node['relations'] as { RangeVar?: RangeVar }[] | undefined) ?? []).flatMap((r) => onTable(r.RangeVar, mode));
    }
    case 'CreateStmt': {
      const needs: LockNeed[] = [];
      for (const elt of (node['tableElts'] as Node[] | undefined) ?? []) {
        for (const fk of foreignKeys(elt)) needs.push(...onTable(fk, 'SHARE ROW EXCLUSIVE'));
      }
      return needs;
    }
    default:
      return [];
  }
}

/** Referenced tables of FOREIGN KEY constraints in a table element, column definition or constraint. */
function foreignKeys(node: Node | undefined): RangeVar[] {
  if (!node) return [];
  const constraint = node['Constraint'] as { contype?: string; pktable?: RangeVar } | undefined;
  if (constraint) return constraint.contype === 'CONSTR_FOREIGN' && constraint.pktable ? [constraint.pktable] : [];
  const column = node['ColumnDef'] as { constraints?: Node[] } | undefined;
  return (column?.constraints ?? []).flatMap(foreignKeys);
}

function rangeVar(parts: string[]): RangeVar {
  return parts.length > 1 ? { schemaname: parts[parts.length - 2], relname: parts.at(-1) ?? '' } : { relname: parts[0] ?? '' };
}

function tableOf(rv: RangeVar): QualifiedName {
  return { schema: rv.schemaname, name: rv.relname };
}

