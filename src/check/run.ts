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
import { kindFromName } from '../config/target.js';
import { readIdentity, type EnvironmentIdentity } from '../identity/environment.js';
import { createRedactor } from '../redact/redactor.js';
import { type AppliedLedger, isApplied, LEDGER_TABLES, ledgerProblems, readAppliedMigrations } from '../migrations/ledger.js';
import { ensureParser, parseMigration, type ParsedMigration } from '../migrations/parse.js';
import { substitutePlaceholders, type Substitution } from '../migrations/templates.js';
import type { MigrationFile, MigrationLayout, ParsedStatement, PgNode } from '../migrations/types.js';
import { runInstrumented } from './capture.js';
import { formatBytes } from '../report/bytes.js';
import { tableInfo } from './catalog.js';
import { MigrationState, PRECHECK_WORK_MEM, runPrechecks, inSavepoint, type PrecheckItem } from './prechecks.js';
import { displayName } from './sql-text.js';
import { analyseStatement, type StatementAnalysis } from './questions.js';
import { type HazardOptions, rehearsalHazard } from './hazards.js';
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
  /** Run DO blocks and CALL in a rehearsal on production (otherwise listed as not rehearsed). */
  rehearseDoCall?: boolean | undefined;
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
/** statement_timeout of a rehearsal on production (--execute-on-production): at most this. */
export const PRODUCTION_MAX_STATEMENT_TIMEOUT_MS = 15_000;
/** statement_timeout of the read-only pre-checks on production: at most this per query. */
export const PRODUCTION_MAX_PRECHECK_TIMEOUT_MS = 30_000;
const LARGE_ROWS = 1_000_000;
/** active_sql_transaction: "... cannot run inside a transaction block". */
const NOT_IN_TRANSACTION_STATE = '25001';
const LARGE_BYTES = 1024 ** 3;

interface PreparedStatement {
  statement: ParsedStatement;
  /** The text sent to the server: the statement with lint.templateValues substituted. */
  text: Substitution;
  node: PgNode | undefined;
  analysis: StatementAnalysis;
}

interface Prepared {
  file: MigrationFile;
  parsed: ParsedMigration;
  statements: PreparedStatement[];
}

/**
 * The statement's node with locations relative to `text` (what analyseStatement cuts expressions
 * out of): the file-level parse has them relative to the whole file.
 */
function statementNode(statement: ParsedStatement, text: string): PgNode | undefined {
  if (!statement.node) return undefined;
  try {
    return (parseSync(text) as { stmts?: { stmt?: PgNode }[] }).stmts?.[0]?.stmt;
  } catch {
    return statement.node;
  }
}

function prepare(file: MigrationFile, templateValues: Record<string, string> | undefined): Prepared {
  const parsed = parseMigration(file, { templateValues });
  return {
    file,
    parsed,
    statements: parsed.statements.map((statement) => {
      // Placeholders are substituted per statement exactly as in the file-level parse.
      const text = substitutePlaceholders(statement.sql, templateValues);
      const node = statementNode(statement, text.text);
      return { statement, text, node, analysis: analyseStatement(node, text.text) };
    }),
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

function errorOf(error: Error, prepared: Prepared, { statement: s, text }: PreparedStatement): NonNullable<StatementCheck['error']> {
  let position = s.span.start;
  if (error instanceof DatabaseError && error.position !== undefined) {
    // The server's position is in the substituted text; map it back into the file.
    position = prepared.parsed.lines.position(Math.min(s.span.startOffset + text.toOriginal(error.position - 1), s.span.endOffset));
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
    // "rewrites" only when measured; a statement that did not run "may rewrite" (a type change
    // often does, not always: varchar -> text does not).
    const measured = check.rewrites.some((r) => r.relation === size.table);
    const possible = !measured && !check.locksCaptured && expected.locks.some((l) => l.mayRewrite);
    const rewrites = measured || possible;
    const verb = measured ? 'rewrites' : possible ? 'may rewrite' : 'locks ACCESS EXCLUSIVE';
    findings.push({
      id: 'large-table-lock',
      severity: 'warning',
      message: `${check.sql}: ${verb} ${size.table} (${formatBytes(size.bytes)}, ~${size.estimatedRows.toLocaleString('en-US')} rows): reads and writes wait ${rewrites ? 'for the whole copy' : 'while it holds the lock'}`,
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
  /** Rehearsal: what decides which statements must not run (see hazards.ts). */
  hazards: HazardOptions;
  /** Rehearsal: re-applied before every statement, so no statement can switch them off. */
  timeouts: { lockTimeoutMs: number; statementTimeoutMs: number };
  /** One per run: what earlier checked migrations dropped and which definitions were there before. */
  state: MigrationState;
}

/** Re-applies the rehearsal's timeouts (transaction-local) before a statement. */
async function applyTimeouts(db: Queryable, timeouts: RunContext['timeouts']): Promise<void> {
  await db.query(`SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true)`, [
    `${timeouts.lockTimeoutMs}ms`,
    `${timeouts.statementTimeoutMs}ms`,
  ]);
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
  const state = ctx.state;
  if (shadow) await db.exec('BEGIN');
  await state.observe(db, allQuestions);
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
  for (const prep of prepared.statements) {
    const { statement, node, analysis, text } = prep;
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
    const hazard = shadow ? undefined : rehearsalHazard(node, ctx.hazards);
    if (hazard) {
      check.status = 'not-rehearsed';
      check.reason = `not run: ${hazard}`;
      // SET/RESET of a timeout is good practice in a migration (lint asks for lock_timeout); the
      // rehearsal keeps its own, so skipping it is no risk. Effects that survive the rollback are.
      const settingOnly = statement.kind === 'VariableSetStmt';
      check.findings.push({
        id: 'not-rehearsed',
        severity: settingOnly ? 'info' : 'warning',
        message: `${check.sql}: not rehearsed (${hazard})`,
        help: settingOnly
          ? 'The rehearsal keeps its own lock_timeout and statement_timeout; the migration tool applies this setting on the deploy.'
          : 'The rehearsal skipped it; review it by hand, or move it out of the migration if it is not part of the schema change.',
      });
      continue;
    }
    if (shadow) await db.exec('BEGIN');
    else await applyTimeouts(db, ctx.timeouts);
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
        await db.exec(text.text);
        run = { ok: true as const, rowsAffected: null, durationMs: performance.now() - started, locks: [], rewrites: [] };
      } catch (e) {
        run = { ok: false as const, error: e as Error, rowsAffected: null, durationMs: performance.now() - started, locks: [], rewrites: [] };
      }
    } else {
      run = await runInstrumented(db, text.text, statement.kind);
      check.locksCaptured = true;
      if (shadow) await db.exec('COMMIT');
    }
    check.durationMs = Math.round(run.durationMs * 10) / 10;
    check.rowsAffected = run.rowsAffected;
    check.locks = run.locks;
    check.rewrites = run.rewrites;
    if (!run.ok && run.error instanceof DatabaseError && run.error.sqlState === NOT_IN_TRANSACTION_STATE && !shadow) {
      // A statement that cannot run in a transaction block and is not in questions.ts's list.
      check.status = 'not-rehearsed';
      check.reason = `${run.error.message}; the rehearsal runs in one transaction that is rolled back`;
      check.findings.push({
        id: 'not-rehearsed',
        severity: 'info',
        message: `${check.sql}: not rehearsed (${run.error.message})`,
        help: 'Its data pre-checks ran; run it on a staging copy with the migration tool to time it.',
      });
      continue;
    }
    if (!run.ok) {
      check.status = 'failed';
      check.error = errorOf(run.error!, prepared, prep);
      check.findings.unshift(failureFinding(file, check));
      failed = true;
      continue;
    }
    check.status = 'ok';
    const locked = run.locks.filter(
      (lock) => lock.mode === 'AccessExclusiveLock' && lock.relationKind === 'table' && !check.tables.some((t) => t.table === lock.relation),
    );
    // The shadow committed the statement above; sizeOf reads inside a savepoint, so it needs a transaction.
    if (shadow && locked.length > 0) await db.exec('BEGIN');
    for (const lock of locked) {
      const size = await sizeOf(db, splitQualifiedName(lock.relation));
      if (size && !check.tables.some((t) => t.table === size.table)) check.tables.push(size);
    }
    if (shadow && locked.length > 0) await db.exec('COMMIT');
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
    if (analysis.writes.length > 0 || analysis.writesUnknown) {
      await flush();
      state.noteWrites(analysis.writes, analysis.writesUnknown);
    }
    batch.push(...items.filter((i) => i.statement === statement.index));
  }
  await flush();
  return all;
}

/** Applies one migration to the shadow, statement by statement in autocommit; the first failure is returned (and stops the replay). */
async function replayMigration(db: Queryable, prepared: Prepared): Promise<MigrationCheck | undefined> {
  for (const prep of prepared.statements) {
    const { statement, analysis } = prep;
    if (analysis.transactionControl) continue;
    const error = unparsable(statement);
    let failure: StatementCheck['error'] | undefined = error;
    if (!failure) {
      try {
        await db.exec(prep.text.text);
      } catch (e) {
        failure = errorOf(e as Error, prepared, prep);
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

async function currentDatabase(db: Db): Promise<string> {
  const { rows } = await db.query<{ name: string }>('SELECT current_database() AS name');
  return rows[0]?.name ?? '';
}

const dataRedactor = createRedactor();

/**
 * Example keys, duplicate values and the server's error text come from the rows themselves
 * (`Key (email)=(ann@example.com) already exists`): emails, tokens and other secrets in them are
 * replaced before the report leaves runCheck.
 */
function redactDataValues(statements: StatementCheck[]): void {
  for (const s of statements) {
    if (s.error) {
      s.error.message = dataRedactor.string(s.error.message);
      if (s.error.detail !== undefined) s.error.detail = dataRedactor.string(s.error.detail);
    }
    for (const f of s.findings) {
      f.message = dataRedactor.string(f.message);
      if (f.examples) f.examples = f.examples.map((e) => dataRedactor.string(e));
    }
  }
}

/** SQLSTATEs that mean "never marked": no prodguard schema, or no environment table in it. */
const UNMARKED_STATES = new Set(['3F000', '42P01']);

/**
 * The recorded identity; undefined only when the database was never marked. Any other failure
 * (no USAGE on schema prodguard, no SELECT on its table) must not be read as "not production":
 * the rehearsal would run on a production database.
 *
 * @throws DatabaseError (exit 3) when the identity exists but cannot be read.
 */
async function identityOf(db: Db): Promise<EnvironmentIdentity | undefined> {
  try {
    return await readIdentity(db);
  } catch (error) {
    if (error instanceof DatabaseError && error.sqlState !== undefined && UNMARKED_STATES.has(error.sqlState)) return undefined;
    const message = error instanceof Error ? error.message : String(error);
    throw new DatabaseError(
      `cannot read the database's recorded identity (prodguard.environment): ${message}; check will not run without knowing whether this is production`,
      { sqlState: error instanceof DatabaseError ? error.sqlState : undefined },
      { hint: 'grant the role USAGE on schema prodguard and SELECT on prodguard.environment, or run with a role that has them', cause: error },
    );
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
  const identity = db ? await identityOf(db) : undefined;
  if (select.kind === 'pending') {
    if (options.files.length > 0 && options.files.every((f) => LEDGER_TABLES[f.layout] === undefined)) {
      throw new UsageError('plain SQL migrations have no ledger, so check cannot tell which are pending', {
        hint: 'choose them with --last N, --since REF or explicit file paths, or give --layout for the migration tool you use',
      });
    }
    const ledgers = await readLedgers(db!, options.files);
    targets = new Set(prepared.filter((p) => !isApplied(p.file, ledgers.get(p.file.layout)!)));
    const read = [...ledgers.values()];
    const tables = read.flatMap((l) => (l.table ? [l.table] : []));
    ledger = {
      layout: read[0]?.layout ?? 'plain',
      layouts: read.map((l) => l.layout),
      table: tables.length > 0 ? tables.join(', ') : null,
      applied: prepared.length - targets.size,
      pending: targets.size,
      problems: read.flatMap(ledgerProblems),
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
  let statementTimeoutMs: number | null = null;
  // Unmarked and undeclared: the database's own name is the last signal (prod_app, app-production).
  const databaseName = db && !identity && !options.declaredProduction ? await currentDatabase(db) : undefined;
  const namedProduction = databaseName !== undefined && kindFromName(databaseName) === 'production';
  const production = db !== undefined && (identity?.kind === 'production' || options.declaredProduction === true || namedProduction);
  if (production) {
    if (options.executeOnProduction) lockTimeoutMs = Math.min(lockTimeoutMs, PRODUCTION_MAX_LOCK_TIMEOUT_MS);
    else {
      mode = 'pre-checks';
      const why =
        identity?.kind === 'production'
          ? `recorded as production ("${identity.name}")`
          : options.declaredProduction
            ? 'declared production in the config'
            : `named "${databaseName}", which says production (mark it with prodguard env mark if it is not)`;
      productionReason = `the database is ${why}: only read-only pre-checks ran (--execute-on-production rehearses, with lock_timeout at most ${PRODUCTION_MAX_LOCK_TIMEOUT_MS} ms)`;
    }
  }
  if (db && options.preChecksOnly) mode = 'pre-checks';

  const migrations: MigrationCheck[] = [];
  const state = new MigrationState();
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
            const result = await checkMigration(conn, p, {
              mode: 'shadow',
              serverVersionNum,
              productionReason: undefined,
              hazards: { production: false, allowProcedural: true },
              timeouts: { lockTimeoutMs, statementTimeoutMs: 0 },
              state,
            });
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
    const session = await db.query<{ ms: number }>(`SELECT setting::int AS ms FROM pg_settings WHERE name = 'statement_timeout'`);
    statementTimeoutMs = session.rows[0]?.ms ?? 0;
    if (production) {
      const cap = mode === 'pre-checks' ? PRODUCTION_MAX_PRECHECK_TIMEOUT_MS : PRODUCTION_MAX_STATEMENT_TIMEOUT_MS;
      statementTimeoutMs = Math.min(statementTimeoutMs || Infinity, cap);
    }
    const timeouts = { lockTimeoutMs, statementTimeoutMs };
    const ctx = { mode, serverVersionNum, productionReason, hazards: { production, allowProcedural: options.rehearseDoCall === true }, timeouts, state };
    const setUp = async (tx: Queryable): Promise<void> => {
      await tx.query(
        `SELECT set_config('work_mem', $1, true) WHERE pg_size_bytes(current_setting('work_mem')) < pg_size_bytes($1)`,
        [PRECHECK_WORK_MEM],
      );
      if (mode === 'rehearsal') {
        await applyTimeouts(tx, timeouts);
        // PostgreSQL 14+: notice a vanished client during a long statement and roll back within a second.
        await inSavepoint(tx, () => tx.query(`SELECT set_config('client_connection_check_interval', '1s', true)`));
      } else {
        await tx.query(`SELECT set_config('statement_timeout', $1, true)`, [`${statementTimeoutMs}ms`]);
      }
    };
    if (mode === 'pre-checks') {
      // One READ ONLY transaction per migration: its scans see one snapshot, and the ACCESS SHARE
      // locks they take are released before the next migration's scans instead of piling up.
      let done = 0;
      for (const p of analysed) {
        progress('check', ++done, analysed.length, p.file.path);
        const result = await db.rollbackOnly(
          async (tx) => {
            await setUp(tx);
            return checkMigration(tx, p, ctx);
          },
          { readOnly: true },
        );
        migrations.push(result);
      }
    } else {
      // The rehearsal's writes never commit: rollbackOnly ends in ROLLBACK whatever happens.
      await db.rollbackOnly(async (tx) => {
        await setUp(tx);
        let stopped: string | undefined;
        let done = 0;
        for (const p of analysed) {
          progress('check', ++done, analysed.length, p.file.path);
          if (stopped) {
            migrations.push(notRun(p, stopped));
            continue;
          }
          const result = await checkMigration(tx, p, ctx);
          migrations.push(result);
          if (result.status === 'failed') stopped = `not run: ${p.file.path} failed before it`;
        }
      });
    }
  }

  const statements = migrations.flatMap((m) => m.statements);
  redactDataValues(statements);
  const findings = statements.flatMap((s) => s.findings);
  const summary = {
    migrations: migrations.filter((m) => m.role === 'analysed').length,
    statements: statements.length,
    failedMigrations: migrations.filter((m) => m.status === 'failed').length,
    notRehearsed: statements.filter((s) => s.status === 'not-rehearsed').length,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    incompletePrechecks: findings.filter((f) => f.id === 'pre-check-failed').length,
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
    statementTimeoutMs,
    migrations,
    summary,
    verdict: summary.failedMigrations > 0 || summary.errors > 0 ? 'fail' : summary.incompletePrechecks > 0 ? 'incomplete' : 'pass',
  };
}
