// Benchmark: `prodguard testdata cleanup --no-dry-run` against one `DELETE ... WHERE is_test_data`,
// deleting 1,000,000 marked rows of a 5,000,000-row table, each with a concurrent writer doing
// single-row inserts. Prints rows/s of both and their ratio, the cleanup's longest transaction,
// the writer's p99 insert latency during each, and whether each target was met.
//
// Two variants in one run: `plain` (no table references t: each batch is one DELETE) and `fk`
// (a child table of 1,000,000 rows references t's real rows: each batch locks its rows FOR UPDATE
// and deletes with NOT EXISTS (<a child row>), and the single DELETE pays the foreign-key checks).
//
// Runs against dist/ (npm run build first). Database: PRODGUARD_BENCH_DATABASE_URL or the local
// server; a scratch database `prodguard_bench_testdata` is created and dropped.
// Usage: node bench/testdata.mjs [--rounds N] [--batch-size N] [--only plain|fk]
import pg from 'pg';
import { BENCH_ADMIN_URL, withDatabase } from './scratch.mjs';
import { openDb } from '../dist/db/open.js';
import { cleanupTestData } from '../dist/testdata/cleanup.js';
import { testDataSettings } from '../dist/testdata/settings.js';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(name);
  return i === -1 ? fallback : Number(args[i + 1]);
};
const ROUNDS = flag('--rounds', 3);
const BATCH = flag('--batch-size', 5000);
const ONLY = (() => {
  const i = args.indexOf('--only');
  return i === -1 ? undefined : args[i + 1];
})();
const ROWS = 5_000_000;
const EVERY = 5; // every 5th row is test data: 1,000,000 marked rows

const base = BENCH_ADMIN_URL;
const scratchName = 'prodguard_bench_testdata';
const scratchUrl = withDatabase(base, scratchName);

async function admin(sql) {
  const c = new pg.Client({ connectionString: base });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

async function withClient(fn) {
  const c = new pg.Client({ connectionString: scratchUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** Puts the 1,000,000 marked rows back (those the previous round deleted) and vacuums. */
async function resetTestRows() {
  await withClient(async (c) => {
    await c.query(`DELETE FROM t WHERE id > ${ROWS}`); // the writer's rows
    await c.query(
      `INSERT INTO t (id, payload, created_at, is_test_data)
       SELECT g, md5(g::text), now() - interval '2 days', true FROM generate_series(${EVERY}, ${ROWS}, ${EVERY}) g
       ON CONFLICT (id) DO NOTHING`,
    );
    await c.query('VACUUM ANALYZE t');
    const { rows } = await c.query('SELECT count(*)::int AS n, count(*) FILTER (WHERE is_test_data)::int AS marked FROM t');
    if (rows[0].n !== ROWS || rows[0].marked !== ROWS / EVERY) throw new Error(`reset failed: ${JSON.stringify(rows[0])}`);
  });
}

/** A writer inserting real rows one by one until stopped; returns its latencies in ms. */
function startWriter(startId) {
  let stop = false;
  const latencies = [];
  const done = withClient(async (c) => {
    let id = startId;
    while (!stop) {
      const t0 = performance.now();
      await c.query(`INSERT INTO t (id, payload, created_at, is_test_data) VALUES ($1, 'writer', now(), false)`, [id++]);
      latencies.push(performance.now() - t0);
    }
  });
  return {
    async stop() {
      stop = true;
      await done;
      return latencies;
    },
  };
}

function p99(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? 0;
}

async function singleDelete(writerStart) {
  const writer = startWriter(writerStart);
  await new Promise((r) => setTimeout(r, 200));
  const seconds = await withClient(async (c) => {
    const t0 = performance.now();
    const r = await c.query('DELETE FROM t WHERE is_test_data');
    if (r.rowCount !== ROWS / EVERY) throw new Error(`deleted ${r.rowCount}`);
    return (performance.now() - t0) / 1000;
  });
  const latencies = await writer.stop();
  return { seconds, p99: p99(latencies), inserts: latencies.length };
}

async function cleanup(writerStart) {
  const db = await openDb(scratchUrl);
  const settings = testDataSettings({ tables: ['t'], batchSize: BATCH });
  const writer = startWriter(writerStart);
  await new Promise((r) => setTimeout(r, 200));
  try {
    const t0 = performance.now();
    const result = await cleanupTestData(db, settings, { dryRun: false });
    const seconds = (performance.now() - t0) / 1000;
    if (result.deleted !== ROWS / EVERY) throw new Error(`cleanup deleted ${result.deleted}`);
    const latencies = await writer.stop();
    return { seconds, p99: p99(latencies), inserts: latencies.length, longestMs: result.longestBatchMs, batches: result.batches };
  } finally {
    await db.close();
  }
}

/** Rounds of single DELETE vs cleanup on the table as it is now; prints the figures of `label`. */
async function compare(label) {
  console.log('');
  console.log(`== ${label}: batch size ${BATCH}, ${ROUNDS} rounds; min of each`);
  const deletes = [];
  const cleanups = [];
  for (let round = 0; round < ROUNDS; round++) {
    const d = await singleDelete(10_000_000 + round * 1_000_000);
    deletes.push(d);
    await resetTestRows();
    const c = await cleanup(20_000_000 + round * 1_000_000);
    cleanups.push(c);
    await resetTestRows();
    console.log(
      `round ${round + 1}: single DELETE ${d.seconds.toFixed(2)} s (writer p99 ${d.p99.toFixed(1)} ms, ${d.inserts} inserts); ` +
        `cleanup ${c.seconds.toFixed(2)} s in ${c.batches} batches, longest transaction ${c.longestMs.toFixed(0)} ms (writer p99 ${c.p99.toFixed(1)} ms, ${c.inserts} inserts)`,
    );
  }
  const best = (list, key) => Math.min(...list.map((x) => x[key]));
  const marked = ROWS / EVERY;
  const deleteRate = marked / best(deletes, 'seconds');
  const cleanupRate = marked / best(cleanups, 'seconds');
  const ratio = cleanupRate / deleteRate;
  const longest = best(cleanups, 'longestMs');
  const writerP99 = best(cleanups, 'p99');
  const longestWorst = Math.max(...cleanups.map((c) => c.longestMs));
  const p99Worst = Math.max(...cleanups.map((c) => c.p99));
  console.log('');
  console.log(`[${label}] single DELETE:  ${Math.round(deleteRate).toLocaleString('en')} rows/s (best ${best(deletes, 'seconds').toFixed(2)} s), writer p99 ${best(deletes, 'p99').toFixed(1)} ms`);
  console.log(`[${label}] cleanup:        ${Math.round(cleanupRate).toLocaleString('en')} rows/s (best ${best(cleanups, 'seconds').toFixed(2)} s), writer p99 ${writerP99.toFixed(1)} ms (worst round ${p99Worst.toFixed(1)} ms)`);
  console.log(`[${label}] ratio cleanup / single DELETE: ${ratio.toFixed(2)}`);
  console.log(`[${label}] longest cleanup transaction: ${longest.toFixed(0)} ms (worst round ${longestWorst.toFixed(0)} ms)`);
  console.log(`[${label}] target throughput >= 0.5 x single DELETE: ${ratio >= 0.5 ? 'MET' : 'NOT MET'} (${ratio.toFixed(2)})`);
  console.log(`[${label}] target no transaction > 200 ms:          ${longestWorst <= 200 ? 'MET' : 'NOT MET'} (worst ${longestWorst.toFixed(0)} ms)`);
  console.log(`[${label}] target writer p99 < 50 ms:               ${p99Worst < 50 ? 'MET' : 'NOT MET'} (worst ${p99Worst.toFixed(1)} ms)`);
}

async function main() {
  await admin(`DROP DATABASE IF EXISTS ${scratchName} WITH (FORCE)`);
  await admin(`CREATE DATABASE ${scratchName}`);
  try {
    const t0 = performance.now();
    await withClient(async (c) => {
      await c.query(`CREATE TABLE t (id bigint PRIMARY KEY, payload text, created_at timestamptz NOT NULL, is_test_data boolean NOT NULL DEFAULT false)`);
      await c.query(
        `INSERT INTO t SELECT g, md5(g::text), now() - interval '2 days', g % ${EVERY} = 0 FROM generate_series(1, ${ROWS}) g`,
      );
      await c.query('CREATE INDEX t_is_test_data_idx ON t (id) WHERE is_test_data');
      await c.query('VACUUM ANALYZE t');
    });
    console.log(`built ${ROWS.toLocaleString('en')} rows (${(ROWS / EVERY).toLocaleString('en')} marked) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (ONLY !== 'fk') await compare('plain');
    if (ONLY !== 'plain') {
      // Real child rows of real parents (id % 5 = 1): nothing is blocked, but every batch takes the
      // lock-then-NOT-EXISTS path and the single DELETE checks the foreign key for every row.
      const t1 = performance.now();
      await withClient(async (c) => {
        await c.query(`CREATE TABLE child (id bigint PRIMARY KEY, t_id bigint NOT NULL, note text)`);
        await c.query(`INSERT INTO child SELECT g, g, 'real' FROM generate_series(1, ${ROWS}, ${EVERY}) g`);
        await c.query('CREATE INDEX child_t_id_idx ON child (t_id)');
        await c.query('ALTER TABLE child ADD FOREIGN KEY (t_id) REFERENCES t ON DELETE CASCADE');
        await c.query('VACUUM ANALYZE child');
      });
      console.log(`\nadded child (${(ROWS / EVERY).toLocaleString('en')} rows, FK to t ON DELETE CASCADE) in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
      await compare('fk');
      const { rows } = await withClient((c) => c.query('SELECT count(*)::int AS n FROM child'));
      if (rows[0].n !== ROWS / EVERY) throw new Error(`child rows lost: ${rows[0].n}`);
    }
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${scratchName} WITH (FORCE)`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
