// Benchmark of the integrity snapshot. Builds a 5-million-row table and four 1.5-million-row
// tables in a scratch database (on PRODGUARD_BENCH_DATABASE_URL, else the local server), then
// times: plain count(*) (the baseline), the snapshot's fingerprint query on the same table, the
// snapshot of that table through the library and the CLI, and --jobs 1 vs --jobs 2 over the four
// tables. Prints figures and ratios. Run after `npm run build`: node bench/integrity.mjs
// Env: BENCH_ROWS (default 5000000), BENCH_JOB_ROWS (1500000), BENCH_REPEAT (5), BENCH_KEEP=1 keeps the database.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { BENCH_ADMIN_URL, sql, withDatabase } from './scratch.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { requireFreshBuild } = await import('./fresh.mjs');
requireFreshBuild(root);
const { openDb } = await import(path.join(root, 'dist/db/open.js'));
const { takeSnapshot } = await import(path.join(root, 'dist/integrity/snapshot.js'));
const { measure } = await import(path.join(root, 'dist/integrity/fingerprint.js'));

const admin = BENCH_ADMIN_URL;
const ROWS = Number(process.env.BENCH_ROWS ?? 5_000_000);
const JOB_ROWS = Number(process.env.BENCH_JOB_ROWS ?? 1_500_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const name = `prodguard_bench_${randomBytes(3).toString('hex')}`;

/**
 * Times several functions in turns (one warm-up each, then REPEAT rounds, each round running every
 * function once), so that all see the same machine load; returns the minimum per function in ms.
 * On a shared machine (CPU steal) the minimum is the most stable figure.
 */
async function timeTogether(...fns) {
  for (const fn of fns) await fn();
  const best = fns.map(() => Infinity);
  for (let i = 0; i < REPEAT; i++) {
    for (const [k, fn] of fns.entries()) {
      const t = performance.now();
      await fn();
      best[k] = Math.min(best[k], performance.now() - t);
    }
  }
  return best;
}
const time = async (fn) => (await timeTogether(fn))[0];
const ms = (x) => `${x.toFixed(0).padStart(7)} ms`;
const ratio = (x, base) => `${(x / base).toFixed(2)}x`;

await sql(admin, `CREATE DATABASE ${name}`);
const url = withDatabase(admin, name);
try {
  const loadStarted = performance.now();
  await sql(
    url,
    `CREATE TABLE big (id bigint PRIMARY KEY, account_id int NOT NULL, status text NOT NULL, amount numeric(12,2));
     INSERT INTO big SELECT g, g % 10007, CASE WHEN g % 3 = 0 THEN 'paid' ELSE 'open' END, (g % 1000) / 10.0 FROM generate_series(1, ${ROWS}) g;`,
  );
  for (const t of ['j1', 'j2', 'j3', 'j4']) {
    await sql(
      url,
      `CREATE TABLE ${t} (id bigint PRIMARY KEY, account_id int NOT NULL, status text NOT NULL);
       INSERT INTO ${t} SELECT g, g % 10007, 'open' FROM generate_series(1, ${JOB_ROWS}) g;`,
    );
  }
  await sql(url, 'VACUUM ANALYZE');
  const [{ version }] = await sql(url, `SELECT current_setting('server_version') AS version`);
  console.log(`PostgreSQL ${version}; big: ${ROWS} rows; j1..j4: ${JOB_ROWS} rows each; loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s; min of ${REPEAT} runs, run in turns`);

  const db = await openDb(url, { settings: { maxConnections: 4, statementTimeoutMs: 0 } });
  try {
    const spec = { method: 'primary-key', columns: ['id'], hashes: ['int8'] };
    const [count, fingerprint, sumOnly, snapBig] = await timeTogether(
      () => db.query('SELECT count(*) FROM big'),
      () => measure(db, { from: 'ONLY "public"."big"', spec }, { buckets: 0, keysUpTo: 0 }),
      () => db.query('SELECT count(*), sum(hashint8(id)) FROM big'),
      () => takeSnapshot(db, { include: ['big'] }),
    );
    const buckets = await time(() => measure(db, { from: 'ONLY "public"."big"', spec }, { buckets: 1024, keysUpTo: 0 }));
    const cli = await time(async () =>
      execFileSync(process.execPath, [path.join(root, 'bin/prodguard.js'), 'snapshot', '--db', url, '--include', 'big', '--out', '/dev/null'], {
        stdio: 'ignore',
      }),
    );
    console.log('\n5-million-row table');
    console.log(`  SELECT count(*)                         ${ms(count)}  1.00x (baseline)`);
    console.log(`  fingerprint: sum, avg of 64-bit hashes   ${ms(fingerprint)}  ${ratio(fingerprint, count)} (count from their shared state)`);
    console.log(`  (reference: count, sum of 32-bit hashint8) ${ms(sumOnly)}  ${ratio(sumOnly, count)}`);
    console.log(`  fingerprint with --buckets 1024          ${ms(buckets)}  ${ratio(buckets, count)}`);
    console.log(`  takeSnapshot(include big)                ${ms(snapBig)}  ${ratio(snapBig, count)}`);
    console.log(`  prodguard snapshot --include big (CLI)   ${ms(cli)}  ${ratio(cli, count)} (includes process start)`);

    const jobsFilter = { include: ['j*'] };
    const [{ workers }] = await sql(url, `SELECT current_setting('max_parallel_workers_per_gather') AS workers`);
    const snapshotCli = (jobs) => () =>
      execFileSync(process.execPath, [path.join(root, 'bin/prodguard.js'), 'snapshot', '--db', url, '--include', 'j*', '--jobs', String(jobs), '--out', '/dev/null'], { stdio: 'ignore' });
    // Two configurations: the server's parallel query (each job's scan may start parallel workers)
    // and none at all (the server setting forced to 0), to see whether jobs and parallel workers fight.
    const lib = {};
    for (const [label, gather] of [[`server setting (${workers})`, undefined], ['forced to 0', 0]]) {
      const jobsDb = await openDb(url, { settings: { maxConnections: 4, statementTimeoutMs: 0 } });
      try {
        const options = { parallelWorkersPerGather: gather ?? 'server' };
        const [jobs1, jobs2] = await timeTogether(
          () => takeSnapshot(jobsDb, { ...jobsFilter, ...options, jobs: 1 }),
          () => takeSnapshot(jobsDb, { ...jobsFilter, ...options, jobs: 2 }),
        );
        lib[label] = { jobs1, jobs2 };
        console.log(`\nfour ${JOB_ROWS}-row tables, max_parallel_workers_per_gather ${label}`);
        console.log(`  snapshot --jobs 1 (library)              ${ms(jobs1)}  1.00x`);
        console.log(`  snapshot --jobs 2 (library)              ${ms(jobs2)}  ${(jobs1 / jobs2).toFixed(2)}x faster`);
      } finally {
        await jobsDb.close();
      }
    }
    const [cli1, cli2] = await timeTogether(snapshotCli(1), snapshotCli(2));
    console.log('\nCLI (its default: parallel workers off per job session when --jobs > 1)');
    console.log(`  prodguard snapshot --jobs 1 (CLI)        ${ms(cli1)}  1.00x`);
    console.log(`  prodguard snapshot --jobs 2 (CLI)        ${ms(cli2)}  ${(cli1 / cli2).toFixed(2)}x faster`);
    const best1 = Math.min(...Object.values(lib).map((x) => x.jobs1));
    const best2 = Math.min(...Object.values(lib).map((x) => x.jobs2));
    console.log(`  best --jobs 2 against best --jobs 1 (library): ${(best1 / best2).toFixed(2)}x faster; CPUs here: ${(await import('node:os')).availableParallelism()}`);
  } finally {
    await db.close();
  }
} finally {
  if (!process.env.BENCH_KEEP) await sql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
