import type { EnvironmentKind, TestDataConfig } from '../config/schema.js';

/** The part of `testData` the checklist reads. */
export type PreflightTestData = Pick<TestDataConfig, 'tables' | 'column' | 'autoCleanup' | 'testMode'>;
import { kindFromName } from '../config/target.js';
import { readServerInfo, type ServerInfo, splitQualifiedName } from '../db/introspect.js';
import type { Db, Queryable } from '../db/types.js';
import { type EnvironmentIdentity, readIdentity } from '../identity/environment.js';
import { type CheckResult, summarize, type Summary, type Verdict } from '../report/checks.js';

export interface PreflightOptions {
  /** What the caller expects the database to be (from `--env` / `--expect`). */
  expected?: { name?: string | undefined; kind?: EnvironmentKind | undefined } | undefined;
  /** Test-data settings from config; readiness checks are skipped without tables. */
  testData?: PreflightTestData | undefined;
  /** A transaction open longer than this is reported. Default 60 s. */
  longTransactionMs?: number;
  /** How long the connection took, measured by whoever opened it. */
  connectMs?: number | undefined;
}

export interface PreflightReport {
  target: string;
  server: ServerInfo;
  identity: EnvironmentIdentity | null;
  checks: CheckResult[];
  summary: Summary;
  verdict: Verdict;
}

/**
 * The pre-flight safety checklist. Runs every check inside one READ ONLY transaction and
 * returns one result per check; never writes, never prints.
 *
 * @example
 * const report = await runPreflight(db, { expected: { name: 'staging', kind: 'staging' } });
 * if (report.verdict === 'fail') process.exitCode = 1;
 */
export async function runPreflight(db: Db, options: PreflightOptions = {}): Promise<PreflightReport> {
  return db.transaction(
    async (tx) => {
      const checks: CheckResult[] = [];
      const server = await readServerInfo(tx);
      checks.push({
        id: 'connection',
        title: 'database reachable',
        status: 'pass',
        message:
          options.connectMs === undefined
            ? `connected to ${db.displayUrl}`
            : `connected to ${db.displayUrl} in ${Math.round(options.connectMs)} ms`,
      });
      checks.push(serverVersionCheck(server, db.kind));
      checks.push(userCheck(server, db.kind));
      const identity = await readIdentity(tx);
      checks.push(identityCheck(identity, options.expected));
      checks.push(nameHeuristicCheck(server.database, identity, options.expected));
      checks.push(...(await testDataChecks(tx, options.testData)));
      checks.push(...(await activityChecks(tx, options.longTransactionMs ?? 60_000, db.kind)));
      const summary = summarize(checks);
      return { target: db.displayUrl, server, identity: identity ?? null, checks, summary, verdict: summary.verdict };
    },
    { readOnly: true },
  );
}

const SUPPORTED_MAJORS = { min: 14, max: 18 };

function serverVersionCheck(server: ServerInfo, kind: Db['kind']): CheckResult {
  const label = kind === 'pglite' ? `PGlite (PostgreSQL ${server.version})` : `PostgreSQL ${server.version}`;
  const data = { version: server.version, versionNum: server.versionNum };
  if (server.major < SUPPORTED_MAJORS.min || server.major > SUPPORTED_MAJORS.max) {
    return {
      id: 'server-version',
      title: 'server version',
      status: 'warn',
      message: `${label}: outside the supported range ${SUPPORTED_MAJORS.min}–${SUPPORTED_MAJORS.max}; checks may be incomplete`,
      data,
    };
  }
  return { id: 'server-version', title: 'server version', status: 'pass', message: label, data };
}

function userCheck(server: ServerInfo, kind: Db['kind']): CheckResult {
  const data = { user: server.currentUser, superuser: server.isSuperuser };
  if (server.isSuperuser && kind !== 'pglite') {
    return {
      id: 'user',
      title: 'connected user',
      status: 'warn',
      message: `connected as "${server.currentUser}", a superuser: test tooling should not run as superuser`,
      hint: 'create a role with only the privileges the tests need and connect as that role',
      data,
    };
  }
  const note = kind === 'pglite' ? ' (embedded database, single user)' : ', not a superuser';
  return { id: 'user', title: 'connected user', status: 'pass', message: `connected as "${server.currentUser}"${note}`, data };
}

function identityCheck(
  identity: EnvironmentIdentity | undefined,
  expected: PreflightOptions['expected'],
): CheckResult {
  const base = { id: 'identity', title: 'recorded identity' };
  if (!identity) {
    return {
      ...base,
      status: 'warn',
      message: expected?.name
        ? `database is not marked, so nothing proves it is "${expected.name}"`
        : 'database is not marked with its environment',
      hint: 'record it once: prodguard env mark --as <production|staging|test|development> --name NAME',
    };
  }
  const data = { ...identity };
  const recorded = `marked "${identity.name}" (${identity.kind}) by ${identity.markedBy} at ${identity.markedAt}`;
  const wantKind = expected?.kind;
  if (identity.kind === 'production' && wantKind && wantKind !== 'production') {
    return {
      ...base,
      status: 'fail',
      message: `this database is PRODUCTION (${recorded}) but a ${wantKind} run was asked for`,
      hint: 'check the URL of the environment; never point test tooling at production',
      data,
    };
  }
  if (expected?.name && expected.name !== identity.name) {
    return {
      ...base,
      status: 'fail',
      message: `expected environment "${expected.name}", but the database is ${recorded}`,
      hint: 'the URL points at another environment\'s database; fix the URL or re-mark the database',
      data,
    };
  }
  if (wantKind && wantKind !== identity.kind) {
    return {
      ...base,
      status: 'fail',
      message: `expected a ${wantKind} database, but it is ${recorded}`,
      hint: 'fix the environment URL, or its kind in prodguard.config',
      data,
    };
  }
  return { ...base, status: 'pass', message: recorded, data };
}

function nameHeuristicCheck(
  databaseName: string,
  identity: EnvironmentIdentity | undefined,
  expected: PreflightOptions['expected'],
): CheckResult {
  const base = { id: 'name-heuristic', title: 'database name' };
  const suggested = kindFromName(databaseName);
  const data = { database: databaseName, suggests: suggested ?? null };
  if (!suggested) {
    return { ...base, status: 'pass', message: `"${databaseName}" suggests no environment (second signal only)`, data };
  }
  const known = identity?.kind ?? expected?.kind;
  if (known && known !== suggested) {
    return {
      ...base,
      status: 'warn',
      message: `"${databaseName}" looks like ${suggested}, but ${identity ? 'it is marked' : 'you asked for'} ${known}`,
      hint: 'double-check that this is the database you mean',
      data,
    };
  }
  if (!identity && suggested === 'production') {
    return {
      ...base,
      status: 'warn',
      message: `"${databaseName}" looks like production and the database is not marked`,
      hint: 'mark it: prodguard env mark --as production',
      data,
    };
  }
  return { ...base, status: 'pass', message: `"${databaseName}" looks like ${suggested}`, data };
}

interface ColumnRow {
  table_exists: boolean;
  data_type: string | null;
  not_null: boolean | null;
  default_expr: string | null;
  usable_index: string | null;
  schema_name: string | null;
  table_name: string | null;
}

async function testDataChecks(tx: Queryable, testData: PreflightTestData | undefined): Promise<CheckResult[]> {
  if (!testData || testData.tables.length === 0) {
    return [
      {
        id: 'testdata',
        title: 'test-data readiness',
        status: 'skip',
        message: 'no testData.tables in config',
      },
    ];
  }
  const checks: CheckResult[] = [];
  const column = testData.column;
  for (const table of testData.tables) {
    checks.push(await markerCheck(tx, table, column));
  }
  const off = [
    testData.autoCleanup ? undefined : 'testData.autoCleanup',
    testData.testMode ? undefined : 'testData.testMode',
  ].filter((s): s is string => s !== undefined);
  checks.push(
    off.length === 0
      ? { id: 'testdata-settings', title: 'test-data settings', status: 'pass', message: 'autoCleanup and testMode are on' }
      : {
          id: 'testdata-settings',
          title: 'test-data settings',
          status: 'warn',
          message: `${off.join(' and ')} ${off.length > 1 ? 'are' : 'is'} off: test rows may be left behind`,
          hint: 'set them to true in prodguard.config',
        },
  );
  return checks;
}

async function markerCheck(tx: Queryable, table: string, column: string): Promise<CheckResult> {
  const { schema, name } = splitQualifiedName(table);
  const id = `testdata:${table}`;
  const title = `marker on ${table}`;
  const { rows } = await tx.query<ColumnRow>(
    `WITH rel AS (
       SELECT c.oid, n.nspname, c.relname
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relname = $1 AND c.relkind IN ('r', 'p')
          AND (($2::text IS NULL AND n.nspname = ANY (current_schemas(false))) OR n.nspname = $2)
        ORDER BY array_position(current_schemas(false), n.nspname::text) NULLS LAST
        LIMIT 1
     ), col AS (
       SELECT a.attnum, format_type(a.atttypid, a.atttypmod) AS data_type, a.attnotnull,
              pg_get_expr(d.adbin, d.adrelid) AS default_expr
         FROM rel JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attname = $3 AND NOT a.attisdropped
         LEFT JOIN pg_attrdef d ON d.adrelid = rel.oid AND d.adnum = a.attnum
     )
     SELECT (SELECT count(*) FROM rel) > 0 AS table_exists,
            (SELECT nspname FROM rel) AS schema_name,
            (SELECT relname FROM rel) AS table_name,
            col.data_type, col.attnotnull AS not_null, col.default_expr,
            (SELECT ic.relname
               FROM rel JOIN pg_index i ON i.indrelid = rel.oid
               JOIN pg_class ic ON ic.oid = i.indexrelid
              WHERE i.indisvalid AND (
                     (i.indkey[0] = col.attnum)
                  OR (i.indpred IS NOT NULL AND pg_get_expr(i.indpred, i.indrelid) ~ ('(^|[^a-z_])' || $3 || '($|[^a-z_])')))
              ORDER BY (i.indpred IS NOT NULL) DESC
              LIMIT 1) AS usable_index
       FROM (SELECT 1) one LEFT JOIN col ON true`,
    [name, schema ?? null, column],
  );
  const row = rows[0];
  if (!row?.table_exists) {
    return { id, title, status: 'fail', message: `table ${table} does not exist`, hint: 'fix testData.tables in config' };
  }
  const qualified = `${row.schema_name}.${row.table_name}`;
  if (row.data_type === null) {
    return {
      id,
      title,
      status: 'fail',
      message: `${qualified} has no ${column} column: its test rows cannot be told apart`,
      hint: 'generate the migration with: prodguard testdata install',
    };
  }
  const data = { table: qualified, column, type: row.data_type, notNull: row.not_null, default: row.default_expr, index: row.usable_index };
  if (row.data_type !== 'boolean') {
    return { id, title, status: 'fail', message: `${qualified}.${column} is ${row.data_type}, expected boolean`, data };
  }
  const problems: string[] = [];
  if (!row.not_null) problems.push('is nullable (NULL rows are neither test nor real)');
  if (!row.default_expr || !/^false$/i.test(row.default_expr.trim())) problems.push('has no DEFAULT false');
  if (!row.usable_index) problems.push('has no index usable for cleanup (partial index WHERE ' + column + ')');
  if (problems.length > 0) {
    return {
      id,
      title,
      status: 'warn',
      message: `${qualified}.${column} ${problems.join('; ')}`,
      hint: `expected ${column} boolean NOT NULL DEFAULT false and CREATE INDEX CONCURRENTLY ... WHERE ${column}`,
      data,
    };
  }
  return {
    id,
    title,
    status: 'pass',
    message: `${qualified}.${column} boolean NOT NULL DEFAULT false, index ${row.usable_index}`,
    data,
  };
}

interface ActivityRow {
  pid: number;
  application_name: string | null;
  state: string | null;
  seconds: string;
  wait_event_type: string | null;
}

async function activityChecks(tx: Queryable, longTransactionMs: number, kind: Db['kind']): Promise<CheckResult[]> {
  if (kind === 'pglite') {
    return [
      { id: 'long-transactions', title: 'long transactions', status: 'pass', message: 'embedded database: no other sessions' },
      { id: 'lock-waits', title: 'lock waits', status: 'pass', message: 'embedded database: no other sessions' },
    ];
  }
  const long = await tx.query<ActivityRow>(
    `SELECT pid, application_name, state, wait_event_type,
            round(extract(epoch FROM (clock_timestamp() - xact_start)))::text AS seconds
       FROM pg_stat_activity
      WHERE xact_start IS NOT NULL AND pid <> pg_backend_pid()
        AND datname = current_database()
        AND clock_timestamp() - xact_start > make_interval(secs => $1::double precision / 1000)
      ORDER BY xact_start
      LIMIT 20`,
    [longTransactionMs],
  );
  const waits = await tx.query<ActivityRow>(
    `SELECT DISTINCT a.pid, a.application_name, a.state, a.wait_event_type,
            round(extract(epoch FROM (clock_timestamp() - a.query_start)))::text AS seconds
       FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
      WHERE NOT l.granted AND a.pid <> pg_backend_pid() AND a.datname = current_database()
      LIMIT 20`,
  );
  const describeRow = (r: ActivityRow) =>
    `pid ${r.pid} (${r.application_name || 'no application_name'}, ${r.state ?? 'unknown'}, ${r.seconds} s)`;
  const limitSeconds = Math.round(longTransactionMs / 1000);
  return [
    long.rows.length === 0
      ? { id: 'long-transactions', title: 'long transactions', status: 'pass', message: `none open longer than ${limitSeconds} s` }
      : {
          id: 'long-transactions',
          title: 'long transactions',
          status: 'warn',
          message: `${long.rows.length} open longer than ${limitSeconds} s: ${long.rows.slice(0, 3).map(describeRow).join('; ')}`,
          hint: 'a migration would queue behind them and block every query after it; wait or end them first',
          data: { sessions: long.rows },
        },
    waits.rows.length === 0
      ? { id: 'lock-waits', title: 'lock waits', status: 'pass', message: 'no session is waiting for a lock' }
      : {
          id: 'lock-waits',
          title: 'lock waits',
          status: 'warn',
          message: `${waits.rows.length} session(s) waiting for a lock: ${waits.rows.slice(0, 3).map(describeRow).join('; ')}`,
          hint: 'the database is contended right now; do not start a deploy into it',
          data: { sessions: waits.rows },
        },
  ];
}
