/**
 * missing-statement-timeout: a statement that works through a whole existing table while holding a
 * lock that blocks writes (a rewrite, a validating scan, an index build), with no
 * `SET statement_timeout` earlier in the file. Reported once per file, at the first such statement.
 *
 * lock_timeout (missing-lock-timeout) bounds the wait for the lock; once the lock is granted only
 * statement_timeout bounds how long it is held. On a table bigger than expected the statement runs
 * for minutes and every write (or read) of the table waits behind it.
 *
 * Counted: ALTER TABLE subcommands that rewrite or scan the table (ALTER COLUMN TYPE, SET NOT NULL,
 * ADD CHECK / FOREIGN KEY without NOT VALID, ADD PRIMARY KEY / UNIQUE / EXCLUDE without USING
 * INDEX, ADD COLUMN that fills existing rows (a volatile default, serial, identity, a stored
 * generated column; any default before PostgreSQL 11), SET TABLESPACE,
 * SET LOGGED / UNLOGGED, SET ACCESS METHOD), CREATE INDEX without CONCURRENTLY, REINDEX without
 * CONCURRENTLY, CLUSTER, VACUUM FULL and REFRESH MATERIALIZED VIEW without CONCURRENTLY. Statements
 * that wait without blocking traffic (the CONCURRENTLY forms, VALIDATE CONSTRAINT) are not.
 */
import { isSerialType } from '../columns.js';
import { defineRule } from '../define-rule.js';
import { qualifiedSql } from '../names.js';
import { firstVolatileCall, isNullConstant } from './adding-volatile-default.js';
import type { LintState, QualifiedName } from '../types.js';

type Node = Record<string, unknown>;

interface RangeVar {
  schemaname?: string;
  relname: string;
  location?: number;
}

interface SlowWork {
  /** What the statement does, for the message: followed by the table's name. */
  what: string;
  table: string;
  location?: number | undefined;
}

const REWRITES: Readonly<Record<string, string>> = {
  AT_AlterColumnType: 'ALTER COLUMN TYPE rewrites or scans the whole of',
  AT_SetNotNull: 'SET NOT NULL scans the whole of',
  AT_SetTableSpace: 'SET TABLESPACE copies the whole of',
  AT_SetLogged: 'SET LOGGED rewrites the whole of',
  AT_SetUnLogged: 'SET UNLOGGED rewrites the whole of',
  AT_SetAccessMethod: 'SET ACCESS METHOD rewrites the whole of',
};

export default defineRule({
  id: 'missing-statement-timeout',
  severity: 'warning',
  level: 3,
  summary:
    'A statement that rewrites, scans or indexes a whole existing table under a write-blocking lock runs with no SET statement_timeout earlier in the file.',
  on: ['AlterTableStmt', 'IndexStmt', 'ReindexStmt', 'ClusterStmt', 'VacuumStmt', 'RefreshMatViewStmt'],
  check(ctx) {
    if (ctx.state.statementTimeoutSet || !ctx.node) return;
    const key = `file:${ctx.file.path}`;
    if (ctx.memory.get(key) === true) return;
    const work = slowWork(ctx.statement.kind, ctx.node, ctx.state, ctx.pgVersion);
    if (work === undefined) return;
    ctx.memory.set(key, true);
    const local = ctx.state.inTransaction ? 'SET LOCAL statement_timeout' : 'SET statement_timeout';
    ctx.report({
      message: `${work.what} ${work.table} while holding a lock that blocks writes to it, and no statement_timeout is set in this file: on a table larger than expected the statement runs for minutes and traffic on ${work.table} queues behind it the whole time. (Reported once per file.)`,
      help: `Start the file with ${local} = '5min' (sized to the table) besides lock_timeout, so a statement that takes too long is cancelled and rolled back instead of blocking the table; for big tables prefer the forms that do not block (CREATE INDEX CONCURRENTLY, ADD CONSTRAINT ... NOT VALID then VALIDATE CONSTRAINT). If your migration runner already sets statement_timeout, suppress this rule in config.`,
      fix: `${local} = '5min';`,
      ...(work.location !== undefined ? { location: work.location } : {}),
    });
  },
});

function tableOf(rv: RangeVar): QualifiedName {
  return { schema: rv.schemaname, name: rv.relname };
}

/** The slow, write-blocking work the statement does on an existing table, if any. */
function slowWork(kind: string, node: Node, state: LintState, pgVersion: number): SlowWork | undefined {
  const existing = (rv: RangeVar | undefined): string | undefined => {
    if (!rv?.relname) return undefined;
    const table = tableOf(rv);
    return state.isNewTable(table) ? undefined : qualifiedSql(table);
  };
  const on = (rv: RangeVar | undefined, what: string): SlowWork | undefined => {
    const table = existing(rv);
    return table === undefined ? undefined : { what, table, location: rv?.location };
  };

  switch (kind) {
    case 'AlterTableStmt': {
      if (node['objtype'] !== 'OBJECT_TABLE' && node['objtype'] !== 'OBJECT_MATVIEW') return undefined;
      const relation = node['relation'] as RangeVar | undefined;
      for (const item of (node['cmds'] as { AlterTableCmd?: Node }[] | undefined) ?? []) {
        const what = slowCommand(item.AlterTableCmd, pgVersion);
        if (what !== undefined) return on(relation, what);
      }
      return undefined;
    }
    case 'IndexStmt':
      return node['concurrent'] === true ? undefined : on(node['relation'] as RangeVar | undefined, 'CREATE INDEX reads the whole of');
    case 'ReindexStmt': {
      const params = (node['params'] as { DefElem?: { defname?: string } }[] | undefined) ?? [];
      if (params.some((p) => p.DefElem?.defname === 'concurrently') || node['kind'] !== 'REINDEX_OBJECT_TABLE') return undefined;
      return on(node['relation'] as RangeVar | undefined, 'REINDEX rebuilds every index of');
    }
    case 'ClusterStmt':
      return on(node['relation'] as RangeVar | undefined, 'CLUSTER rewrites the whole of');
    case 'VacuumStmt': {
      const options = (node['options'] as { DefElem?: { defname?: string } }[] | undefined) ?? [];
      if (!options.some((o) => o.DefElem?.defname === 'full')) return undefined;
      for (const rel of (node['rels'] as { VacuumRelation?: { relation?: RangeVar } }[] | undefined) ?? []) {
        const work = on(rel.VacuumRelation?.relation, 'VACUUM FULL rewrites the whole of');
        if (work !== undefined) return work;
      }
      return undefined;
    }
    case 'RefreshMatViewStmt':
      return node['concurrent'] === true ? undefined : on(node['relation'] as RangeVar | undefined, 'REFRESH MATERIALIZED VIEW recomputes the whole of');
    default:
      return undefined;
  }
}

/** What a slow ALTER TABLE subcommand does to the table ("... the whole of"), or undefined for a quick one. */
function slowCommand(cmd: Node | undefined, pgVersion: number): string | undefined {
  if (cmd === undefined) return undefined;
  const subtype = String(cmd['subtype']);
  const rewrite = REWRITES[subtype];
  if (rewrite !== undefined) return rewrite;
  const def = cmd['def'] as Node | undefined;
  if (subtype === 'AT_AddConstraint') {
    const con = def?.['Constraint'] as { contype?: string; skip_validation?: boolean; indexname?: string } | undefined;
    if (con === undefined) return undefined;
    if ((con.contype === 'CONSTR_CHECK' || con.contype === 'CONSTR_FOREIGN') && con.skip_validation !== true) {
      return `ADD ${con.contype === 'CONSTR_CHECK' ? 'CHECK' : 'FOREIGN KEY'} without NOT VALID scans the whole of`;
    }
    if ((con.contype === 'CONSTR_PRIMARY' || con.contype === 'CONSTR_UNIQUE' || con.contype === 'CONSTR_EXCLUSION') && con.indexname === undefined) {
      return 'ADD PRIMARY KEY / UNIQUE / EXCLUDE builds its index over the whole of';
    }
    return undefined;
  }
  if (subtype === 'AT_AddColumn') {
    const column = def?.['ColumnDef'] as
      | { typeName?: { names?: { String?: { sval?: string } }[] }; constraints?: { Constraint?: { contype?: string; raw_expr?: Node; generated_kind?: string } }[] }
      | undefined;
    if (isSerialType(column?.typeName?.names?.at(-1)?.String?.sval ?? '')) return 'ADD COLUMN with a serial type fills every row of';
    for (const item of column?.constraints ?? []) {
      const con = item.Constraint;
      if (con?.contype === 'CONSTR_IDENTITY') return 'ADD COLUMN ... GENERATED AS IDENTITY fills every row of';
      if (con?.contype === 'CONSTR_GENERATED' && con.generated_kind !== 'v') return 'ADD COLUMN ... GENERATED ALWAYS AS ... STORED rewrites the whole of';
      if (con?.contype === 'CONSTR_DEFAULT' && con.raw_expr !== undefined && !isNullConstant(con.raw_expr)) {
        if (pgVersion < 11 || firstVolatileCall(con.raw_expr) !== undefined) return 'ADD COLUMN with this DEFAULT rewrites the whole of';
      }
    }
  }
  return undefined;
}
