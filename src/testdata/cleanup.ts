/**
 * Deletes stale test rows without touching real data.
 *
 * 1. Plan (one READ ONLY, REPEATABLE READ snapshot, row_security off): per configured table,
 *    children before parents (foreign keys from pg_constraint, also those into its partitions and
 *    inheritance children), the candidates (marker set, created before the cutoff) and the
 *    candidates that must stay because a row that is not being deleted references them — a
 *    non-test row, a newer test row, or a row of a table outside `testData.tables` — reported with
 *    the referencing table and key; and the DELETE triggers and rules that would fire.
 * 2. Delete (unless a dry run; refused while an unapproved trigger or rule would fire), table by
 *    table, in keyset batches (`ORDER BY key`, `key > last`, so no batch rescans the dead index
 *    entries of the ones before). Each batch is its own short transaction with lock_timeout and
 *    row_security off (restored before the connection goes back to the pool); on a referenced table it first locks the batch's rows
 *    (`FOR UPDATE`, which makes new referencing inserts wait) and then deletes
 *    `WHERE key = ANY($1) AND <marker> AND <older than cutoff> AND NOT EXISTS (<a referencing row>)`
 *    in a new statement that sees every committed reference: a row that stopped being test
 *    data, or gained a reference, in between survives, and no ON DELETE CASCADE / SET NULL ever
 *    reaches a row that is not being deleted. A table that references itself deletes closed sets
 *    (closeBatch). Plain tables are read and deleted with ONLY.
 * 3. Audit: a row in `prodguard.cleanup_log` at the start (a dry run writes nothing unless the log
 *    exists and is writable; a real run refuses without it), updated at the end.
 */
import { randomUUID } from 'node:crypto';
import type { EnvironmentKind } from '../config/schema.js';
import { quoteIdent } from '../db/introspect.js';
import type { Db, Queryable } from '../db/types.js';
import { ConnectionError, DatabaseError, RefusedError } from '../errors.js';
import { defaultMarkedBy } from '../identity/environment.js';
import { assertTestDataAllowed, assertTriggersAllowed } from './guard.js';
import { cleanupLogWritable, ensureCleanupLog, logCleanupEnd, logCleanupStart } from './log.js';
import { ONE_SNAPSHOT, type TestDataSettings } from './settings.js';
import { isoSql, keyText } from './summary.js';
import { childrenFirst, createdAtSql, type DeleteTrigger, deleteTriggers, type ForeignKey, foreignKeysInto, joinCondition, resolveTables, type TableInfo, tableProblem } from './tables.js';

export interface CleanupOptions {
  /** Default true: nothing is deleted, the plan is returned (and logged as a dry run). */
  dryRun?: boolean | undefined;
  /** Delete test rows older than this; default `retentionHours`. */
  olderThanHours?: number | undefined;
  /** Delete at most this many rows in all. */
  limit?: number | undefined;
  batchSize?: number | undefined;
  lockTimeoutMs?: number | undefined;
  /** Only these configured tables (default all of `testData.tables`). */
  tables?: readonly string[] | undefined;
  /** Recorded in the log; default `user@host`. */
  who?: string | undefined;
  /** The kind of the config environment the target came from (second production signal). */
  environmentKind?: EnvironmentKind | undefined;
  /** Blocked rows reported per table (all are kept either way); default 100. */
  reportLimit?: number | undefined;
  onProgress?: ((progress: CleanupProgress) => void) | undefined;
  /**
   * Called with each batch's keys after they were listed and before they are deleted. For tests
   * that race the cleanup (flip a row to real data in between) and for tracing.
   */
  beforeDelete?: ((table: string, keys: string[]) => Promise<void> | void) | undefined;
}

export interface CleanupProgress {
  table: string;
  deleted: number;
  /** Candidates in this table at planning time. */
  candidates: number;
  totalDeleted: number;
  totalCandidates: number;
}

export interface BlockedRow {
  table: string;
  key: string;
  /** The row that references it and is not being deleted. */
  referencedBy: { table: string; key: string; constraint: string; isTestRow: boolean };
}

export interface TableCleanup {
  table: string;
  /** Test rows older than the cutoff at planning time. */
  candidates: number;
  /** Candidates kept because something that stays references them. */
  blocked: number;
  /** At most `reportLimit` of them, with what references them. */
  blockedRows: BlockedRow[];
  /** Rows this run deleted (0 in a dry run). */
  deleted: number;
  /** What a dry run would delete: candidates − blocked (capped by `limit`). */
  wouldDelete: number;
  /** Batches skipped after repeated lock timeouts (their rows stay for the next run). */
  skippedBatches: number;
  /** Why the table was not cleaned (no marker, no primary key, ...). */
  problem: string | null;
}

export interface CleanupResult {
  runId: string;
  dryRun: boolean;
  /** ISO 8601 UTC, database clock: rows created before this are stale. */
  cutoff: string;
  olderThanHours: number;
  tables: TableCleanup[];
  candidates: number;
  blocked: number;
  deleted: number;
  wouldDelete: number;
  batches: number;
  /** Duration of the longest batch transaction, in milliseconds. */
  longestBatchMs: number;
  /**
   * User triggers and rules that fire on these deletes. Deleting refuses unless each is named in
   * `testData.allowDeleteTriggers`; a dry run reports them.
   */
  triggers: (DeleteTrigger & { allowed: boolean })[];
  problems: string[];
  /** Things that did not stop the run: a dry run that could not be logged, a log row not closed. */
  warnings: string[];
}

interface PlannedTable {
  info: TableInfo;
  result: TableCleanup;
  /** Foreign keys that reference this table. */
  referencedBy: ForeignKey[];
  blockedKeys: Set<string>;
}

/**
 * Plans and (with `dryRun: false`) runs a cleanup of stale test rows.
 *
 * Never deletes a row whose marker is false, never deletes a test row that a kept row references,
 * never lets a cascade reach a kept row. Refuses a production database unless
 * `allowOnProduction` (deleting runs only).
 *
 * @throws RefusedError on production without opt-in; ConnectionError / DatabaseError when the
 *   database fails mid-run (the log row then says `failed` when it can still be written; every
 *   committed batch stays deleted, a rerun finishes the job).
 * @example
 * const plan = await cleanupTestData(db, settings);                   // dry run
 * const done = await cleanupTestData(db, settings, { dryRun: false }); // delete
 */
export async function cleanupTestData(db: Db, settings: TestDataSettings, options: CleanupOptions = {}): Promise<CleanupResult> {
  const dryRun = options.dryRun ?? true;
  const olderThanHours = options.olderThanHours ?? settings.retentionHours;
  if (!dryRun) await assertTestDataAllowed(db, settings, 'delete test data', options.environmentKind);

  const plan = await db.transaction((tx) => planCleanup(tx, settings, olderThanHours, options), ONE_SNAPSHOT);
  const runId = randomUUID();
  const result: CleanupResult = {
    runId,
    dryRun,
    cutoff: plan.cutoff,
    olderThanHours,
    tables: plan.tables.map((t) => t.result),
    candidates: sum(plan.tables.map((t) => t.result.candidates)),
    blocked: sum(plan.tables.map((t) => t.result.blocked)),
    deleted: 0,
    wouldDelete: 0,
    batches: 0,
    longestBatchMs: 0,
    triggers: plan.triggers.map((t) => ({ ...t, allowed: settings.allowDeleteTriggers.includes(t.name) })),
    problems: plan.problems,
    warnings: [],
  };
  if (!dryRun) assertTriggersAllowed(plan.triggers, settings, 'delete test data');
  let budget = options.limit ?? Number.POSITIVE_INFINITY;
  for (const t of plan.tables) {
    t.result.wouldDelete = Math.max(0, Math.min(budget, t.result.candidates - t.result.blocked));
    budget -= t.result.wouldDelete;
  }
  result.wouldDelete = sum(plan.tables.map((t) => t.result.wouldDelete));

  const start = {
    runId,
    who: options.who ?? defaultMarkedBy(),
    dryRun,
    olderThanHours,
    tables: plan.tables.map((t) => t.info.qualified),
    counted: Object.fromEntries(plan.tables.map((t) => [t.info.qualified, t.result.candidates])),
    blocked: Object.fromEntries(plan.tables.map((t) => [t.info.qualified, t.result.blocked])),
  };
  if (dryRun) {
    // Strictly read-only: logged when the log exists and this role may write it, else a warning.
    const written = (await cleanupLogWritable(db)) && (await logCleanupStart(db, start).then(() => true, () => false));
    if (!written) result.warnings.push('the dry run was not recorded: prodguard.cleanup_log does not exist or this role cannot write it');
    return result;
  }
  try {
    await ensureCleanupLog(db);
    await logCleanupStart(db, start);
  } catch (error) {
    if (error instanceof ConnectionError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new RefusedError(`cannot write the audit row to prodguard.cleanup_log (${message}); refusing to delete without an audit trail`, {
      code: 'PRODGUARD_NO_AUDIT',
      hint: 'grant this role INSERT and UPDATE on prodguard.cleanup_log (USAGE on schema prodguard), or let a role with CREATE create it once',
    });
  }

  try {
    await deletePlanned(db, plan, settings, options, result);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await logCleanupEnd(db, runId, { status: 'failed', deleted: deletedByTable(result), error: message }).catch(() => undefined);
    throw error;
  }
  // The rows are gone either way: a log row that cannot be closed is a warning, not a failure.
  await logCleanupEnd(db, runId, { status: 'completed', deleted: deletedByTable(result) }).catch((error: unknown) => {
    result.warnings.push(`the run's log row could not be closed: ${error instanceof Error ? error.message : String(error)}`);
  });
  if (result.deleted < (options.limit ?? Number.POSITIVE_INFINITY)) result.problems.push(...leftBehind(plan));
  return result;
}

/**
 * Stale test rows a full run left that the plan did not keep on purpose (candidates − kept −
 * deleted, from the counts the run has; no query, which would rescan the dead index entries):
 * rows in a cycle across tables (each table's batch waits for the other's rows to go first), or
 * rows that changed during the run. Reported so `verify` failing is explained; never forced.
 */
function leftBehind(plan: Plan): string[] {
  const problems: string[] = [];
  for (const p of plan.tables) {
    if (p.result.skippedBatches > 0) continue;
    const left = p.result.candidates - p.result.blocked - p.result.deleted;
    if (left > 0) {
      problems.push(
        `${p.info.qualified}: ${left} stale test row${left === 1 ? ' was' : 's were'} left: test rows that reference each other across tables ` +
          `(a cycle), or rows that changed during the run (gained a reference, stopped being test data); cleanup never breaks a cycle, delete them by hand`,
      );
    }
  }
  return problems;
}

function deletedByTable(result: CleanupResult): Record<string, number> {
  return Object.fromEntries(result.tables.map((t) => [t.table, t.deleted]));
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

interface Plan {
  cutoff: string;
  tables: PlannedTable[];
  triggers: DeleteTrigger[];
  problems: string[];
}

async function planCleanup(tx: Queryable, settings: TestDataSettings, olderThanHours: number, options: CleanupOptions): Promise<Plan> {
  // Row-level security could hide referencing rows from this role (and foreign-key cascades
  // bypass it): with row_security off, a query RLS would filter errors instead — fails closed.
  await tx.query(`SELECT set_config('row_security', 'off', true)`);
  const cutoffRow = await tx.query<{ cutoff: string }>(`SELECT ${isoSql(`now() - $1::float8 * interval '1 hour'`, true)} AS cutoff`, [olderThanHours]);
  const cutoff = cutoffRow.rows[0]!.cutoff;
  const { tables, missing } = await resolveTables(tx, settings, options.tables);
  const problems = missing.map((name) => `table ${name} does not exist`);
  const usable = tables.filter((table) => {
    const problem = tableProblem(table, settings) ?? (table.keyColumns.length === 1 ? undefined : keyProblem(table));
    if (problem) problems.push(problem);
    return !problem;
  });
  const keys = await foreignKeysInto(tx, usable, settings);
  const managed = new Set(usable.map((t) => t.oid));
  const planned: PlannedTable[] = childrenFirst(usable, keys).map((info) => ({
    info,
    referencedBy: keys.filter((fk) => fk.parentOid === info.oid),
    blockedKeys: new Set<string>(),
    result: { table: info.qualified, candidates: 0, blocked: 0, blockedRows: [], deleted: 0, wouldDelete: 0, skippedBatches: 0, problem: null },
  }));
  const byOid = new Map(planned.map((p) => [p.info.oid, p]));
  const marker = quoteIdent(settings.column);
  const reportLimit = options.reportLimit ?? 100;

  for (const p of planned) {
    const { rows } = await tx.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${p.info.from} x WHERE x.${marker} AND ${createdAtSql(p.info, 'x', settings)} < $1::timestamptz`,
      [cutoff],
    );
    p.result.candidates = Number(rows[0]?.n ?? 0);
  }
  // Blocked candidates, to a fixpoint: a kept row keeps what it references, across cycles too.
  for (let changed = true, round = 0; changed && round < 50; round++) {
    changed = false;
    for (const p of planned) {
      for (const fk of p.referencedBy) {
        const child = fk.child;
        const childPlan = managed.has(child.oid) ? byOid.get(child.oid) : undefined;
        const childMarker = child.columns.includes(settings.column) ? `c.${marker} IS TRUE` : 'false';
        // A referencing row stays unless it is itself a candidate that is not blocked.
        const stays = childPlan
          ? `NOT (c.${marker} IS TRUE AND ${createdAtSql(child, 'c', settings)} < $1::timestamptz) OR ${keyText(child, 'c')} = ANY ($3::text[])`
          : 'true';
        const { rows } = await tx.query<{ key: string; ref_key: string; ref_test: boolean }>(
          `SELECT ${keyText(p.info, 'x')} AS key, ${keyText(child, 'c')} AS ref_key, ${childMarker} AS ref_test
             FROM ${p.info.from} x JOIN ${child.from} c ON ${joinCondition(fk, 'c', 'x')}
            WHERE x.${marker} AND ${createdAtSql(p.info, 'x', settings)} < $1::timestamptz AND (${stays})
              AND NOT (${keyText(p.info, 'x')} = ANY ($2::text[]))`,
          childPlan ? [cutoff, [...p.blockedKeys], [...childPlan.blockedKeys]] : [cutoff, [...p.blockedKeys]],
        );
        for (const row of rows) {
          if (p.blockedKeys.has(row.key)) continue;
          p.blockedKeys.add(row.key);
          changed = true;
          if (p.result.blockedRows.length < reportLimit) {
            p.result.blockedRows.push({
              table: p.info.qualified,
              key: row.key,
              referencedBy: { table: child.qualified, key: row.ref_key, constraint: fk.name, isTestRow: row.ref_test },
            });
          }
        }
      }
    }
  }
  for (const p of planned) p.result.blocked = p.blockedKeys.size;
  return { cutoff, tables: planned, triggers: await deleteTriggers(tx, usable), problems };
}

function keyProblem(table: TableInfo): string {
  return table.keyColumns.length === 0
    ? `${table.qualified} has no primary key: cleanup deletes by primary key only`
    : `${table.qualified} has a composite primary key: cleanup supports single-column keys only`;
}

async function deletePlanned(db: Db, plan: Plan, settings: TestDataSettings, options: CleanupOptions, result: CleanupResult): Promise<void> {
  const batchSize = options.batchSize ?? settings.batchSize;
  const lockTimeoutMs = options.lockTimeoutMs ?? settings.lockTimeout;
  let budget = options.limit ?? Number.POSITIVE_INFINITY;
  const totalCandidates = result.candidates;
  // Cycles (self-references, A→B→A) can need more than one pass: a row referenced by a test row
  // of the same batch is deletable only after that row is gone.
  const position = new Map(plan.tables.map((p, i) => [p.info.oid, i]));
  const cyclic = plan.tables.some((p, i) =>
    p.referencedBy.some((fk) => (position.get(fk.child.oid) ?? -1) >= i),
  );
  // One dedicated connection. A batch on a table nobody references is one autocommitted DELETE
  // (one round trip), so lock_timeout and row_security are set for the session here — and put
  // back as they were before the connection returns to the pool. Multi-statement batches set them
  // LOCAL as well (runBatch).
  await onOneConnection(db, (conn) => withSessionSettings(conn, lockTimeoutMs, async () => {
    for (let pass = 0; pass < (cyclic ? 20 : 1) && budget > 0; pass++) {
      let deletedThisPass = 0;
      for (const p of plan.tables) {
        if (budget <= 0) break;
        const deleted = await deleteTable(conn, p, plan.cutoff, settings, {
          batchSize,
          lockTimeoutMs,
          budget,
          options,
          onBatch(n, ms) {
            result.batches++;
            result.longestBatchMs = Math.max(result.longestBatchMs, ms);
            result.deleted += n;
            p.result.deleted += n;
            options.onProgress?.({
              table: p.info.qualified,
              deleted: p.result.deleted,
              candidates: p.result.candidates,
              totalDeleted: result.deleted,
              totalCandidates,
            });
          },
        });
        budget -= deleted;
        deletedThisPass += deleted;
      }
      if (deletedThisPass === 0) break;
    }
  }));
}

/**
 * Runs `fn` with lock_timeout and row_security = off set for the session, then restores both to
 * the values they had (not RESET: an adapter may have set them at connect).
 */
async function withSessionSettings<T>(conn: Queryable, lockTimeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const { rows } = await conn.query<{ lt: string; rs: string }>(
    `SELECT current_setting('lock_timeout') AS lt, current_setting('row_security') AS rs,
            set_config('lock_timeout', $1, false), set_config('row_security', 'off', false)`,
    [`${Math.max(1, Math.round(lockTimeoutMs))}ms`],
  );
  try {
    return await fn();
  } finally {
    const before = rows[0]!;
    await conn
      .query(`SELECT set_config('lock_timeout', $1, false), set_config('row_security', $2, false)`, [before.lt, before.rs])
      .catch(() => undefined);
  }
}

/**
 * PGlite has a single connection already, and its withConnection (runExclusive) deadlocks when
 * the callback queries through the adapter, so it runs directly there.
 */
function onOneConnection<T>(db: Db, fn: (conn: Queryable) => Promise<T>): Promise<T> {
  return db.kind === 'pglite' ? fn(db) : db.withConnection(fn);
}

interface DeleteTableOptions {
  batchSize: number;
  lockTimeoutMs: number;
  budget: number;
  options: CleanupOptions;
  onBatch(deleted: number, ms: number): void;
}

/**
 * Batches shrink when a transaction takes longer than this and grow back (up to the configured
 * batch size) when they are quick, so a busy server still sees short transactions.
 */
const TARGET_BATCH_MS = 80;
const MIN_BATCH = 100;

async function deleteTable(conn: Queryable, p: PlannedTable, cutoff: string, settings: TestDataSettings, o: DeleteTableOptions): Promise<number> {
  const key = quoteIdent(p.info.keyColumns[0]!);
  const keyType = p.info.keyType ?? 'text';
  const marker = quoteIdent(settings.column);
  const created = createdAtSql(p.info, 'x', settings);
  const candidates = `x.${marker} AND ${created} < $1::timestamptz`;
  // The keyset: the first batch starts at the lowest key, every next one after the last key seen.
  const pick = (after: boolean) =>
    `SELECT array_agg(k ORDER BY k)::text AS keys, count(*)::int AS n, min(k)::text AS first, max(k)::text AS last
       FROM (SELECT x.${key} AS k FROM ${p.info.from} x
              WHERE ${candidates}${after ? ` AND x.${key} > $3::${keyType}` : ''}
              ORDER BY x.${key} LIMIT $2) batch`;
  const referenced = p.referencedBy.length > 0;
  // The listed keys decide what is deleted. The batch's key range is how the rows are found: as an
  // index condition, `key = ANY (...)` descends the btree once per key (before PostgreSQL 17);
  // wrapped in IS TRUE it is a hashed filter over one short range scan, several times cheaper.
  const deleteSql = deleteByKeySql(p.info, settings.column, p.referencedBy, {
    keyListAsFilter: true,
    extra: [`x.${key} BETWEEN $3::${keyType} AND $4::${keyType}`, `${created} < $2::timestamptz`],
  });
  const lockSql = lockByKeySql(p.info, settings.column, { keyRange: true });
  // A table that references itself: the batch is grown by the test rows that reference it, shrunk
  // to what no outside row references, and deleted by key alone (it may reach past the key range).
  const self = selfReferencing(p.info, p.referencedBy);
  const staleSql = `${created} < $2::timestamptz`;
  const selfDeleteSql = deleteByKeySql(p.info, settings.column, p.referencedBy, { extra: [staleSql] });

  let last: string | undefined;
  let deleted = 0;
  let size = o.batchSize;
  for (;;) {
    const limit = Math.min(size, o.budget - deleted);
    if (limit <= 0) break;
    const params: unknown[] = last === undefined ? [cutoff, limit] : [cutoff, limit, last];
    const { rows } = await conn.query<{ keys: string | null; n: number; first: string | null; last: string | null }>(pick(last !== undefined), params);
    const batch = rows[0];
    if (!batch || batch.n === 0 || batch.keys === null || batch.first === null || batch.last === null) break;
    last = batch.last;
    if (o.options.beforeDelete) await o.options.beforeDelete(p.info.qualified, parseTextArray(batch.keys));
    const { keys, first } = batch;
    const upTo = batch.last;
    const outcome = await runBatch(conn, o.lockTimeoutMs, async () => {
      if (referenced) await conn.query(lockSql, [keys, first, upTo]);
      if (!self) return (await conn.query(deleteSql, [keys, cutoff, first, upTo])).rowCount;
      const closed = await closeBatch(conn, p.info, settings.column, p.referencedBy, parseTextArray(keys), {
        extra: [staleSql],
        params: [cutoff],
        grow: true,
      });
      return closed.length === 0 ? 0 : (await conn.query(selfDeleteSql, [closed, cutoff])).rowCount;
    }, referenced);
    if (outcome === undefined) {
      p.result.skippedBatches++;
      continue;
    }
    deleted += outcome.rows;
    o.onBatch(outcome.rows, outcome.ms);
    if (outcome.ms > TARGET_BATCH_MS) size = Math.max(MIN_BATCH, Math.floor(size / 2));
    else if (outcome.ms < TARGET_BATCH_MS / 3) size = Math.min(o.batchSize, size * 2);
  }
  return deleted;
}

/**
 * `NOT EXISTS (a referencing row)` for every foreign key into the table aliased `x`; '' when none.
 * A self-reference ignores referencing rows listed in `$1` too: they are deleted by the same
 * statement — which is only safe when that list is closed (see closeBatch), so every caller of a
 * table that references itself closes its list first.
 */
export function notReferencedSql(table: TableInfo, referencedBy: readonly ForeignKey[]): string {
  return referencedBy
    .map((fk) => {
      const self = fk.child.oid === table.oid ? ` AND NOT (c.${quoteIdent(table.keyColumns[0]!)} = ANY ($1::${table.keyType ?? 'text'}[]))` : '';
      return `NOT EXISTS (SELECT 1 FROM ${fk.child.from} c WHERE ${joinCondition(fk, 'c', 'x')}${self})`;
    })
    .join(' AND ');
}

interface KeyedOptions {
  extra?: readonly string[];
  keyListAsFilter?: boolean;
}

/** `key = ANY ($1) AND <marker> AND <extra> AND NOT EXISTS (<referencing row>)` on the table aliased `x`. */
function keyedWhereSql(table: TableInfo, marker: string, referencedBy: readonly ForeignKey[], options: KeyedOptions): string {
  const key = quoteIdent(table.keyColumns[0]!);
  const inList = `x.${key} = ANY ($1::${table.keyType ?? 'text'}[])`;
  // IS TRUE keeps the planner from turning the list into an index condition (see deleteTable).
  const conditions = [options.keyListAsFilter ? `(${inList}) IS TRUE` : inList, `x.${quoteIdent(marker)}`, ...(options.extra ?? [])];
  const notReferenced = notReferencedSql(table, referencedBy);
  if (notReferenced) conditions.push(notReferenced);
  return conditions.join(' AND ');
}

/**
 * `DELETE ... WHERE key = ANY ($1) AND <marker> AND NOT EXISTS (<referencing row>)`: the marker and
 * the references are re-checked in the deleting statement itself. Single-column keys.
 */
export function deleteByKeySql(table: TableInfo, marker: string, referencedBy: readonly ForeignKey[], options: KeyedOptions = {}): string {
  return `DELETE FROM ${table.from} x WHERE ${keyedWhereSql(table, marker, referencedBy, options)}`;
}

/** Whether the table references itself (a parent_id), so rows of one batch may reference each other. */
export function selfReferencing(table: TableInfo, referencedBy: readonly ForeignKey[]): boolean {
  return referencedBy.some((fk) => fk.child.oid === table.oid);
}

const MAX_CLOSE_ROUNDS = 100;

/**
 * For a table that references itself, inside the batch transaction: the largest part of `keys`
 * that can be deleted in one statement — rows passing the delete's conditions that no row outside
 * the part references (rows of the part may reference each other: `parent_id = id`, 10 ↔ 11).
 * With `grow`, test rows that reference the batch through the self-reference are first added (and
 * locked): a cycle split over two keyset batches is deleted whole. Every row of the result is
 * locked FOR UPDATE, so no new reference to it can appear before the DELETE.
 */
export async function closeBatch(
  conn: Queryable,
  table: TableInfo,
  marker: string,
  referencedBy: readonly ForeignKey[],
  keys: readonly string[],
  options: { extra?: readonly string[]; params?: readonly unknown[]; grow?: boolean } = {},
): Promise<string[]> {
  const key = quoteIdent(table.keyColumns[0]!);
  const keyType = table.keyType ?? 'text';
  let set = [...keys];
  if (options.grow) {
    const selfKeys = referencedBy.filter((fk) => fk.child.oid === table.oid);
    const referrers = selfKeys
      .map((fk) => `SELECT c.${key}::text AS key FROM ${table.from} x JOIN ${table.from} c ON ${joinCondition(fk, 'c', 'x')}
                     WHERE x.${key} = ANY ($1::${keyType}[]) AND c.${quoteIdent(marker)} AND NOT (c.${key} = ANY ($1::${keyType}[]))`)
      .join(' UNION ');
    for (let round = 0; round < MAX_CLOSE_ROUNDS && set.length < keys.length * 10 + 100; round++) {
      const { rows } = await conn.query<{ key: string }>(referrers, [set]);
      if (rows.length === 0) break;
      const added = rows.map((r) => r.key);
      await conn.query(lockByKeySql(table, marker), [added]);
      set = [...set, ...added];
    }
  }
  const select = `SELECT x.${key}::text AS key FROM ${table.from} x WHERE ${keyedWhereSql(table, marker, referencedBy, { extra: options.extra ?? [] })}`;
  for (let round = 0; round < MAX_CLOSE_ROUNDS; round++) {
    const { rows } = await conn.query<{ key: string }>(select, [set, ...(options.params ?? [])]);
    if (rows.length === set.length) return set;
    set = rows.map((r) => r.key);
    if (set.length === 0) return set;
  }
  return [];
}

/**
 * Locks the listed test rows (`FOR UPDATE`, key order) before the DELETE: an insert of a row that
 * references one of them (it holds FOR KEY SHARE) is waited for, and the DELETE that follows, a
 * new statement, sees that reference committed and keeps the row. Without the lock the DELETE's
 * NOT EXISTS would run on a snapshot without the reference and its cascade would reach it.
 */
export function lockByKeySql(table: TableInfo, marker: string, options: { keyRange?: boolean } = {}): string {
  const key = quoteIdent(table.keyColumns[0]!);
  const keyType = table.keyType ?? 'text';
  // keyRange: `$2`..`$3` bound the listed keys; one range scan with the list as a hashed filter
  // instead of one btree descent per key (see deleteTable).
  const where = options.keyRange
    ? `(x.${key} = ANY ($1::${keyType}[])) IS TRUE AND x.${key} BETWEEN $2::${keyType} AND $3::${keyType}`
    : `x.${key} = ANY ($1::${keyType}[])`;
  return `SELECT 1 FROM ${table.from} x WHERE ${where} AND x.${quoteIdent(marker)} ORDER BY x.${key} FOR UPDATE`;
}

const MAX_LOCK_RETRIES = 3;

/**
 * One batch as its own short transaction (`explicit`, the default: BEGIN ... COMMIT; else the one
 * autocommitted statement `fn` runs), with `lock_timeout` and `row_security = off` set LOCAL
 * to it (row-level security off: a referencing row the role cannot see must fail the batch, not be
 * missed). A lock timeout rolls the batch back and retries it a few times; undefined when it kept
 * timing out (its rows stay for a later run). Used by cleanup and by prodguard/testing.
 */
export async function runBatch<T>(
  conn: Queryable,
  lockTimeoutMs: number,
  fn: () => Promise<T>,
  explicit = true,
): Promise<{ rows: T; ms: number } | undefined> {
  for (let attempt = 0; attempt <= MAX_LOCK_RETRIES; attempt++) {
    const started = performance.now();
    try {
      // A single statement is its own transaction (the caller set the session's settings).
      if (!explicit) return { rows: await fn(), ms: performance.now() - started };
      await conn.query('BEGIN');
      try {
        await conn.query(`SELECT set_config('lock_timeout', $1, true), set_config('row_security', 'off', true)`, [
          `${Math.max(1, Math.round(lockTimeoutMs))}ms`,
        ]);
        const rows = await fn();
        await conn.query('COMMIT');
        return { rows, ms: performance.now() - started };
      } catch (error) {
        await conn.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    } catch (error) {
      if (!isLockTimeout(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 * (attempt + 1)));
    }
  }
  return undefined;
}

/** SQLSTATE 55P03 lock_not_available, from prodguard's adapters (DatabaseError) or a raw pg client. */
function isLockTimeout(error: unknown): boolean {
  if (error instanceof DatabaseError) return error.sqlState === '55P03';
  return (error as { code?: unknown } | null)?.code === '55P03';
}

/** Parses a one-dimensional PostgreSQL array literal of scalar keys (`{1,2,"a b"}`). */
export function parseTextArray(literal: string): string[] {
  const body = literal.slice(1, -1);
  if (body === '') return [];
  const out: string[] = [];
  let i = 0;
  while (i < body.length) {
    if (body[i] === '"') {
      let value = '';
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === '\\') i++;
        value += body[i];
        i++;
      }
      out.push(value);
      i += 2;
    } else {
      const end = body.indexOf(',', i);
      out.push(body.slice(i, end === -1 ? body.length : end));
      i = end === -1 ? body.length : end + 1;
    }
  }
  return out;
}
