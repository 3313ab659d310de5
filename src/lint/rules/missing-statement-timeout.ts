/**
 * missing-statement-timeout: a statement that works through a whole existing table while holding a
 * lock that blocks writes (a rewrite, a validating scan, an index build), with no
 * `SET statement_timeout` earlier in the file. Reported once per file, at the first such statement.
 *
 * lock_timeout (missing-lock-timeout) bounds the wait for the lock; once the lock is granted only
 * statement_timeout bounds how long it is held. On a table bigger than expected the statement runs
 * for minutes and every write (or read) of the table waits behind it.
 *
 * Counted: ALTER TABLE subcommands that rewrite or scan the table (ALTER COLUMN TYPE, SET NOT NULL
 * unless a validated CHECK (col IS NOT NULL) proves it on PostgreSQL 12+, SET EXPRESSION, ADD CHECK /
 * FOREIGN KEY / NOT NULL without NOT VALID, ADD PRIMARY KEY / UNIQUE / EXCLUDE without USING INDEX,
 * ADD COLUMN that fills existing rows (a volatile default, serial, identity, a stored generated
 * column; any default before PostgreSQL 11) or carries a UNIQUE / PRIMARY KEY / CHECK, SET
 * TABLESPACE, SET LOGGED / UNLOGGED, SET ACCESS METHOD), CREATE INDEX without CONCURRENTLY,
 * REINDEX TABLE / INDEX without CONCURRENTLY, CLUSTER, VACUUM FULL and REFRESH MATERIALIZED VIEW
 * without CONCURRENTLY or WITH NO DATA. Statements that wait without blocking traffic (the
 * CONCURRENTLY forms, VALIDATE CONSTRAINT) are not.
 */
import { defineRule } from '../define-rule.js';
import { optionOn, qualifiedSql } from '../names.js';
import { declaredType } from '../columns.js';
import { columnFill, type ColumnDef, type ColumnFill } from './adding-volatile-default.js';
import { plainUsing, typeChangeVerdict } from './changing-column-type.js';
import type { LintState, QualifiedName } from '../types.js';

type Node = Record<string, unknown>;

interface RangeVar {
  schemaname?: string;
  relname: string;
  location?: number;
}

/** What the statement's lock blocks while it works: ACCESS EXCLUSIVE blocks reads too. */
type Blocks = 'reads and writes' | 'writes';

interface SlowWork {
  /** What the statement does, for the message: followed by the table's name. */
  what: string;
  blocks: Blocks;
  table: string;
  location?: number | undefined;
}

interface Slow {
  what: string;
  blocks: Blocks;
}

const REWRITES: Readonly<Record<string, string>> = {
  AT_AlterColumnType: 'ALTER COLUMN TYPE (unless it only widens the type) rewrites the whole of',
  AT_SetExpression: 'SET EXPRESSION rewrites the whole of',
  AT_SetTableSpace: 'SET TABLESPACE copies the whole of',
  AT_SetLogged: 'SET LOGGED rewrites the whole of',
  AT_SetUnLogged: 'SET UNLOGGED rewrites the whole of',
  AT_SetAccessMethod: 'SET ACCESS METHOD rewrites the whole of',
};

export default defineRule({
  id: 'missing-statement-timeout',
  severity: 'warning',
  level: 1,
  summary:
    'A statement that rewrites, scans or indexes a whole existing table under a write-blocking lock runs with no SET statement_timeout earlier in the file.',
  on: ['AlterTableStmt', 'IndexStmt', 'ReindexStmt', 'ClusterStmt', 'VacuumStmt', 'RefreshMatViewStmt'],
  check(ctx) {
    if (ctx.state.statementTimeoutSet || !ctx.node) return;
    if (ctx.fileMemory.get('reported') === true) return;
    const work = slowWork(ctx.statement.kind, ctx.node, ctx.state, ctx.pgVersion);
    if (work === undefined) return;
    ctx.fileMemory.set('reported', true);
    const local = ctx.state.inTransaction ? 'SET LOCAL statement_timeout' : 'SET statement_timeout';
    ctx.report({
      message: `${work.what} ${work.table} while holding a lock that blocks ${work.blocks} on it, and no statement_timeout is set in this file: on a table larger than expected the statement runs for minutes and traffic on ${work.table} queues behind it the whole time. (Reported once per file.)`,
      help: `Start the file with ${local} = '5min' (sized to the table) besides lock_timeout, so a statement that takes too long is cancelled and rolled back instead of blocking the table; for big tables prefer the forms that do not block (CREATE INDEX CONCURRENTLY, ADD CONSTRAINT ... NOT VALID then VALIDATE CONSTRAINT). If your migration runner already sets statement_timeout, suppress this rule in config.`,
      fix: `${local} = '5min';`,
      ...(work.location !== undefined ? { location: work.location } : {}),
    });
  },
});

function tableOf(rv: RangeVar): QualifiedName {
  return { schema: rv.schemaname, name: rv.relname };
}

/** The slow, traffic-blocking work the statement does on an existing table, if any. */
function slowWork(kind: string, node: Node, state: LintState, pgVersion: number): SlowWork | undefined {
  const on = (rv: RangeVar | undefined, slow: Slow | undefined): SlowWork | undefined => {
    if (slow === undefined || !rv?.relname) return undefined;
    const table = tableOf(rv);
    if (state.isNewTable(table)) return undefined;
    return { ...slow, table: qualifiedSql(table), location: rv.location };
  };
  const accessExclusive = (what: string): Slow => ({ what, blocks: 'reads and writes' });

  switch (kind) {
    case 'AlterTableStmt': {
      if (node['objtype'] !== 'OBJECT_TABLE' && node['objtype'] !== 'OBJECT_MATVIEW') return undefined;
      const relation = node['relation'] as RangeVar | undefined;
      if (!relation?.relname) return undefined;
      for (const item of (node['cmds'] as { AlterTableCmd?: Node }[] | undefined) ?? []) {
        const work = on(relation, slowCommand(item.AlterTableCmd, tableOf(relation), state, pgVersion));
        if (work !== undefined) return work;
      }
      return undefined;
    }
    case 'IndexStmt':
      return node['concurrent'] === true ? undefined : on(node['relation'] as RangeVar | undefined, { what: 'CREATE INDEX reads the whole of', blocks: 'writes' });
    case 'ReindexStmt': {
      if (optionOn(node['params'], 'concurrently')) return undefined;
      const relation = node['relation'] as RangeVar | undefined;
      if (node['kind'] === 'REINDEX_OBJECT_TABLE') return on(relation, accessExclusive('REINDEX rebuilds every index of'));
      if (node['kind'] === 'REINDEX_OBJECT_INDEX' && relation?.relname && !state.isNewIndex(tableOf(relation))) {
        // The index's table is not named: the index build reads all of it while writes wait.
        return { what: 'REINDEX INDEX rebuilds', blocks: 'writes', table: `index ${qualifiedSql(tableOf(relation))} from the whole of its table`, location: relation.location };
      }
      return undefined;
    }
    case 'ClusterStmt':
      return on(node['relation'] as RangeVar | undefined, accessExclusive('CLUSTER rewrites the whole of'));
    case 'VacuumStmt': {
      if (!optionOn(node['options'], 'full')) return undefined;
      for (const rel of (node['rels'] as { VacuumRelation?: { relation?: RangeVar } }[] | undefined) ?? []) {
        const work = on(rel.VacuumRelation?.relation, accessExclusive('VACUUM FULL rewrites the whole of'));
        if (work !== undefined) return work;
      }
      return undefined;
    }
    case 'RefreshMatViewStmt':
      if (node['concurrent'] === true || node['skipData'] === true) return undefined;
      return on(node['relation'] as RangeVar | undefined, accessExclusive('REFRESH MATERIALIZED VIEW recomputes the whole of'));
    default:
      return undefined;
  }
}

interface ColumnConstraint {
  contype?: string;
  raw_expr?: Node;
  generated_kind?: string;
  skip_validation?: boolean;
  indexname?: string;
}

/** What a slow ALTER TABLE subcommand does to the table ("... the whole of"), or undefined for a quick one. */
function slowCommand(cmd: Node | undefined, table: QualifiedName, state: LintState, pgVersion: number): Slow | undefined {
  if (cmd === undefined) return undefined;
  const subtype = String(cmd['subtype']);
  if (subtype === 'AT_AlterColumnType' && onlyWidens(cmd, table, state, pgVersion)) return undefined;
  const rewrite = REWRITES[subtype];
  if (rewrite !== undefined) return { what: rewrite, blocks: 'reads and writes' };
  if (subtype === 'AT_SetNotNull') {
    // PostgreSQL 12+ skips the scan when a validated CHECK (col IS NOT NULL) proves it.
    const column = cmd['name'] as string | undefined;
    if (pgVersion >= 12 && column !== undefined && state.hasNotNullCheck(table, column)) return undefined;
    return { what: 'SET NOT NULL scans the whole of', blocks: 'reads and writes' };
  }
  const def = cmd['def'] as Node | undefined;
  if (subtype === 'AT_AddConstraint') {
    const con = def?.['Constraint'] as ColumnConstraint | undefined;
    return con === undefined ? undefined : slowConstraint(con);
  }
  if (subtype === 'AT_AddColumn') {
    const column = def?.['ColumnDef'] as (ColumnDef & { constraints?: { Constraint?: ColumnConstraint }[] }) | undefined;
    if (column === undefined) return undefined;
    const fill = columnFill(column, pgVersion, state);
    if (fill !== undefined) return { what: `ADD COLUMN ${FILLS[fill.kind]} the whole of`, blocks: 'reads and writes' };
    // A new column without a DEFAULT clause is NULL in every row: PostgreSQL marks its REFERENCES
    // valid without checking a row (transformFKConstraints). Any DEFAULT clause, even DEFAULT
    // NULL, makes it check (seq_scan counted on PostgreSQL 15).
    const defaulted = (column.constraints ?? []).some((item) => item.Constraint?.contype === 'CONSTR_DEFAULT');
    for (const item of column.constraints ?? []) {
      const con = item.Constraint;
      if (con === undefined || con.contype === 'CONSTR_NOTNULL' || (con.contype === 'CONSTR_FOREIGN' && !defaulted)) continue;
      const slow = slowConstraint(con);
      if (slow !== undefined) return slow;
    }
  }
  return undefined;
}

/**
 * ALTER COLUMN ... TYPE that changes only the catalog: the run declared the old type and
 * changing-column-type's verdict is "no rewrite" (the session TimeZone is not followed here, so a
 * timestamp <-> timestamptz change still counts as a rewrite).
 */
function onlyWidens(cmd: Node, table: QualifiedName, state: LintState, pgVersion: number): boolean {
  const column = cmd['name'] as string | undefined;
  const def = (cmd['def'] as Node | undefined)?.['ColumnDef'] as (Parameters<typeof declaredType>[0] & { raw_default?: unknown }) | undefined;
  if (column === undefined || def?.typeName === undefined) return false;
  const from = state.columnType(table, column);
  return from !== undefined && typeChangeVerdict(from, declaredType(def), plainUsing(def, column), pgVersion, false) === 'no-rewrite';
}

/** How ADD COLUMN fills the table, by adding-volatile-default's reasons. */
const FILLS: Readonly<Record<ColumnFill['kind'], string>> = {
  serial: 'with a serial type fills',
  identity: '... GENERATED AS IDENTITY fills',
  stored: '... GENERATED ALWAYS AS ... STORED rewrites',
  default: 'with a DEFAULT (before PostgreSQL 11) rewrites',
  'volatile-default': 'with a volatile DEFAULT rewrites',
  'domain-check': 'of a domain with constraints rewrites',
};

/** A constraint added to an existing table that scans it or builds an index over it. */
function slowConstraint(con: ColumnConstraint): Slow | undefined {
  if (con.skip_validation === true) return undefined;
  switch (con.contype) {
    case 'CONSTR_CHECK':
      return { what: 'ADD CHECK without NOT VALID scans the whole of', blocks: 'reads and writes' };
    case 'CONSTR_NOTNULL':
      return { what: 'ADD CONSTRAINT ... NOT NULL scans the whole of', blocks: 'reads and writes' };
    case 'CONSTR_FOREIGN':
      return { what: 'ADD FOREIGN KEY without NOT VALID scans the whole of', blocks: 'writes' };
    case 'CONSTR_PRIMARY':
    case 'CONSTR_UNIQUE':
    case 'CONSTR_EXCLUSION':
      return con.indexname === undefined ? { what: 'ADD PRIMARY KEY / UNIQUE / EXCLUDE builds its index over the whole of', blocks: 'reads and writes' } : undefined;
    default:
      return undefined;
  }
}
