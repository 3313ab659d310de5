// Benchmark of the read-only pre-checks of `prodguard check`. Builds a 5-million-row table in a
// scratch database (on PRODGUARD_BENCH_DATABASE_URL, else the local server), then times, in the
// same run: SELECT count(*) of the table (the baseline) and the pre-checks of one migration with
// several data-dependent statements on it (a CHECK, a SET NOT NULL, a UNIQUE, a FOREIGN KEY on an
// indexed column with 10,007 distinct values),
// which prodguard combines into one scan. Prints both, the number of checked expressions and the
// ratio per checked expression (target: <= ~1.5x count(*) per expression).
// Run after `npm run build`: node bench/check.mjs
// Env: BENCH_ROWS (default 5000000), BENCH_REPEAT (5; min and median are printed), BENCH_KEEP=1 keeps the database.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { BENCH_ADMIN_URL, sql, withDatabase } from './scratch.mjs';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const { requireFreshBuild } = await import('./fresh.mjs');
requireFreshBuild(root);
const { openDb } = await import(path.join(root, 'dist/db/open.js'));
const { runCheck } = await import(path.join(root, 'dist/check/run.js'));
const { discoverMigrations } = await import(path.join(root, 'dist/migrations/discover.js'));

const admin = BENCH_ADMIN_URL;
const ROWS = Number(process.env.BENCH_ROWS ?? 5_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const name = `prodguard_bench_check_${randomBytes(3).toString('hex')}`;

/** Min and median of REPEAT timed runs after one warm-up, in ms. */
async function time(fn) {
  await fn();
  const runs = [];
  for (let i = 0; i < REPEAT; i++) {
    const t = performance.now();
    await fn();
    runs.push(performance.now() - t);
  }
  runs.sort((a, b) => a - b);
  return { min: runs[0], median: runs[Math.floor(runs.length / 2)] };
}
const ms = (x) => `${x.toFixed(0).padStart(6)} ms`;

const MIGRATION = `ALTER TABLE big ADD CONSTRAINT big_status_check CHECK (status IN ('open', 'paid', 'void'));
ALTER TABLE big ALTER COLUMN account_id SET NOT NULL;
ALTER TABLE big ADD CONSTRAINT big_ref_key UNIQUE (ref);
ALTER TABLE big ADD CONSTRAINT big_account_fk FOREIGN KEY (account_id) REFERENCES accounts (id);
`;
const EXPRESSIONS = 4;

await sql(admin, `CREATE DATABASE ${name}`);
const url = withDatabase(admin, name);
try {
  const loadStarted = performance.now();
  await sql(
    url,
    `CREATE TABLE accounts (id int PRIMARY KEY);
     INSERT INTO accounts SELECT g FROM generate_series(0, 10006) g;
     CREATE TABLE big (id bigint PRIMARY KEY, account_id int, status text NOT NULL, ref bigint, amount numeric(12,2));
     INSERT INTO big SELECT g, g % 10007, CASE WHEN g % 3 = 0 THEN 'paid' ELSE 'open' END, g * 7, (g % 1000) / 10.0 FROM generate_series(1, ${ROWS}) g;
     CREATE INDEX ON big (account_id);`,
  );
  await sql(url, 'VACUUM ANALYZE');
  const [{ version }] = await sql(url, `SELECT current_setting('server_version') AS version`);
  const [{ workers }] = await sql(url, `SELECT current_setting('max_parallel_workers_per_gather') AS workers`);
  console.log(`PostgreSQL ${version}; big: ${ROWS} rows; loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s; ${REPEAT} runs after a warm-up (max_parallel_workers_per_gather=${workers})`);

  const migrationFiles = async (text) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-bench-check-'));
    mkdirSync(path.join(dir, 'migrations'));
    writeFileSync(path.join(dir, 'migrations', '001_constraints.sql'), text);
    return discoverMigrations(['migrations'], { cwd: dir });
  };
  const withoutUnique = MIGRATION.split('\n').filter((line) => !line.includes('UNIQUE')).join('\n');
  const cases = [
    { label: 'CHECK, SET NOT NULL, UNIQUE, FOREIGN KEY', files: await migrationFiles(MIGRATION), expressions: EXPRESSIONS },
    { label: 'CHECK, SET NOT NULL, FOREIGN KEY (no UNIQUE)', files: await migrationFiles(withoutUnique), expressions: EXPRESSIONS - 1 },
  ];

  const db = await openDb(url, { settings: { statementTimeoutMs: 0 } });
  try {
    const count = await time(() => db.query('SELECT count(*) FROM big'));
    console.log(`\n  SELECT count(*) FROM big: min ${ms(count.min)}, median ${ms(count.median)} (baseline)`);
    // Last: the same migration with the FK column unindexed, so the FK is answered in the scan too.
    cases.push({ label: 'CHECK, SET NOT NULL, UNIQUE, FOREIGN KEY (FK column not indexed: hashed NOT IN in the scan)', files: cases[0].files, expressions: EXPRESSIONS, before: () => sql(url, 'DROP INDEX big_account_id_idx') });
    for (const c of cases) {
      if (c.before) await c.before();
      let report;
      const prechecks = await time(async () => {
        report = await runCheck({ files: c.files, db, select: { kind: 'all' }, preChecksOnly: true });
      });
      const findings = report.migrations.flatMap((m) => m.statements.flatMap((s) => s.findings.map((f) => f.id)));
      const ratio = prechecks.min / count.min;
      console.log(`\n  pre-checks of one migration: ${c.label}`);
      console.log(`    time: min ${ms(prechecks.min)}, median ${ms(prechecks.median)}; findings: ${findings.join(', ') || 'none'}`);
      console.log(`    checked expressions: ${c.expressions}`);
      console.log(`    ratio to count(*): ${ratio.toFixed(2)}x in total, ${(ratio / c.expressions).toFixed(2)}x per checked expression (min times; target <= ~1.5x)`);
      console.log(`    (medians: ${(prechecks.median / count.median).toFixed(2)}x in total, ${(prechecks.median / count.median / c.expressions).toFixed(2)}x per expression)`);
    }
  } finally {
    await db.close();
  }
} finally {
  if (!process.env.BENCH_KEEP) await sql(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}
