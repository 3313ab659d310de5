/**
 * `prodguard check`: will these migrations work on this data?
 *
 * - shadow: no database given. Every migration before the analysed ones is applied to a fresh
 *   PGlite database; the analysed ones are pre-checked and run statement by statement there.
 * - rehearsal: a real database. The analysed (by default: pending) migrations are pre-checked and
 *   run inside ONE transaction that is always rolled back, with a short lock_timeout. A killed
 *   client or connection leaves nothing behind: the server rolls back a transaction whose
 *   connection is gone.
 * - pre-checks: only read-only queries in a READ ONLY transaction. The only mode allowed on a
 *   database recorded as production unless `executeOnProduction` is set.
 */
import { parseSync } from 'libpg-query';
import { openDb } from '../db/open.js';
import { readServerInfo, splitQualifiedName } from '../db/introspect.js';
import type { Db, Queryable } from '../db/types.js';
import { DatabaseError, UsageError } from '../errors.js';
import { readIdentity, type EnvironmentIdentity } from '../identity/environment.js';
import { type AppliedLedger, isApplied, readAppliedMigrations } from '../migrations/ledger.js';
import { ensureParser, parseMigration, type ParsedMigration } from '../migrations/parse.js';
import type { MigrationFile, MigrationLayout, ParsedStatement, PgNode } from '../migrations/types.js';
import { runInstrumented } from './capture.js';
import { formatBytes } from './format.js';
import { tableInfo } from './catalog.js';
import { MigrationState, PRECHECK_WORK_MEM, runPrechecks, inSavepoint, type PrecheckItem } from './prechecks.js';
import { displayName } from './sql-text.js';
import { analyseStatement, type StatementAnalysis } from './questions.js';
import type {
  CheckFinding,
  CheckMode,
  CheckProgress,
  CheckReport,
  MigrationCheck,
  StatementCheck,
  TableSize,
} from './types.js';

/** Which migrations to analyse. */
export type CheckSelection =
  | { kind: 'all' }
  /** Those the migration tool's ledger does not record as applied (needs a database). */
  | { kind: 'pending' }
  | { kind: 'last'; count: number }
  /** Those whose paths are in the set (e.g. changed since a git ref). */
  | { kind: 'since'; paths: ReadonlySet<string> };

export interface CheckOptions {
  /** Every migration, in the order the tool applies them (discoverMigrations). */
  files: readonly MigrationFile[];
  /** The database to rehearse on; omitted: shadow replay on an embedded PGlite database. */
  db?: Db | undefined;
  /** Default: pending with a database, all without. */
  select?: CheckSelection | undefined;
  /** Only the read-only pre-checks, even where a rehearsal is allowed. */
  preChecksOnly?: boolean | undefined;
  /** Allow the rehearsal on a database recorded as production (lock_timeout is then at most 1 s). */
  executeOnProduction?: boolean | undefined;
  /**
   * The caller's config declares the target production (kind or `protected`): treated as a
   * production identity even when the database itself was never marked.
   */
  declaredProduction?: boolean | undefined;
  /** lock_timeout of the rehearsal (default 2000 ms). */
  lockTimeoutMs?: number | undefined;
  /** Values for `{{ placeholders }}` in migrations (config lint.templateValues). */
  templateValues?: Record<string, string> | undefined;
  /** Opens the shadow database (default `pglite://memory`). */
  openShadow?: (() => Promise<Db>) | undefined;
  onProgress?: ((event: CheckProgress) => void) | undefined;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 2_000;
export const PRODUCTION_MAX_LOCK_TIMEOUT_MS = 1_000;
const LARGE_ROWS = 1_000_000;
const LARGE_BYTES = 1024 ** 3;

interface Prepared {
  file: MigrationFile;
  parsed: ParsedMigration;
  statements: { statement: ParsedStatement; analysis: StatementAnalysis }[];
}

function statementNode(statement: ParsedStatement): PgNode | undefined {
  if (!statement.node) return undefined;
  // Locations in the file-level parse are relative to the file; re-parse the statement on its own.
  try {
    return (parseSync(statement.sql) as { stmts?: { stmt?: PgNode }[] }).stmts?.[0]?.stmt;
  } catch {
    return statement.node;
  }
}

function prepare(file: MigrationFile, templateValues: Record<string, string> | undefined): Prepared {
  const parsed = parseMigration(file, { templateValues });
  return {
    file,
    parsed,
    statements: parsed.statements.map((statement) => ({ statement, analysis: analyseStatement(statementNode(statement), statement.sql) })),
  };
}

function firstLine(sql: string): string {
  const line = sql.split('\n').find((l) => l.trim() !== '') ?? sql;
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

function baseStatement(s: ParsedStatement, analysis?: StatementAnalysis): StatementCheck {
  return {
    expectedLocks: (analysis?.locks ?? []).map((l) => ({ relation: displayName(l.table), mode: l.mode })),
    index: s.index,
    line: s.span.start.line,
    column: s.span.start.column,
    sql: firstLine(s.sql),
    kind: s.kind,
    status: 'not-run',
    locks: [],
    locksCaptured: false,
    rewrites: [],
    rowsAffected: null,
    durationMs: null,
    tables: [],
    findings: [],
  };
}

/** A statement the shadow cannot even send: a syntax error or an unfilled template placeholder. */
function unparsable(s: ParsedStatement): StatementCheck['error'] | undefined {
  if (s.templated) {
    return { message: 'the statement holds template placeholders without values (set lint.templateValues in config)', line: s.span.start.line, column: s.span.start.column };
  }
  if (s.syntaxError) return { message: `syntax error: ${s.syntaxError.message}`, sqlState: '42601', ...s.syntaxError.position };
  return undefined;
}

function errorOf(error: Error, prepared: Prepared, s: ParsedStatement): NonNullable<StatementCheck['error']> {
  let position = s.span.start;
  if (error instanceof DatabaseError && error.position !== undefined) {
    position = prepared.parsed.lines.position(Math.min(s.span.startOffset + error.position - 1, s.span.endOffset));
  }
  return {
    message: error.message,
    sqlState: error instanceof DatabaseError ? error.sqlState : undefined,
    detail: error instanceof DatabaseError ? error.detail : undefined,
    line: position.line,
    column: position.column,
  };
}

function failureFinding(file: MigrationFile, check: StatementCheck): CheckFinding {
  const error = check.error!;
  if (error.sqlState === '55P03') {
    return {
      id: 'lock-timeout',
      severity: 'error',
      message: `${file.path}:${error.line}: could not get its lock in time (${error.message}): another session holds a conflicting lock`,
      help: 'Find the blocker (pg_stat_activity, pg_locks), retry when it is gone, and deploy with a short lock_timeout and retries so the migration never queues behind it.',
    };
  }
  return {
    id: 'migration-failed',
    severity: 'error',
    message: `${file.path}:${error.line}:${error.column}: the statement fails: ${error.message}${error.detail ? ` (${error.detail})` : ''}`,
    help: 'Fix the migration so it applies on this schema and data; the statements after it did not run.',
  };
}

async function sizeOf(db: Queryable, table: { schema?: string | undefined; name: string }): Promise<TableSize | undefined> {
  const read = await inSavepoint(db, () => tableInfo(db, table));
  if (!read.ok || !read.value) return undefined;
  return { table: read.value.display, bytes: read.value.bytes, estimatedRows: Math.max(-1, Math.round(read.value.estimatedRows)) };
}

function largeTableFindings(check: StatementCheck, expected: StatementAnalysis): CheckFinding[] {
  const findings: CheckFinding[] = [];
  for (const size of check.tables) {
    if (size.estimatedRows < LARGE_ROWS && size.bytes < LARGE_BYTES) continue;
    const rewrites = check.rewrites.some((r) => r.relation === size.table) || expected.locks.some((l) => l.mayRewrite);
    findings.push({
      id: 'large-table-lock',
      severity: 'warning',
      message: `${check.sql}: ${rewrites ? 'rewrites' : 'locks ACCESS EXCLUSIVE'} ${size.table} (${formatBytes(size.bytes)}, ~${size.estimatedRows.toLocaleString('en-US')} rows): reads and writes wait ${rewrites ? 'for the whole copy' : 'while it holds the lock'}`,
      help: rewrites
        ? 'Avoid the rewrite: add a new column, backfill it in batches, switch reads and writes, then drop the old one.'
        : "Deploy with SET lock_timeout = '2s' and retries, and prefer the non-blocking form (CREATE INDEX CONCURRENTLY, ADD CONSTRAINT ... NOT VALID then VALIDATE, add nullable columns).",
      table: size.table,
    });
  }
  return findings;
}

/** Table sizes for what the statement is expected to lock ACCESS EXCLUSIVE or rewrite. */
async function expectedSizes(db: Queryable, analysis: StatementAnalysis): Promise<TableSize[]> {
  const sizes: TableSize[] = [];
  for (const lock of analysis.locks) {
    if (lock.mode !== 'AccessExclusiveLock' && !lock.mayRewrite) continue;
    const size = await sizeOf(db, lock.table);
    if (size && !sizes.some((s) => s.table === size.table)) sizes.push(size);
  }
  return sizes;
}

interface RunContext {
  mode: CheckMode;
  serverVersionNum: number;
  productionReason: string | undefined;
}

/**
 * Pre-checks and runs one migration's statements on `db`, which is inside the caller's transaction
 * (rehearsal) or in autocommit (shadow: each statement gets its own transaction). Returns the
 * migration's result and whether it failed.
 */
async function checkMigration(db: Queryable, prepared: Prepared, ctx: RunContext): Promise<MigrationCheck> {
  const { file } = prepared;
  const result: MigrationCheck = { path: file.path, version: file.version, name: file.name, role: 'analysed', status: 'ok', statements: [] };
  const allQuestions = prepared.statements.flatMap((s) => s.analysis.questions);
  const shadow = ctx.mode === 'shadow';
  if (shadow) await db.exec('BEGIN');
  const state = await MigrationState.start(db, allQuestions);
  if (shadow) await db.exec('COMMIT');

  if (ctx.mode === 'pre-checks') {
    result.status = 'pre-checks-only';
    const items: PrecheckItem[] = [];
    for (const { statement, analysis } of prepared.statements) {
      for (const question of analysis.questions) items.push({ statement: statement.index, question });
    }
    // Statement by statement, the tables an earlier statement writes make later counts a guess.
    const findings = await precheckWithWrites(db, prepared, items, state, ctx);
    for (const { statement, analysis } of prepared.statements) {
      const check = baseStatement(statement, analysis);
      check.status = 'not-rehearsed';
      check.reason = ctx.productionReason ?? 'pre-checks only: the statement was not run';
      check.tables = await expectedSizes(db, analysis);
      check.findings = [...(findings.get(statement.index) ?? []), ...largeTableFindings(check, analysis)];
      const error = unparsable(statement);
      if (error) {
        check.error = error;
        check.findings.unshift(failureFinding(file, check));
      }
      result.statements.push(check);
    }
    return result;
  }

  let failed = false;
  for (const { statement, analysis } of prepared.statements) {
    const check = baseStatement(statement, analysis);
    result.statements.push(check);
    if (failed) continue;
    const error = unparsable(statement);
    if (error) {
      check.status = 'failed';
      check.error = error;
      check.findings.push(failureFinding(file, check));
      failed = true;
      continue;
    }
    if (analysis.transactionControl) {
      check.status = 'not-rehearsed';
      check.reason = 'transaction control: the check runs the migration in its own transaction';
      continue;
    }
    if (shadow) await db.exec('BEGIN');
    const items = analysis.questions.map((question) => ({ statement: statement.index, question }));
    const findings = items.length > 0 ? await runPrechecks(db, items, { serverVersionNum: ctx.serverVersionNum, state }) : new Map<number, CheckFinding[]>();
    check.findings.push(...(findings.get(statement.index) ?? []));
    check.tables = await expectedSizes(db, analysis);
    if (analysis.notInTransaction && !shadow) {
      check.status = 'not-rehearsed';
      check.reason = `${analysis.notInTransaction}; the rehearsal runs in one transaction that is rolled back`;
      check.findings.push({
        id: 'not-rehearsed',
        severity: 'info',
        message: `${check.sql}: not rehearsed (${analysis.notInTransaction})`,
        help: 'Its data pre-checks ran; run it on a staging copy with the migration tool to time it.',
      });
      continue;
    }
    let run;
    if (analysis.notInTransaction) {
      // Shadow only: the statement must run outside a transaction, so its locks are not visible afterwards.
      await db.exec('COMMIT');
      const started = performance.now();
      try {
        await db.exec(statement.sql);
        run = { ok: true as const, rowsAffected: null, durationMs: performance.now() - started, locks: [], rewrites: [] };
      } catch (e) {
        run = { ok: false as const, error: e as Error, rowsAffected: null, durationMs: performance.now() - started, locks: [], rewrites: [] };
      }
    } else {
      run = await runInstrumented(db, statement.sql, statement.kind);
      check.locksCaptured = true;
      if (shadow) await db.exec('COMMIT');
    }
    check.durationMs = Math.round(run.durationMs * 10) / 10;
    check.rowsAffected = run.rowsAffected;
    check.locks = run.locks;
    check.rewrites = run.rewrites;
    for (const written of analysis.writes) state.written.add(`${written.schema ?? 'public'}.${written.name}`);
    if (!run.ok) {
      check.status = 'failed';
      check.error = errorOf(run.error!, prepared, statement);
      check.findings.unshift(failureFinding(file, check));
      failed = true;
      continue;
    }
    check.status = 'ok';
    for (const lock of run.locks) {
      if (lock.mode === 'AccessExclusiveLock' && lock.relationKind === 'table' && !check.tables.some((t) => t.table === lock.relation)) {
        const size = await sizeOf(db, splitQualifiedName(lock.relation));
        if (size) check.tables.push(size);
      }
    }
    check.findings.push(...largeTableFindings(check, analysis));
  }
  if (failed) result.status = 'failed';
  return result;
}

/** Pre-checks of a whole migration without running it: one batch per run of statements that do not write. */
async function precheckWithWrites(
  db: Queryable,
  prepared: Prepared,
  items: PrecheckItem[],
  state: MigrationState,
  ctx: RunContext,
): Promise<Map<number, CheckFinding[]>> {
  const all = new Map<number, CheckFinding[]>();
  let batch: PrecheckItem[] = [];
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    for (const [index, list] of await runPrechecks(db, batch, { serverVersionNum: ctx.serverVersionNum, state })) {
      all.set(index, [...(all.get(index) ?? []), ...list]);
    }
    batch = [];
  };
  for (const { statement, analysis } of prepared.statements) {
    if (analysis.writes.length > 0) {
      await flush();
      for (const w of analysis.writes) state.written.add(`${w.schema ?? 'public'}.${w.name}`);
    }
    batch.push(...items.filter((i) => i.statement === statement.index));
  }
  await flush();
  return all;
}

/** Applies one migration to the shadow, statement by statement in autocommit; the first failure is returned (and stops the replay). */
async function replayMigration(db: Queryable, prepared: Prepared): Promise<MigrationCheck | undefined> {
  for (const { statement, analysis } of prepared.statements) {
    if (analysis.transactionControl) continue;
    const error = unparsable(statement);
    let failure: StatementCheck['error'] | undefined = error;
    if (!failure) {
      try {
        await db.exec(statement.sql);
      } catch (e) {
        failure = errorOf(e as Error, prepared, statement);
      }
    }
    if (failure) {
      const { file } = prepared;
      const check = { ...baseStatement(statement), status: 'failed' as const, error: failure };
      check.findings.push(failureFinding(file, check));
      return { path: file.path, version: file.version, name: file.name, role: 'replayed', status: 'failed', statements: [check] };
    }
  }
  return undefined;
}

function notRun(prepared: Prepared, reason: string): MigrationCheck {
  const { file } = prepared;
  return {
    path: file.path,
    version: file.version,
    name: file.name,
    role: 'analysed',
    status: 'not-run',
    statements: prepared.statements.map(({ statement, analysis }) => ({ ...baseStatement(statement, analysis), reason })),
  };
}

async function readLedgers(db: Queryable, files: readonly MigrationFile[]): Promise<Map<MigrationLayout, AppliedLedger>> {
  const ledgers = new Map<MigrationLayout, AppliedLedger>();
  for (const layout of new Set(files.map((f) => f.layout))) ledgers.set(layout, await readAppliedMigrations(db, layout));
  return ledgers;
}

async function safeIdentity(db: Db): Promise<EnvironmentIdentity | undefined> {
  try {
    return await readIdentity(db);
  } catch {
    return undefined;
  }
}

/**
 * Checks migrations against real data (see the module comment for the three modes) and returns a
 * JSON-serialisable report. Never commits anything on `options.db`: the rehearsal's transaction
 * is always rolled back, and on a database recorded as production only read-only queries run
 * unless `executeOnProduction` is set.
 *
 * @throws UsageError for `pending` without a database; ConnectionError when the database goes away.
 * @example
 * const files = await discoverMigrations(['prisma/migrations']);
 * const report = await runCheck({ files, db: await openDb(process.env.STAGING_URL!) });
 * if (report.verdict === 'fail') process.exitCode = 1;
 */
export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  await ensureParser();
  const db = options.db;
  const select = options.select ?? (db ? { kind: 'pending' } : { kind: 'all' });
  if (select.kind === 'pending' && !db) {
    throw new UsageError('--pending needs a database to read the migration ledger from', { hint: 'give --db URL or --env NAME, or use --since REF / --last N for the shadow replay' });
  }
  const prepared = options.files.map((file) => prepare(file, options.templateValues));

  let ledger: CheckReport['ledger'];
  let targets: Set<Prepared>;
  const identity = db ? await safeIdentity(db) : undefined;
  if (select.kind === 'pending') {
    const ledgers = await readLedgers(db!, options.files);
    targets = new Set(prepared.filter((p) => !isApplied(p.file, ledgers.get(p.file.layout)!)));
    const first = ledgers.get(options.files[0]?.layout ?? 'plain');
    ledger = {
      layout: first?.layout ?? 'plain',
      table: first?.table ?? null,
      applied: prepared.length - targets.size,
      pending: targets.size,
    };
  } else if (select.kind === 'last') {
    targets = new Set(select.count > 0 ? prepared.slice(-select.count) : []);
  } else if (select.kind === 'since') {
    targets = new Set(prepared.filter((p) => select.paths.has(p.file.path)));
  } else {
    targets = new Set(prepared);
  }

  let mode: CheckMode = db ? 'rehearsal' : 'shadow';
  let productionReason: string | undefined;
  let lockTimeoutMs = options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  if (db && (identity?.kind === 'production' || options.declaredProduction)) {
    if (options.executeOnProduction) lockTimeoutMs = Math.min(lockTimeoutMs, PRODUCTION_MAX_LOCK_TIMEOUT_MS);
    else {
      mode = 'pre-checks';
      const why = identity?.kind === 'production' ? `recorded as production ("${identity.name}")` : 'declared production in the config';
      productionReason = `the database is ${why}: only read-only pre-checks ran (--execute-on-production rehearses, with lock_timeout at most ${PRODUCTION_MAX_LOCK_TIMEOUT_MS} ms)`;
    }
  }
  if (db && options.preChecksOnly) mode = 'pre-checks';

  const migrations: MigrationCheck[] = [];
  let replayed = 0;
  const analysed = prepared.filter((p) => targets.has(p));
  const progress = (phase: CheckProgress['phase'], done: number, total: number, path: string): void =>
    options.onProgress?.({ phase, done, total, path });

  if (!db) {
    const shadow = await (options.openShadow ?? (() => openDb('pglite://memory')))();
    try {
      const serverVersionNum = (await readServerInfo(shadow)).versionNum;
      await shadow.withConnection(async (conn) => {
        let stopped: string | undefined;
        let done = 0;
        for (const p of prepared) {
          if (stopped) {
            if (targets.has(p)) migrations.push(notRun(p, stopped));
            continue;
          }
          if (targets.has(p)) {
            progress('check', ++done, analysed.length, p.file.path);
            const result = await checkMigration(conn, p, { mode: 'shadow', serverVersionNum, productionReason: undefined });
            migrations.push(result);
            if (result.status === 'failed') stopped = `not run: ${p.file.path} failed before it`;
          } else {
            progress('replay', replayed + 1, prepared.length - analysed.length, p.file.path);
            const failure = await replayMigration(conn, p);
            if (failure) {
              migrations.push(failure);
              stopped = `not run: ${p.file.path} failed to apply before it`;
            } else replayed++;
          }
        }
      });
    } finally {
      await shadow.close();
    }
  } else {
    const serverVersionNum = (await readServerInfo(db)).versionNum;
    const body = async (tx: Queryable): Promise<void> => {
      await tx.query(
        `SELECT set_config('work_mem', $1, true) WHERE pg_size_bytes(current_setting('work_mem')) < pg_size_bytes($1)`,
        [PRECHECK_WORK_MEM],
      );
      if (mode === 'rehearsal') {
        await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [`${lockTimeoutMs}ms`]);
        // PostgreSQL 14+: notice a vanished client during a long statement and roll back within a second.
        await inSavepoint(tx, () => tx.query(`SELECT set_config('client_connection_check_interval', '1s', true)`));
      }
      let stopped: string | undefined;
      let done = 0;
      for (const p of analysed) {
        progress('check', ++done, analysed.length, p.file.path);
        if (stopped) {
          migrations.push(notRun(p, stopped));
          continue;
        }
        const result = await checkMigration(tx, p, { mode, serverVersionNum, productionReason });
        migrations.push(result);
        if (result.status === 'failed') stopped = `not run: ${p.file.path} failed before it`;
      }
    };
    // The rehearsal's writes never commit: rollbackOnly ends in ROLLBACK whatever happens.
    await db.rollbackOnly(body, { readOnly: mode === 'pre-checks' });
  }

  const statements = migrations.flatMap((m) => m.statements);
  const findings = statements.flatMap((s) => s.findings);
  const summary = {
    migrations: migrations.filter((m) => m.role === 'analysed').length,
    statements: statements.length,
    failedMigrations: migrations.filter((m) => m.status === 'failed').length,
    notRehearsed: statements.filter((s) => s.status === 'not-rehearsed').length,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
  };
  return {
    command: 'check',
    version: 1,
    mode,
    target: db ? db.displayUrl : 'pglite://memory (shadow)',
    identity: identity ? { name: identity.name, kind: identity.kind } : null,
    selection: select.kind,
    ledger,
    replayed,
    lockTimeoutMs,
    migrations,
    summary,
    verdict: summary.failedMigrations > 0 || summary.errors > 0 ? 'fail' : 'pass',
  };
}
