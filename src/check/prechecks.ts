/**
 * The read-only pre-checks: ask the data what the migration's statements assume about it.
 *
 * All questions about one table become ONE `SELECT` with one aggregate per question (`count(*)
 * FILTER (WHERE ...)`, a `count(DISTINCT ...)` for keys, a LEFT JOIN to a referenced table whose
 * key is unique, so no row is counted twice). Follow-up queries (examples, duplicate groups,
 * value uses) run only for questions whose count is not zero, so the clean case costs one scan.
 *
 * Every query runs inside a savepoint: a pre-check that fails (a column created by an earlier
 * statement that has not run) is reported and does not abort the caller's transaction.
 */
import { DatabaseError } from '../errors.js';
import type { Queryable } from '../db/types.js';
import { quoteIdent, splitQualifiedName } from '../db/introspect.js';
import {
  checkExpressionOfDefinition,
  constraintByName,
  distinctEstimate,
  enumLabels,
  hasIndexOn,
  hasUniqueOn,
  liveChecks,
  type LiveCheck,
  primaryKeyOf,
  type TableInfo,
  tableInfo,
  valueUses,
  valuesOfDefinition,
} from './catalog.js';
import type { Question, TableRef } from './questions.js';
import { displayName, qualifiedSql, sqlLiteral } from './sql-text.js';
import type { CheckFinding, RemovedValue } from './types.js';

const EXAMPLES = 5;
/** Referenced tables up to this many (estimated) rows are probed with a hashed NOT IN subplan. */
const HASHED_SUBPLAN_MAX_ROWS = 500_000;
/** An indexed FK column with at most this many distinct values (pg_stats) is checked value by value through its index. */
const SKIP_SCAN_MAX_DISTINCT = 20_000;
/**
 * work_mem for the pre-check transaction: a UNIQUE pre-check sorts the key column
 * (count(DISTINCT ...)); in memory that costs ~3x a count(*) on 5M rows, spilled to disk ~10x.
 * One sort of one session: bounded, and only raised, never lowered.
 */
export const PRECHECK_WORK_MEM = '128MB';

/** Runs `fn` in a savepoint; a failure rolls back to it and is returned instead of thrown. */
export async function inSavepoint<T>(db: Queryable, fn: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: Error }> {
  await db.exec('SAVEPOINT prodguard_check');
  try {
    const value = await fn();
    await db.exec('RELEASE SAVEPOINT prodguard_check');
    return { ok: true, value };
  } catch (error) {
    await db.exec('ROLLBACK TO SAVEPOINT prodguard_check; RELEASE SAVEPOINT prodguard_check');
    return { ok: false, error: error instanceof Error ? error : new Error(String(error)) };
  }
}

function tableKey(table: TableRef): string {
  return `${table.schema ?? 'public'}.${table.name}`;
}

/**
 * What the checked migrations have done so far (one state per run, so migration B sees what
 * migration A dropped), for the questions that look back: the CHECK constraints each table had
 * before the first checked migration touched it, and the constraints dropped since.
 */
export class MigrationState {
  private readonly checksAtStart = new Map<string, LiveCheck[]>();
  private readonly dropped = new Map<string, string[]>();
  /** Enums this migration creates, by `schema.name`: a rename-and-recreate leaves the old name live until it runs. */
  private readonly enums = new Map<string, string[]>();
  /** Pre-checks mode: tables an earlier statement (not run) writes rows to. */
  private readonly written = new Set<string>();
  /** Pre-checks mode: an earlier statement (DO, CALL, SELECT fn()) may have written any table. */
  private writesUnknown = false;

  /** Pre-checks mode only: a rehearsal runs the write, so counts after it are exact. */
  noteWrites(tables: readonly TableRef[], unknown: boolean): void {
    for (const table of tables) this.written.add(tableKey(table));
    if (unknown) this.writesUnknown = true;
  }

  /** Whether an earlier, unrun statement may have changed the table's rows. */
  wasWritten(table: TableRef): boolean {
    return this.writesUnknown || this.written.has(tableKey(table));
  }

  /**
   * Reads the CHECK constraints of every table a migration's questions touch, before it runs; a
   * table read for an earlier migration keeps its first definitions (they are the old ones).
   */
  async observe(db: Queryable, questions: readonly Question[]): Promise<void> {
    for (const q of questions) {
      if (q.kind !== 'check' && q.kind !== 'drop-constraint') continue;
      const key = tableKey(q.table);
      if (this.checksAtStart.has(key)) continue;
      const read = await inSavepoint(db, () => liveChecks(db, q.table));
      this.checksAtStart.set(key, read.ok ? read.value : []);
    }
  }

  noteDrop(table: TableRef, constraint: string): void {
    const key = tableKey(table);
    this.dropped.set(key, [...(this.dropped.get(key) ?? []), constraint]);
  }

  noteEnum(type: TableRef, labels: string[]): void {
    this.enums.set(tableKey(type), labels);
  }

  /** Labels of an enum created earlier in this migration, by the type text of an ALTER COLUMN TYPE. */
  enumCreated(typeText: string): string[] | undefined {
    return this.enums.get(tableKey(splitQualifiedName(typeText)));
  }

  droppedOn(table: TableRef): string[] {
    return this.dropped.get(tableKey(table)) ?? [];
  }

  /**
   * The live CHECK this new one replaces: the one of the same name, else one this migration dropped
   * that shares a column, else one still on a column the new CHECK constrains.
   */
  replacedCheck(table: TableRef, name: string, values: Record<string, string[]> | undefined): LiveCheck | undefined {
    const live = this.checksAtStart.get(tableKey(table)) ?? [];
    const dropped = this.droppedOn(table);
    const columns = Object.keys(values ?? {});
    const shares = (c: LiveCheck): boolean => Object.keys(c.values ?? {}).some((col) => columns.includes(col));
    return (
      live.find((c) => c.name === name) ??
      live.find((c) => dropped.includes(c.name) && shares(c)) ??
      live.find((c) => !dropped.includes(c.name) && shares(c))
    );
  }
}

/** A question ready to run: its aggregates in the table's scan, and how to read the counts. */
interface Planned {
  statement: number;
  question: Question;
  aggregates: string[];
  /** LEFT JOINs the aggregates need (to a referenced table by a unique key). */
  joins: string[];
  interpret(counts: number[]): Promise<CheckFinding[]>;
}

export interface PrecheckItem {
  /** Index of the statement in its migration (findings are returned per index). */
  statement: number;
  question: Question;
}

export interface PrecheckOptions {
  /** server_version_num: pg_input_is_valid needs 16+. */
  serverVersionNum: number;
  state: MigrationState;
}

/**
 * Runs the pre-checks of `items` (all on the state the database is in now), one scan per table,
 * and returns the findings per statement index.
 */
export async function runPrechecks(db: Queryable, items: readonly PrecheckItem[], options: PrecheckOptions): Promise<Map<number, CheckFinding[]>> {
  const findings = new Map<number, CheckFinding[]>();
  const add = (statement: number, list: CheckFinding[]): void => {
    if (list.length > 0) findings.set(statement, [...(findings.get(statement) ?? []), ...list]);
  };
  const byTable = new Map<string, Planned[]>();
  const infos = new Map<string, TableInfo | undefined>();
  for (const item of items) {
    const q = item.question;
    if (q.kind === 'drop-constraint') {
      options.state.noteDrop(q.table, q.constraint);
      continue;
    }
    if (q.kind === 'create-enum') {
      options.state.noteEnum(q.type, q.labels);
      continue;
    }
    const key = tableKey(q.table);
    if (!infos.has(key)) {
      const read = await inSavepoint(db, () => tableInfo(db, q.table));
      infos.set(key, read.ok ? read.value : undefined);
    }
    const info = infos.get(key);
    if (!info) {
      add(item.statement, [skipped(q.table, `table ${displayName(q.table)} does not exist yet (an earlier statement creates it); its data was not checked`)]);
      continue;
    }
    const planned = await plan(db, item, info, options);
    if ('finding' in planned) {
      add(item.statement, [planned.finding]);
      continue;
    }
    if (!planned.plan) continue;
    byTable.set(key, [...(byTable.get(key) ?? []), planned.plan]);
  }

  for (const [key, plans] of byTable) {
    const table = infos.get(key)!;
    const results = await scan(db, table, plans);
    for (const [index, planned] of plans.entries()) {
      const result = results[index]!;
      if (result instanceof Error) {
        add(planned.statement, [failedCheck(planned.question, table, result)]);
        continue;
      }
      const list = await inSavepoint(db, () => planned.interpret(result));
      add(planned.statement, list.ok ? list.value : [failedCheck(planned.question, table, list.error)]);
    }
  }
  return findings;
}

/** One SELECT over the table with every plan's aggregates; when it fails, each plan alone. */
async function scan(db: Queryable, table: TableInfo, allPlans: Planned[]): Promise<(number[] | Error)[]> {
  // Questions answered without reading the table (an index walk) take no part in the scan.
  const plans = allPlans.filter((p) => p.aggregates.length > 0);
  if (plans.length === 0) return allPlans.map(() => []);
  const scanned = await scanAll(db, table, plans);
  return allPlans.map((p) => (p.aggregates.length > 0 ? scanned[plans.indexOf(p)]! : []));
}

async function scanAll(db: Queryable, table: TableInfo, plans: Planned[]): Promise<(number[] | Error)[]> {
  const run = async (subset: Planned[]): Promise<number[][]> => {
    const columns = subset.flatMap((p) => p.aggregates);
    const joins = [...new Set(subset.flatMap((p) => p.joins))];
    const sql = `SELECT ${columns.map((c, i) => `${c} AS a${i}`).join(', ')} FROM ${table.display} AS t ${joins.join(' ')}`;
    const { rows } = await db.query<Record<string, string | number | null>>(sql);
    const row = rows[0] ?? {};
    let at = 0;
    return subset.map((p) => p.aggregates.map(() => Number(row[`a${at++}`] ?? 0)));
  };
  const all = await inSavepoint(db, () => run(plans));
  if (all.ok) return all.value;
  // Retrying each question alone finds the one that fails; a timeout would only time out again.
  if (plans.length === 1 || isTimeout(all.error)) return plans.map(() => all.error);
  const results: (number[] | Error)[] = [];
  for (const p of plans) {
    const one = await inSavepoint(db, () => run([p]));
    results.push(one.ok ? one.value[0]! : one.error);
  }
  return results;
}

function isTimeout(error: Error): boolean {
  return error instanceof DatabaseError && error.isTimeout;
}

function skipped(table: TableRef, message: string): CheckFinding {
  return { id: 'pre-check-skipped', severity: 'info', message, help: 'Run `prodguard check` without --pre-checks-only on a copy to rehearse the migration with the data in place.', table: displayName(table) };
}

/**
 * SQLSTATEs of a pre-check that refers to something an earlier statement of the migration creates
 * (a column, a table, a type, a function): expected in pre-checks mode, where nothing runs.
 */
const DEPENDENCY_STATES = new Set(['42703', '42P01', '42704', '42883', '3F000']);

function isDependency(error: Error): boolean {
  return error instanceof DatabaseError && error.sqlState !== undefined && DEPENDENCY_STATES.has(error.sqlState);
}

function failedCheck(question: Question, table: TableInfo, error: Error): CheckFinding {
  const message = error.message;
  const refused = error instanceof DatabaseError && (error.isTimeout || error.sqlState === '42501');
  if (question.kind === 'type-change' && error instanceof DatabaseError && !refused && !isDependency(error)) {
    return {
      id: 'cast-failure',
      severity: 'error',
      message: `changing ${table.display}.${question.column} to ${question.type} fails on the existing data: ${message}`,
      help: 'Clean the values first, or add a new column of the new type, backfill it with a tested expression in batches, and switch the application over before dropping the old column.',
      table: table.display,
    };
  }
  if (isDependency(error)) {
    return skipped({ name: table.display }, `could not check ${table.display}: ${message} (it depends on an earlier statement of this migration)`);
  }
  // Timed out, refused or broken: the data was not checked, so the run cannot pass.
  return {
    id: 'pre-check-failed',
    severity: 'warning',
    message: `could not check ${table.display}: ${message}: this pre-check did not finish, so the data was not checked`,
    help: 'Raise session.statementTimeout (or run on a copy with more resources), grant the role SELECT on the table, and run the check again: the verdict is "incomplete" until every pre-check ran.',
    table: table.display,
  };
}

function col(name: string): string {
  return `t.${quoteIdent(name)}`;
}

/** `concat_ws(', ', t.id::text, ...)` for the key columns of example rows, and its label. */
/** The example key's text, its label, and its ORDER BY (the key's own order: 2 before 10). */
function exampleKey(table: TableInfo): { sql: string; label: string; order: string } {
  if (table.primaryKey.length === 0) return { sql: 't.ctid::text', label: 'ctid', order: 't.ctid' };
  return {
    order: table.primaryKey.map(col).join(', '),
    sql: `concat_ws(', ', ${table.primaryKey.map((c) => `${col(c)}::text`).join(', ')})`,
    label: table.primaryKey.length === 1 ? table.primaryKey[0]! : `(${table.primaryKey.join(', ')})`,
  };
}

async function examples(db: Queryable, table: TableInfo, where: string, joins: string[] = []): Promise<string[]> {
  const key = exampleKey(table);
  const { rows } = await db.query<{ k: string }>(
    `SELECT ${key.sql} AS k FROM ${table.display} AS t ${joins.join(' ')} WHERE ${where} ORDER BY ${key.order} LIMIT ${EXAMPLES}`,
  );
  return rows.map((r) => (key.label === 'ctid' ? `ctid=${r.k}` : key.label.startsWith('(') ? `${key.label}=(${r.k})` : `${key.label}=${r.k}`));
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

type PlanResult = { plan: Planned | undefined } | { finding: CheckFinding };

async function plan(db: Queryable, item: PrecheckItem, table: TableInfo, options: PrecheckOptions): Promise<PlanResult> {
  const q = item.question;
  if (q.kind === 'create-enum' || q.kind === 'drop-constraint') return { plan: undefined };
  const base = { statement: item.statement, question: q, joins: [] as string[] };
  const caveat = options.state.wasWritten(q.table)
    ? ' (counted before an earlier statement that writes to this table, or may: DO, CALL, SELECT fn())'
    : '';
  // Rows changed by an earlier statement (a backfill) make a count of the data before it a guess.
  const severity = caveat ? ('warning' as const) : ('error' as const);
  switch (q.kind) {
    case 'check':
      return { plan: await planCheck(db, base, table, q, q.expression, q.values, severity, caveat, options.state) };
    case 'validate': {
      const read = await inSavepoint(db, () => constraintByName(db, q.table, q.constraint));
      const con = read.ok ? read.value : undefined;
      if (!con) return { finding: skipped(q.table, `constraint ${q.constraint} on ${table.display} does not exist yet; its data was not checked`) };
      if (con.type === 'c') {
        const expression = checkExpressionOfDefinition(con.definition);
        if (!expression) return { plan: undefined };
        const check: Question = { kind: 'check', table: q.table, constraint: q.constraint, expression, notValid: false, values: valuesOfDefinition(con.definition), validating: true };
        return { plan: await planCheck(db, { ...base, question: check }, table, check, expression, check.values, severity, caveat, options.state) };
      }
      if (con.type === 'f') {
        if (!con.refTable || con.columns.length === 0) return { plan: undefined };
        const fk: Question = {
          kind: 'foreign-key',
          table: q.table,
          columns: con.columns,
          refTable: con.refTable,
          refColumns: con.refColumns,
          notValid: false,
          name: q.constraint,
          newColumn: false,
          matchFull: con.matchFull,
        };
        return planForeignKey(db, { ...base, question: fk }, table, fk, severity, caveat);
      }
      return { plan: undefined };
    }
    case 'not-null':
      return { plan: planNotNull(db, base, table, q, severity, caveat) };
    case 'unique':
      return { plan: planUnique(db, base, table, q, severity, caveat) };
    case 'foreign-key':
      return planForeignKey(db, base, table, q, severity, caveat);
    case 'type-change':
      return { plan: await planTypeChange(db, base, table, q, options) };
    default:
      return { plan: undefined };
  }
}

async function planCheck(
  db: Queryable,
  base: Omit<Planned, 'aggregates' | 'interpret'>,
  table: TableInfo,
  q: Extract<Question, { kind: 'check' }>,
  expression: string,
  values: Record<string, string[]> | undefined,
  severity: 'error' | 'warning',
  caveat: string,
  state: MigrationState,
): Promise<Planned> {
  const violates = `(${expression}) IS FALSE`;
  const replaced = q.validating ? undefined : state.replacedCheck(q.table, q.constraint, values);
  const removed: { column: string; value: string }[] = [];
  if (replaced?.values && values) {
    for (const [column, old] of Object.entries(replaced.values)) {
      const now = values[column];
      if (!now) continue;
      for (const value of old) if (!now.includes(value)) removed.push({ column, value });
    }
  }
  const aggregates = [`count(*) FILTER (WHERE ${violates})`, ...removed.map((r) => `count(*) FILTER (WHERE ${col(r.column)}::text = ${sqlLiteral(r.value)})`)];
  return {
    ...base,
    aggregates,
    async interpret([violations = 0, ...perValue]) {
      const findings: CheckFinding[] = [];
      const what = q.validating ? `VALIDATE CONSTRAINT ${q.constraint}` : `CHECK ${q.constraint}`;
      if (violations > 0) {
        const fails = q.notValid ? 'is added NOT VALID, so it does not fail now, but VALIDATE CONSTRAINT will' : 'fails';
        findings.push({
          id: 'check-violation',
          severity: q.notValid ? 'warning' : severity,
          message: `${what} on ${table.display}: ${plural(violations, 'existing row')} violate (${expression}); the statement ${fails}${caveat}`,
          help: `Fix or delete those rows first (UPDATE ${table.display} ... WHERE NOT (${expression})), then ADD CONSTRAINT ... NOT VALID and VALIDATE CONSTRAINT in a separate transaction.`,
          table: table.display,
          count: violations,
          examples: await examples(db, table, violates),
        });
      }
      if (removed.length > 0 && replaced) {
        const exclude = [replaced.name, ...state.droppedOn(q.table), q.constraint];
        const uses = await valueUses(db, [...new Set(removed.map((r) => r.value))], q.table, exclude);
        const removedValues: RemovedValue[] = removed.map((r, i) => ({ ...r, rows: perValue[i] ?? 0, usedBy: uses.get(r.value) ?? [] }));
        const harmful = removedValues.filter((r) => r.rows > 0 || r.usedBy.some((u) => !u.weak));
        const describe = (r: RemovedValue): string => {
          const parts = [`${sqlLiteral(r.value)} (column ${r.column}): ${plural(r.rows, 'row')} hold it`];
          if (r.usedBy.length > 0) parts.push(`still written by ${r.usedBy.map((u) => `${u.kind} ${u.name}`).join(', ')}`);
          return parts.join('; ');
        };
        const writers = harmful.flatMap((r) => r.usedBy).filter((u) => u.kind === 'function' || u.kind === 'default');
        findings.push({
          id: 'check-value-removed',
          severity: harmful.length > 0 ? 'error' : 'warning',
          message:
            `${what} on ${table.display} replaces ${replaced.name} (${replaced.definition}) and no longer allows ` +
            `${removedValues.map(describe).join('; ')}` +
            (harmful.length > 0
              ? writers.length > 0
                ? '. Writes from those functions and triggers will fail with a check violation after the deploy, even if the migration applies.'
                : '. Rows holding it make the constraint fail, and code that still writes it will fail after the deploy.'
              : removedValues.some((r) => r.usedBy.length > 0)
                ? `. Only code that does not name ${table.display} holds it (it may be another column's value): check those functions; application code might use it too.`
                : '. No rows or database code use it now; application code might.'),
          help:
            `Keep ${removedValues.map((r) => sqlLiteral(r.value)).join(', ')} in the allowed list, or first migrate the rows ` +
            `(UPDATE ${table.display} SET ${removedValues[0]!.column} = <new value> WHERE ${removedValues[0]!.column} = ${sqlLiteral(removedValues[0]!.value)})` +
            (writers.length > 0 ? ` and change ${[...new Set(writers.map((w) => w.name))].join(', ')} to stop writing it` : '') +
            ', deploy that, and remove the value in a later migration.',
          table: table.display,
          count: removedValues.reduce((n, r) => n + r.rows, 0),
          removedValues,
        });
      }
      return findings;
    },
  };
}

function planNotNull(
  db: Queryable,
  base: Omit<Planned, 'aggregates' | 'interpret'>,
  table: TableInfo,
  q: Extract<Question, { kind: 'not-null' }>,
  severity: 'error' | 'warning',
  caveat: string,
): Planned {
  if (q.via === 'add-column') {
    return {
      ...base,
      aggregates: ['count(*)'],
      async interpret([rows = 0]) {
        if (rows === 0) return [];
        return [
          {
            id: 'required-column-on-nonempty-table',
            severity,
            message: `ADD COLUMN ${q.column} NOT NULL without a DEFAULT on ${table.display}, which has ${plural(rows, 'row')}: the statement fails${caveat}`,
            help: `Add the column with a constant DEFAULT (PostgreSQL 11+ adds it without a rewrite), or add it nullable, backfill in batches, then add NOT NULL through a NOT VALID CHECK (${q.column} IS NOT NULL) that you VALIDATE before SET NOT NULL.`,
            table: table.display,
            count: rows,
          },
        ];
      },
    };
  }
  const isNull = `${col(q.column)} IS NULL`;
  return {
    ...base,
    aggregates: [`count(*) FILTER (WHERE ${isNull})`, 'count(*)'],
    async interpret([nulls = 0, rows = 0]) {
      if (nulls === 0) return [];
      return [
        {
          id: 'not-null-violation',
          severity,
          message: `SET NOT NULL on ${table.display}.${q.column}: ${plural(nulls, 'row')} of ${rows.toLocaleString('en-US')} hold NULL; the statement fails${caveat}`,
          help: `Backfill first: UPDATE ${table.display} SET ${q.column} = <value> WHERE ${q.column} IS NULL (in batches); then ADD CONSTRAINT ... CHECK (${q.column} IS NOT NULL) NOT VALID, VALIDATE CONSTRAINT, and SET NOT NULL (PostgreSQL 12+ skips the scan with a valid check).`,
          table: table.display,
          count: nulls,
          examples: await examples(db, table, isNull),
        },
      ];
    },
  };
}

function planUnique(
  db: Queryable,
  base: Omit<Planned, 'aggregates' | 'interpret'>,
  table: TableInfo,
  q: Extract<Question, { kind: 'unique' }>,
  severity: 'error' | 'warning',
  caveat: string,
): Planned {
  const keys = q.keys.map((k) => (k.startsWith('"') ? `t.${k}` : k));
  // NULLS NOT DISTINCT: NULL keys collide too. count(DISTINCT) skips a NULL input but not a row
  // value, and rows compare NULL fields as equal, so the tuple is always a ROW then.
  const tuple = keys.length === 1 && !q.nullsNotDistinct ? keys[0]! : `ROW(${keys.join(', ')})`;
  const notNull = q.nullsNotDistinct ? 'true' : keys.map((k) => `${k} IS NOT NULL`).join(' AND ');
  const scope = q.where ? `(${notNull}) AND (${q.where})` : notNull;
  const keyValue = (k: string): string => (q.nullsNotDistinct ? `coalesce(${k}::text, 'NULL')` : `${k}::text`);
  const anyNull = keys.map((k) => `${k} IS NULL`).join(' OR ');
  const aggregates = [`count(*) FILTER (WHERE ${scope})`, `count(DISTINCT ${tuple}) FILTER (WHERE ${scope})`];
  if (q.primaryKey) aggregates.push(`count(*) FILTER (WHERE ${anyNull})`);
  const label = q.primaryKey ? 'PRIMARY KEY' : 'UNIQUE';
  const keyText = q.labels.join(', ');
  return {
    ...base,
    aggregates,
    async interpret([rows = 0, distinct = 0, nulls = 0]) {
      const findings: CheckFinding[] = [];
      const extra = rows - distinct;
      if (extra > 0) {
        const { rows: groups } = await db.query<{ k: string; n: string }>(
          `SELECT concat_ws(', ', ${keys.map(keyValue).join(', ')}) AS k, count(*)::text AS n
             FROM ${table.display} AS t WHERE ${scope} GROUP BY ${keys.join(', ')} HAVING count(*) > 1 ORDER BY count(*) DESC LIMIT ${EXAMPLES}`,
        );
        const { rows: total } = await db.query<{ n: string }>(
          `SELECT count(*)::text AS n FROM (SELECT 1 FROM ${table.display} AS t WHERE ${scope} GROUP BY ${keys.join(', ')} HAVING count(*) > 1) d`,
        );
        const groupCount = Number(total[0]?.n ?? 0);
        findings.push({
          id: 'unique-duplicates',
          severity,
          message: `${label} (${keyText}) on ${table.display}: ${plural(groupCount, 'duplicate group')} (${plural(extra, 'extra row')}); the statement fails${caveat}`,
          help: `Resolve the duplicates first; then CREATE UNIQUE INDEX CONCURRENTLY on (${keyText}) and ADD CONSTRAINT ... ${label} USING INDEX, which takes its lock only briefly.`,
          table: table.display,
          count: groupCount,
          examples: groups.map((g) => `(${keyText})=(${g.k}) ×${g.n}`),
        });
      }
      if (q.primaryKey && nulls > 0) {
        findings.push({
          id: 'not-null-violation',
          severity,
          message: `PRIMARY KEY (${keyText}) on ${table.display}: ${plural(nulls, 'row')} hold NULL in a key column; the statement fails${caveat}`,
          help: 'Backfill the NULL keys first, then add the key through a unique index built CONCURRENTLY.',
          table: table.display,
          count: nulls,
          examples: await examples(db, table, anyNull),
        });
      }
      return findings;
    },
  };
}

async function planForeignKey(
  db: Queryable,
  base: Omit<Planned, 'aggregates' | 'interpret'>,
  table: TableInfo,
  q: Extract<Question, { kind: 'foreign-key' }>,
  severity: 'error' | 'warning',
  caveat: string,
): Promise<PlanResult> {
  const refRead = await inSavepoint(db, async () => ({ info: await tableInfo(db, q.refTable), pk: q.refColumns ?? (await primaryKeyOf(db, q.refTable)) }));
  const ref = refRead.ok ? refRead.value : undefined;
  if (!ref?.info) return { finding: skipped(q.refTable, `referenced table ${displayName(q.refTable)} does not exist yet; orphans were not counted`) };
  const refColumns = ref.pk ?? [];
  if (refColumns.length !== q.columns.length || refColumns.length === 0) return { plan: undefined };
  const unique = await inSavepoint(db, () => hasUniqueOn(db, q.refTable, refColumns));
  if (!unique.ok || !unique.value) {
    return { finding: { id: 'fk-orphans', severity: 'error', message: `FOREIGN KEY on ${table.display} references ${ref.info.display} (${refColumns.join(', ')}), which has no unique index or key: the statement fails`, help: 'Reference a primary key or unique constraint.', table: table.display } };
  }
  const indexed = await inSavepoint(db, () => hasIndexOn(db, q.table, q.columns));
  const present = q.columns.map((c) => `${col(c)} IS NOT NULL`).join(' AND ');
  const refList = refColumns.map(quoteIdent).join(', ');
  const mine = q.columns.length === 1 ? col(q.columns[0]!) : `(${q.columns.map(col).join(', ')})`;
  let orphan: string;
  let joins: string[] = [];
  const refKeyPresent = refColumns.map((c) => `${quoteIdent(c)} IS NOT NULL`).join(' AND ');
  const distinct =
    indexed.ok && indexed.value && q.columns.length === 1 ? await inSavepoint(db, () => distinctEstimate(db, q.table, q.columns[0]!)) : undefined;
  if (distinct?.ok && distinct.value !== undefined && distinct.value <= SKIP_SCAN_MAX_DISTINCT) {
    // An indexed column with few distinct values: walk its distinct values through the index
    // (a "loose index scan", one index descent per value) instead of reading every row.
    const column = q.columns[0]!;
    const c = quoteIdent(column);
    const refKey = quoteIdent(refColumns[0]!);
    // For the examples: a correlated probe of the referenced key's unique index, stopped by LIMIT.
    orphan = `${col(column)} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${ref.info.display} r WHERE r.${refKey} = ${col(column)})`;
    const skipScan = `WITH RECURSIVE d(v) AS (
        SELECT min(${c}) FROM ${table.display}
        UNION ALL
        SELECT (SELECT min(${c}) FROM ${table.display} WHERE ${c} > d.v) FROM d WHERE d.v IS NOT NULL)
      SELECT coalesce(sum((SELECT count(*) FROM ${table.display} WHERE ${c} = d.v)), 0)::text AS n
        FROM d WHERE d.v IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${ref.info.display} r WHERE r.${refKey} = d.v)`;
    return { plan: foreignKeyPlan(db, base, table, ref.info, q, severity, caveat, orphan, [], indexed.ok && !indexed.value, async () => {
      const { rows } = await db.query<{ n: string }>(skipScan);
      return Number(rows[0]?.n ?? 0);
    }) };
  }
  if (ref.info.estimatedRows >= 0 && ref.info.estimatedRows <= HASHED_SUBPLAN_MAX_ROWS) {
    // A small referenced table: NOT IN becomes a hashed subplan, probed per row inside the same
    // (parallel) scan, cheaper than a join. Never for a big or unanalysed one: a NOT IN that does
    // not fit in memory is re-scanned for every row.
    orphan = `${present} AND ${mine} NOT IN (SELECT ${refList} FROM ${ref.info.display} WHERE ${refKeyPresent})`;
  } else {
    // A per-question alias keeps two FKs to the same table apart; the key is unique, so the join adds no rows.
    const alias = `r_${Math.abs(hash(`${base.statement}:${q.columns.join(',')}`))}`;
    const on = q.columns.map((c, i) => `${alias}.${quoteIdent(refColumns[i]!)} = ${col(c)}`).join(' AND ');
    joins = [`LEFT JOIN ${ref.info.display} AS ${alias} ON ${on}`];
    orphan = `${present} AND ${alias}.${quoteIdent(refColumns[0]!)} IS NULL`;
  }
  if (q.matchFull && q.columns.length > 1) {
    // MATCH FULL: a key that is partly NULL references nothing and violates the constraint.
    const anyNull = q.columns.map((c) => `${col(c)} IS NULL`).join(' OR ');
    orphan = `((${orphan}) OR ((${anyNull}) AND NOT (${q.columns.map((c) => `${col(c)} IS NULL`).join(' AND ')})))`;
  }
  return { plan: foreignKeyPlan(db, base, table, ref.info, q, severity, caveat, orphan, joins, indexed.ok && !indexed.value, undefined) };
}

/**
 * The FK plan: orphans counted by an aggregate in the table's scan (`count` undefined), or by
 * `count` alone (no aggregate: the scan skips this question).
 */
function foreignKeyPlan(
  db: Queryable,
  base: Omit<Planned, 'aggregates' | 'interpret'>,
  table: TableInfo,
  refInfo: TableInfo,
  q: Extract<Question, { kind: 'foreign-key' }>,
  severity: 'error' | 'warning',
  caveat: string,
  orphan: string,
  joins: string[],
  unindexed: boolean,
  count: (() => Promise<number>) | undefined,
): Planned {
  return {
    ...base,
    joins: count ? [] : joins,
    aggregates: count ? [] : [`count(*) FILTER (WHERE ${orphan})`],
    async interpret([scanned = 0]) {
      const orphans = count ? await count() : scanned;
      const findings: CheckFinding[] = [];
      const keyText = q.columns.join(', ');
      if (orphans > 0) {
        findings.push({
          id: 'fk-orphans',
          severity: q.notValid ? 'warning' : severity,
          message: `FOREIGN KEY (${keyText}) on ${table.display} → ${refInfo.display}: ${plural(orphans, 'row')} reference a missing row; ${q.notValid ? 'NOT VALID lets it apply, but VALIDATE CONSTRAINT will fail' : 'the statement fails'}${caveat}`,
          help: `Delete or fix the orphans first, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID and VALIDATE CONSTRAINT in a separate transaction.`,
          table: table.display,
          count: orphans,
          examples: await examples(db, table, orphan, joins),
        });
      }
      if (unindexed && !q.newColumn) {
        findings.push({
          id: 'fk-unindexed',
          severity: 'warning',
          message: `FOREIGN KEY (${keyText}) on ${table.display}: no index starts with (${keyText}), so every DELETE or key UPDATE on ${refInfo.display} scans ${table.display} (${plural(Math.max(0, Math.round(table.estimatedRows)), 'row')} estimated)`,
          help: `CREATE INDEX CONCURRENTLY ON ${table.display} (${keyText}) in its own migration.`,
          table: table.display,
        });
      }
      return findings;
    },
  };
}

async function planTypeChange(
  db: Queryable,
  base: Omit<Planned, 'aggregates' | 'interpret'>,
  table: TableInfo,
  q: Extract<Question, { kind: 'type-change' }>,
  options: PrecheckOptions,
): Promise<Planned | undefined> {
  const column = col(q.column);
  const labels = options.state.enumCreated(q.type) ?? (await enumLabels(db, q.type));
  if (labels) {
    // With USING, the values the new enum gets are the expression's (before its cast to the enum).
    const value = q.using === undefined ? column : `(${withoutFinalCast(q.using, q.type)})`;
    const lost = `${value} IS NOT NULL AND ${value}::text <> ALL (ARRAY[${labels.map(sqlLiteral).join(', ') || "''"}]::text[])`;
    return {
      ...base,
      aggregates: [`count(*) FILTER (WHERE ${lost})`],
      async interpret([count = 0]) {
        if (count === 0) return [];
        const { rows } = await db.query<{ v: string; n: string }>(
          `SELECT ${value}::text AS v, count(*)::text AS n FROM ${table.display} AS t WHERE ${lost} GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 50`,
        );
        const uses = await valueUses(db, rows.map((r) => r.v), q.table, []);
        const removedValues: RemovedValue[] = rows.map((r) => ({ column: q.column, value: r.v, rows: Number(r.n), usedBy: uses.get(r.v) ?? [] }));
        return [
          {
            id: 'values-lost',
            severity: 'error',
            message: `${table.display}.${q.column} becomes ${q.type}, which has no ${removedValues.map((r) => `${sqlLiteral(r.value)} (${plural(r.rows, 'row')}${r.usedBy.length ? `; used by ${r.usedBy.map((u) => `${u.kind} ${u.name}`).join(', ')}` : ''})`).join(', ')}: the cast fails`,
            help: `Map those values first (UPDATE ${table.display} SET ${q.column} = <kept value> WHERE ${q.column} = ...), or keep them in the new enum; change the code that writes them before removing them.`,
            table: table.display,
            count,
            removedValues,
            examples: await examples(db, table, lost),
          },
        ];
      },
    };
  }
  // pg_input_is_valid is the text input of the new type: right for a string column only. Other
  // types convert through their cast (numeric → integer rounds), evaluated below.
  if (q.using === undefined && options.serverVersionNum >= 160000 && (await isStringColumn(db, table, q.column))) {
    const invalid = `${column} IS NOT NULL AND NOT pg_input_is_valid(${column}::text, ${sqlLiteral(q.type)})`;
    return {
      ...base,
      aggregates: [`count(*) FILTER (WHERE ${invalid})`],
      async interpret([count = 0]) {
        if (count === 0) return [];
        return [
          {
            id: 'cast-failure',
            severity: 'error',
            message: `${table.display}.${q.column} cannot become ${q.type}: ${plural(count, 'row')} hold values that do not convert`,
            help: 'Clean those values first, or add a new column of the new type, backfill it with an explicit expression, and switch over.',
            table: table.display,
            count,
            examples: await examples(db, table, invalid),
          },
        ];
      },
    };
  }
  // Evaluating the conversion on every row: an error is the finding (failedCheck), NULLs from non-NULLs are lost values.
  const converted = `(${q.using ?? column})::${q.type}`;
  const lost = `${column} IS NOT NULL AND ${converted} IS NULL`;
  return {
    ...base,
    aggregates: [`count(*) FILTER (WHERE ${lost})`],
    async interpret([count = 0]) {
      if (count === 0) return [];
      return [
        {
          id: 'values-lost',
          severity: 'error',
          message: `${table.display}.${q.column} to ${q.type}${q.using ? ` USING ${q.using}` : ''}: ${plural(count, 'non-NULL value')} become NULL`,
          help: 'Fix the USING expression so every value converts, or clean the data first.',
          table: table.display,
          count,
          examples: await examples(db, table, lost),
        },
      ];
    },
  };
}

/** `(expr)` with its outer parentheses and a final `::type` removed (`status::text::"E"` → `status::text`). */
export function withoutFinalCast(expression: string, type: string): string {
  let e = expression.trim();
  while (e.startsWith('(') && closingParen(e, 0) === e.length - 1) e = e.slice(1, -1).trim();
  const at = e.lastIndexOf('::');
  if (at > 0 && e.slice(at + 2).replace(/\s+/g, '') === type.replace(/\s+/g, '')) return e.slice(0, at).trim();
  return e;
}

/** Index of the `)` matching the `(` at `open`, skipping quoted text; -1 when unbalanced. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = open; i < text.length; i++) {
    const ch = text[i]!;
    if (quote) {
      if (ch === quote) quote = undefined;
      continue;
    }
    if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
  }
  return -1;
}

async function isStringColumn(db: Queryable, table: TableInfo, column: string): Promise<boolean> {
  const { rows } = await db.query<{ category: string }>(
    `SELECT t.typcategory::text AS category FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = $1 AND a.attname = $2`,
    [table.oid, column],
  );
  return rows[0]?.category === 'S';
}

function hash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}
