import { quoteIdent, readServerInfo } from '../db/introspect.js';
import type { Db, Queryable } from '../db/types.js';
import { UsageError } from '../errors.js';
import { readIdentity } from '../identity/environment.js';
import { type CatalogTable, readCatalog, resolveTable } from './catalog.js';
import { hashKindFor, measure } from './fingerprint.js';
import {
  type CriticalEntity,
  type CriticalSnapshot,
  type FingerprintSpec,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  type SnapshotDocument,
  type TableSnapshot,
  tableId,
} from './types.js';

export interface SnapshotOptions {
  /** Schemas to read (default: every non-system schema except `prodguard`). */
  schemas?: string[] | undefined;
  include?: string[];
  exclude?: string[];
  critical?: CriticalEntity[];
  /** Per-bucket counts and fingerprints (0 or 1: none). */
  buckets?: number;
  /** Store every key of tables with at most this many rows (0: none). */
  keysUpTo?: number;
  /**
   * Connections reading in parallel, sharing one exported snapshot as `pg_dump -j` does. The Db's
   * pool must allow this many connections. PGlite has one connection: always 1 there.
   */
  jobs?: number;
  /**
   * Read inside this exported snapshot (from `pg_export_snapshot()`, held open by the caller),
   * e.g. the one `pg_dump --snapshot` reads, so the document describes exactly the dump.
   */
  snapshotId?: string;
  /**
   * A previous snapshot to measure against: its tables are fingerprinted with the same columns
   * and hashes, and with keys and buckets where it has them, so `compare` can match them exactly.
   */
  guide?: SnapshotDocument;
  /**
   * `max_parallel_workers_per_gather` in the snapshot's sessions, or 'server' to keep the
   * server's. Default: the server's with one job; 0 with several, so that each job is one
   * backend on one CPU: the jobs are the parallelism, and parallel workers of every job's scan
   * would compete with them (and with each other) for the same CPUs. See bench/integrity.mjs.
   */
  parallelWorkersPerGather?: number | 'server' | undefined;
  /** Called after each table or entity. */
  onProgress?: (done: number, total: number, label: string) => void;
}

interface Task {
  label: string;
  run(tx: Queryable): Promise<void>;
  weight: number;
}

function primaryKeySpec(table: CatalogTable): FingerprintSpec {
  if (table.primaryKey.length > 0) {
    const types = new Map(table.columns.map((c) => [c.name, c.type]));
    return { method: 'primary-key', columns: table.primaryKey, hashes: table.primaryKey.map((c) => hashKindFor(types.get(c) ?? '')) };
  }
  return { method: 'whole-row', columns: table.columns.map((c) => c.name), hashes: table.columns.map(() => 'cast') };
}

/** The guide's spec when all its columns still exist (same hashes per current types), else our own. */
function specFor(table: CatalogTable, guide: FingerprintSpec | undefined): FingerprintSpec {
  if (!guide) return primaryKeySpec(table);
  const types = new Map(table.columns.map((c) => [c.name, c.type]));
  if (!guide.columns.every((c) => types.has(c))) return primaryKeySpec(table);
  if (guide.method === 'whole-row') return { ...guide, hashes: guide.columns.map(() => 'cast') };
  return { method: guide.method, columns: guide.columns, hashes: guide.columns.map((c) => hashKindFor(types.get(c) ?? '')) };
}

/** Whether a primary-key spec's columns are not (all) NOT NULL for sure: not the table's current primary key. */
function nullableKey(table: CatalogTable, spec: FingerprintSpec): boolean {
  return spec.method === 'primary-key' && spec.columns.join('\0') !== table.primaryKey.join('\0');
}

function relation(table: CatalogTable): string {
  const name = `${quoteIdent(table.schema)}.${quoteIdent(table.name)}`;
  return table.kind === 'r' ? `ONLY ${name}` : name;
}

/**
 * Takes a consistent snapshot of a database: per table the exact row count, an order-independent
 * 64-bit fingerprint of its primary keys (whole rows, flagged weak, without one), its columns and
 * types; per critical entity the same with its filter. Everything is read in one REPEATABLE READ,
 * READ ONLY snapshot, shared by all `jobs` connections. Never writes.
 *
 * @throws UsageError for bad options; DatabaseError when a query fails (e.g. a critical entity's filter).
 * @example
 * const doc = await takeSnapshot(db, { buckets: 256, keysUpTo: 10_000 });
 */
export async function takeSnapshot(db: Db, options: SnapshotOptions = {}): Promise<SnapshotDocument> {
  const started = performance.now();
  const buckets = options.buckets ?? options.guide?.options.buckets ?? 0;
  const keysUpTo = options.keysUpTo ?? 0;
  if (!Number.isInteger(buckets) || buckets < 0 || buckets > 65_536) throw new UsageError('--buckets must be an integer from 0 to 65536');
  if (!Number.isInteger(keysUpTo) || keysUpTo < 0) throw new UsageError('--keys-up-to must be a non-negative integer');
  let jobs = options.jobs ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64) throw new UsageError('--jobs must be an integer from 1 to 64');
  if (db.kind === 'pglite') jobs = 1;
  jobs = Math.min(jobs, db.settings.maxConnections);

  const gather = options.parallelWorkersPerGather ?? (jobs > 1 ? 0 : 'server');
  if (gather !== 'server' && (!Number.isInteger(gather) || gather < 0 || gather > 1024)) {
    throw new UsageError('parallelWorkersPerGather must be an integer from 0 to 1024 or "server"');
  }
  /** Applies the session settings of a snapshot transaction (SET LOCAL: gone at its end). */
  const configure = async (q: Queryable) => {
    if (gather !== 'server') await q.exec(`SET LOCAL max_parallel_workers_per_gather = ${gather}`);
  };

  const guideTables = new Map((options.guide?.tables ?? []).map((t) => [tableId(t), t]));
  const critical: CriticalEntity[] = [...(options.guide?.critical ?? []).map(({ name, table, where }) => ({ name, table, where }))];
  for (const entity of options.critical ?? []) if (!critical.some((c) => c.name === entity.name)) critical.push(entity);

  const filter = options.guide
    ? { schemas: options.guide.options.schemas ?? undefined, include: options.guide.options.include, exclude: options.guide.options.exclude }
    : { schemas: options.schemas, include: options.include ?? [], exclude: options.exclude ?? [] };

  const plan = async (tx: Queryable) => {
    const { rows } = await tx.query<{ now: string }>(`SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS now`);
    const server = await readServerInfo(tx);
    const identity = await readIdentity(tx);
    const catalog = await readCatalog(tx, filter);
    const tables: TableSnapshot[] = [];
    const entities: CriticalSnapshot[] = [];
    const tasks: Task[] = [];
    for (const table of catalog) {
      const guide = guideTables.get(tableId(table));
      const spec = specFor(table, guide?.fingerprint);
      const forceKeys = guide?.keys !== undefined;
      tasks.push({
        label: tableId(table),
        weight: table.pages,
        run: async (q) => {
          const measured = await measure(q, { from: relation(table), spec, nullableKey: nullableKey(table, spec) }, { buckets, keysUpTo, forceKeys });
          tables.push({ schema: table.schema, name: table.name, columns: table.columns, weak: spec.method === 'whole-row', ...measured });
        },
      });
    }
    for (const entity of critical) {
      const table = await resolveTable(tx, entity.table);
      const guide = options.guide?.critical.find((c) => c.name === entity.name);
      if (!table) {
        // Recorded as an empty set without a table: compare reports it as a missing table.
        entities.push({ ...entity, weak: true, rows: -1, sum: '0', fingerprint: { method: 'whole-row', columns: [], hashes: [] } });
        continue;
      }
      const spec = specFor(table, guide?.fingerprint);
      tasks.push({
        label: entity.name,
        weight: table.pages,
        run: async (q) => {
          const measured = await measure(
            q,
            { from: relation(table), where: entity.where, spec, nullableKey: nullableKey(table, spec) },
            { buckets, keysUpTo, forceKeys: guide?.keys !== undefined },
          );
          entities.push({ ...entity, weak: spec.method === 'whole-row', ...measured });
        },
      });
    }
    tasks.sort((a, b) => b.weight - a.weight);
    return { takenAt: rows[0]?.now ?? new Date().toISOString(), server, identity, tables, entities, tasks };
  };

  let total = 0;
  let done = 0;
  const runQueue = async (tasks: Task[], q: Queryable) => {
    for (let task = tasks.shift(); task; task = tasks.shift()) {
      await task.run(q);
      options.onProgress?.(++done, total, task.label);
    }
  };

  const begin = 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY';
  const worker = (snapshotId: string, tasks: Task[]) =>
    db.withConnection(async (conn) => {
      await conn.exec(begin);
      try {
        await conn.query(`SET TRANSACTION SNAPSHOT '${snapshotId.replace(/'/g, "''")}'`);
        await configure(conn);
        await runQueue(tasks, conn);
      } finally {
        await conn.exec('ROLLBACK').catch(() => undefined);
      }
    });

  let result: Awaited<ReturnType<typeof plan>>;
  if (options.snapshotId) {
    const snapshotId = options.snapshotId;
    result = await db.withConnection(async (conn) => {
      await conn.exec(begin);
      try {
        await conn.query(`SET TRANSACTION SNAPSHOT '${snapshotId.replace(/'/g, "''")}'`);
        await configure(conn);
        const planned = await plan(conn);
        total = planned.tasks.length;
        await Promise.all([runQueue(planned.tasks, conn), ...Array.from({ length: jobs - 1 }, () => worker(snapshotId, planned.tasks))]);
        return planned;
      } finally {
        await conn.exec('ROLLBACK').catch(() => undefined);
      }
    });
  } else {
    result = await db.transaction(
      async (tx) => {
        await configure(tx);
        const planned = await plan(tx);
        total = planned.tasks.length;
        if (jobs > 1 && planned.tasks.length > 1) {
          // The leader waits idle while workers finish: it must not hit idle_in_transaction_session_timeout.
          await tx.exec('SET LOCAL idle_in_transaction_session_timeout = 0');
          const { rows } = await tx.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
          const snapshotId = rows[0]?.id ?? '';
          const helpers = Math.min(jobs - 1, planned.tasks.length - 1);
          await Promise.all([runQueue(planned.tasks, tx), ...Array.from({ length: helpers }, () => worker(snapshotId, planned.tasks))]);
        } else {
          await runQueue(planned.tasks, tx);
        }
        return planned;
      },
      { isolation: 'repeatable read', readOnly: true },
    );
  }

  const byId = (a: { schema: string; name: string }, b: { schema: string; name: string }) =>
    a.schema === b.schema ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.schema < b.schema ? -1 : 1;
  const order = new Map(critical.map((c, i) => [c.name, i]));
  return {
    format: SNAPSHOT_FORMAT,
    version: SNAPSHOT_VERSION,
    takenAt: result.takenAt,
    server: { version: result.server.version, major: result.server.major },
    database: result.server.database,
    identity: result.identity ?? null,
    options: {
      schemas: filter.schemas && filter.schemas.length > 0 ? filter.schemas : null,
      include: filter.include ?? [],
      exclude: filter.exclude ?? [],
      buckets,
      keysUpTo,
      jobs,
    },
    tables: result.tables.sort(byId),
    critical: result.entities.sort((a, b) => (order.get(a.name) ?? 0) - (order.get(b.name) ?? 0)),
    durationMs: Math.round(performance.now() - started),
  };
}
