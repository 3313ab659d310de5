/**
 * Running one migration statement with instruments: the relation locks our own backend holds
 * (pg_locks), the relfilenode of every user relation before and after (a change means the
 * statement rewrote or truncated it), rows affected and duration.
 */
import { DatabaseError } from '../errors.js';
import { pgLockStrength } from '../migrations/locks.js';
import type { Queryable } from '../db/types.js';
import type { LockTaken, Rewrite } from './types.js';

const RELKINDS: Record<string, string> = {
  r: 'table',
  p: 'partitioned table',
  i: 'index',
  I: 'partitioned index',
  S: 'sequence',
  v: 'view',
  m: 'materialized view',
  f: 'foreign table',
  t: 'toast table',
};

const USER_RELATIONS = `c.relnamespace NOT IN (SELECT oid FROM pg_namespace WHERE nspname IN ('pg_catalog', 'information_schema') OR nspname LIKE 'pg\\_toast%' OR nspname LIKE 'pg\\_temp%')`;

/**
 * `oid|mode` → lock, for relation locks of this backend on user relations. `names` (oid → name
 * from before the statement) names relations the statement dropped; locks on relations that
 * existed neither before nor after (the transient heap of a rewrite) are left out.
 */
export async function heldLocks(db: Queryable, names: ReadonlyMap<number, { relation: string; relationKind: string }> = new Map()): Promise<Map<string, LockTaken>> {
  const { rows } = await db.query<{ oid: number; relation: string | null; relkind: string | null; mode: string }>(
    `SELECT l.relation::int AS oid, c.oid::regclass::text AS relation, c.relkind::text AS relkind, l.mode
       FROM pg_locks l LEFT JOIN pg_class c ON c.oid = l.relation
      WHERE l.pid = pg_backend_pid() AND l.locktype = 'relation' AND l.granted
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND (c.oid IS NULL OR ${USER_RELATIONS})`,
  );
  const locks = new Map<string, LockTaken>();
  for (const row of rows) {
    const known = row.relation === null ? names.get(row.oid) : undefined;
    if (row.relation === null && !known) continue;
    const lock = known
      ? { relation: known.relation, relationKind: `${known.relationKind}, dropped`, mode: row.mode }
      : { relation: row.relation!, relationKind: RELKINDS[row.relkind ?? ''] ?? 'relation', mode: row.mode };
    locks.set(`${row.oid}|${lock.mode}`, lock);
  }
  return locks;
}

/** oid → relfilenode (and name, kind) of every user relation with storage. */
export async function relfilenodes(db: Queryable): Promise<Map<number, { node: number; relation: string; relationKind: string }>> {
  const { rows } = await db.query<{ oid: number; node: number; relation: string; relkind: string }>(
    `SELECT c.oid::int AS oid, c.relfilenode::int AS node, c.oid::regclass::text AS relation, c.relkind::text AS relkind
       FROM pg_class c WHERE c.relfilenode <> 0 AND c.relkind IN ('r', 'i', 'm', 't', 'S') AND ${USER_RELATIONS}`,
  );
  return new Map(rows.map((r) => [r.oid, { node: r.node, relation: r.relation, relationKind: RELKINDS[r.relkind] ?? 'relation' }]));
}

export interface StatementRun {
  ok: boolean;
  error?: DatabaseError | Error;
  rowsAffected: number | null;
  durationMs: number;
  locks: LockTaken[];
  rewrites: Rewrite[];
}

const DML = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt']);


/**
 * Runs `sql` on `db` (which must be inside a transaction, so locks stay visible until the end),
 * in a savepoint so a failure leaves the transaction usable, and records what it did.
 * Locks are those not held before the statement.
 */
export async function runInstrumented(db: Queryable, sql: string, kind: string): Promise<StatementRun> {
  const nodesBefore = await relfilenodes(db);
  const locksBefore = await heldLocks(db, nodesBefore);
  await db.exec('SAVEPOINT prodguard_statement');
  const started = performance.now();
  let rowsAffected: number | null = null;
  try {
    const result = await db.query(sql);
    if (DML.has(kind)) rowsAffected = result.rowCount;
  } catch (error) {
    const durationMs = performance.now() - started;
    await db.exec('ROLLBACK TO SAVEPOINT prodguard_statement; RELEASE SAVEPOINT prodguard_statement');
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)), rowsAffected, durationMs, locks: [], rewrites: [] };
  }
  const durationMs = performance.now() - started;
  await db.exec('RELEASE SAVEPOINT prodguard_statement');
  const locksAfter = await heldLocks(db, nodesBefore);
  const nodesAfter = await relfilenodes(db);
  const locks = [...locksAfter.entries()]
    .filter(([key]) => !locksBefore.has(key))
    .map(([, lock]) => lock)
    .sort((a, b) => pgLockStrength(b.mode) - pgLockStrength(a.mode) || a.relation.localeCompare(b.relation));
  const rewrites: Rewrite[] = [];
  for (const [oid, before] of nodesBefore) {
    const after = nodesAfter.get(oid);
    if (after && after.node !== before.node) rewrites.push({ relation: after.relation, relationKind: after.relationKind });
  }
  return { ok: true, rowsAffected, durationMs, locks, rewrites };
}
