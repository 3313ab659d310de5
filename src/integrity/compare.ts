/**
 * Compares two snapshot documents and says, per table and critical entity, whether rows or
 * columns were lost. Pure: no database, no output.
 */
import type { Expectation } from '../config/schema.js';
import { UsageError } from '../errors.js';
import { matchesAny } from './catalog.js';
import {
  type FingerprintSpec,
  type MeasuredSet,
  SNAPSHOT_FORMAT,
  SNAPSHOT_VERSION,
  type SnapshotDocument,
  type TableSnapshot,
  tableId,
} from './types.js';
import { plural } from '../report/plural.js';

export type TableVerdict =
  | 'unchanged'
  | 'grew'
  | 'changed'
  | 'shrank'
  | 'missing table'
  | 'missing column'
  | 'column type changed'
  | 'new table';

/** `ok`: nothing lost; `loss`: an unexpected loss; `expected`: a loss declared in config or flags. */
export type CompareStatus = 'ok' | 'loss' | 'expected';

export interface SetComparison {
  /** `schema.table` for tables, the entity's name for critical entities. */
  id: string;
  kind: 'table' | 'critical';
  verdict: TableVerdict;
  status: CompareStatus;
  /** The declaration that made a loss expected. */
  expectation?: Expectation;
  rowsBefore: number | null;
  rowsAfter: number | null;
  missingColumns: string[];
  retypedColumns: { name: string; before: string; after: string }[];
  /** Buckets (by key hash) that lost rows, with how many at least. */
  lostBuckets?: { bucket: number; lost: number; changed: boolean }[];
  /** Keys present before and absent after (from stored key lists). */
  missingKeys?: string[];
  /** Whole-row fingerprint (no primary key): an update to any value reads as `changed`. */
  weak: boolean;
  /** Why the fingerprints could not be compared (key columns changed), if so. */
  note?: string;
  /** One line for people. */
  message: string;
}

export interface CompareOptions {
  /** From config `integrity.expect`: `table`, `schema.table` or a critical entity's name (globs allowed). */
  expect?: Record<string, Expectation>;
  /** `--allow-shrink`: tables that may shrink (same as `may-shrink`). */
  allowShrink?: string[];
}

export interface CompareReport {
  format: 'prodguard-compare';
  version: 1;
  before: { takenAt: string; database: string; identity: SnapshotDocument['identity'] };
  after: { takenAt: string; database: string; identity: SnapshotDocument['identity'] };
  items: SetComparison[];
  summary: { compared: number; unchanged: number; grew: number; losses: number; expected: number; newTables: number };
  verdict: 'pass' | 'fail';
  /** The unexpected losses, for the `ROLLBACK RECOMMENDED` line. */
  losses: string[];
}

/** Throws UsageError unless `doc` is a snapshot document this version reads. */
export function assertSnapshotDocument(doc: unknown, source: string): asserts doc is SnapshotDocument {
  const d = doc as Partial<SnapshotDocument> | null;
  if (!d || typeof d !== 'object' || d.format !== SNAPSHOT_FORMAT) {
    throw new UsageError(`${source} is not a prodguard snapshot (no "format": "${SNAPSHOT_FORMAT}")`, {
      code: 'PRODGUARD_BAD_SNAPSHOT',
      hint: 'create one with: prodguard snapshot --out before.json',
    });
  }
  if (d.version !== SNAPSHOT_VERSION) {
    throw new UsageError(`${source} is snapshot version ${String(d.version)}; this prodguard reads version ${SNAPSHOT_VERSION}`, {
      code: 'PRODGUARD_BAD_SNAPSHOT',
    });
  }
}

const ALLOWED: Record<Expectation, readonly TableVerdict[]> = {
  'may-change': ['changed', 'column type changed'],
  'may-shrink': ['changed', 'shrank'],
  'may-drop': ['changed', 'shrank', 'column type changed', 'missing column', 'missing table'],
};

/** An xor that only one side has (an older document) says nothing; two that differ do. */
function differs(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a !== b;
}

function sameSpec(a: FingerprintSpec, b: FingerprintSpec): boolean {
  return a.method === b.method && a.columns.join('\u0000') === b.columns.join('\u0000') && a.hashes.join() === b.hashes.join();
}

function expectationFor(id: string, schema: string | undefined, name: string, options: CompareOptions): Expectation | undefined {
  const candidates: Expectation[] = [];
  for (const [pattern, expectation] of Object.entries(options.expect ?? {})) {
    if (pattern === id || (schema !== undefined ? matchesAny([pattern], schema, name) : matchesAny([pattern], '', name))) {
      candidates.push(expectation);
    }
  }
  for (const pattern of options.allowShrink ?? []) {
    if (pattern === id || (schema !== undefined ? matchesAny([pattern], schema, name) : matchesAny([pattern], '', name))) {
      candidates.push('may-shrink');
    }
  }
  // The most permissive declaration wins.
  for (const e of ['may-drop', 'may-shrink', 'may-change'] as const) if (candidates.includes(e)) return e;
  return undefined;
}


function compareSets(
  id: string,
  kind: 'table' | 'critical',
  before: MeasuredSet & { weak: boolean; columns?: TableSnapshot['columns'] },
  after: (MeasuredSet & { weak: boolean; columns?: TableSnapshot['columns'] }) | undefined,
  expectation: Expectation | undefined,
): SetComparison {
  const base = { id, kind, weak: before.weak, rowsBefore: before.rows < 0 ? null : before.rows, missingColumns: [] as string[], retypedColumns: [] as SetComparison['retypedColumns'] };
  const finish = (c: Omit<SetComparison, 'status' | 'expectation'>, problems: TableVerdict[] = [c.verdict]): SetComparison => {
    const lossy = problems.filter((p) => !['unchanged', 'grew', 'new table'].includes(p));
    if (lossy.length === 0) return { ...c, status: 'ok' };
    if (expectation && lossy.every((p) => ALLOWED[expectation].includes(p))) return { ...c, status: 'expected', expectation };
    return { ...c, status: 'loss' };
  };
  if (!after || after.rows < 0) {
    if (before.rows < 0) return finish({ ...base, verdict: 'unchanged', rowsAfter: null, message: 'table absent before and after' });
    return finish({ ...base, verdict: 'missing table', rowsAfter: null, message: `table is gone (had ${plural(before.rows, 'row')})` });
  }
  if (before.rows < 0) return finish({ ...base, verdict: 'new table', rowsAfter: after.rows, message: `table appeared (${plural(after.rows, 'row')})` });

  const afterTypes = new Map((after.columns ?? []).map((c) => [c.name, c.type]));
  const missingColumns: string[] = [];
  const retypedColumns: SetComparison['retypedColumns'] = [];
  for (const column of before.columns ?? []) {
    const type = afterTypes.get(column.name);
    if (type === undefined) missingColumns.push(column.name);
    else if (type !== column.type) retypedColumns.push({ name: column.name, before: column.type, after: type });
  }

  const comparable = sameSpec(before.fingerprint, after.fingerprint);
  const fingerprintDiffers = before.sum !== after.sum || differs(before.xor, after.xor);
  let missingKeys: string[] | undefined;
  if (comparable && before.keys && after.keys) {
    const present = new Set(after.keys);
    missingKeys = before.keys.filter((k) => !present.has(k));
  }
  let lostBuckets: SetComparison['lostBuckets'];
  if (comparable && before.buckets && after.buckets && before.buckets.length === after.buckets.length) {
    lostBuckets = [];
    before.buckets.forEach(([rows, sum, xor], bucket) => {
      const [rowsAfter, sumAfter, xorAfter] = after.buckets?.[bucket] ?? [0, '0'];
      if (rowsAfter < rows) lostBuckets?.push({ bucket, lost: rows - rowsAfter, changed: false });
      else if (rowsAfter === rows && (sum !== sumAfter || differs(xor, xorAfter))) lostBuckets?.push({ bucket, lost: 1, changed: true });
    });
  }

  const delta = after.rows - before.rows;
  let rowVerdict: 'unchanged' | 'grew' | 'changed' | 'shrank';
  if (delta < 0) rowVerdict = 'shrank';
  else if (missingKeys) rowVerdict = missingKeys.length > 0 ? 'changed' : delta > 0 ? 'grew' : 'unchanged';
  else if (delta === 0) rowVerdict = comparable && fingerprintDiffers ? 'changed' : 'unchanged';
  else rowVerdict = lostBuckets && lostBuckets.length > 0 ? 'changed' : 'grew';

  const verdict: TableVerdict =
    missingColumns.length > 0 ? 'missing column' : retypedColumns.length > 0 ? 'column type changed' : rowVerdict;
  const parts: string[] = [];
  if (missingColumns.length > 0) parts.push(`column${missingColumns.length === 1 ? '' : 's'} ${missingColumns.join(', ')} dropped`);
  for (const r of retypedColumns) parts.push(`column ${r.name} ${r.before} → ${r.after}`);
  const counts = `${before.rows} → ${after.rows}`;
  switch (rowVerdict) {
    case 'shrank':
      parts.push(`shrank by ${-delta} (${counts})`);
      break;
    case 'changed':
      parts.push(
        delta === 0
          ? `same count (${after.rows}), different keys: at least one row removed and one added`
          : `grew (${counts}) but rows were removed`,
      );
      break;
    case 'grew':
      parts.push(`grew by ${delta} (${counts})${missingKeys ? '' : ', rows only added as far as the fingerprint can tell'}`);
      break;
    case 'unchanged':
      parts.push(`${plural(after.rows, 'row')}, unchanged`);
  }
  if (missingKeys && missingKeys.length > 0) {
    const shown = missingKeys.slice(0, 10).join(', ');
    parts.push(`missing keys: ${shown}${missingKeys.length > 10 ? ` … (${missingKeys.length} in all)` : ''}`);
  } else if (lostBuckets && lostBuckets.length > 0 && rowVerdict !== 'unchanged' && rowVerdict !== 'grew') {
    parts.push(`rows lost in ${plural(lostBuckets.length, 'bucket')} of ${before.buckets?.length}`);
  }
  const note = comparable ? undefined : `fingerprint columns changed (${before.fingerprint.columns.join(', ')} → ${after.fingerprint.columns.join(', ')}): judged by count only`;
  const result: Omit<SetComparison, 'status' | 'expectation'> = {
    ...base,
    verdict,
    rowsAfter: after.rows,
    missingColumns,
    retypedColumns,
    message: parts.join('; '),
  };
  if (lostBuckets && lostBuckets.length > 0) result.lostBuckets = lostBuckets;
  if (missingKeys) result.missingKeys = missingKeys;
  if (note) result.note = note;
  const problems: TableVerdict[] = [rowVerdict];
  if (missingColumns.length > 0) problems.push('missing column');
  if (retypedColumns.length > 0) problems.push('column type changed');
  return finish(result, problems);
}

/**
 * Compares `before` with `after`. Losses: a table or column gone, a column retyped, fewer rows,
 * or rows replaced (same count, different keys; or with keys or buckets, any before-key gone).
 * A loss declared by `expect` / `allowShrink` is `expected`, not a failure. Never throws for
 * valid documents.
 */
export function compareSnapshots(before: SnapshotDocument, after: SnapshotDocument, options: CompareOptions = {}): CompareReport {
  const items: SetComparison[] = [];
  const afterTables = new Map(after.tables.map((t) => [tableId(t), t]));
  for (const table of before.tables) {
    const id = tableId(table);
    items.push(compareSets(id, 'table', table, afterTables.get(id), expectationFor(id, table.schema, table.name, options)));
    afterTables.delete(id);
  }
  for (const table of afterTables.values()) {
    const id = tableId(table);
    items.push({
      id,
      kind: 'table',
      verdict: 'new table',
      status: 'ok',
      rowsBefore: null,
      rowsAfter: table.rows,
      missingColumns: [],
      retypedColumns: [],
      weak: table.weak,
      message: `new table (${plural(table.rows, 'row')})`,
    });
  }
  const afterCritical = new Map(after.critical.map((c) => [c.name, c]));
  for (const entity of before.critical) {
    items.push(compareSets(entity.name, 'critical', entity, afterCritical.get(entity.name), expectationFor(entity.name, undefined, entity.name, options)));
  }
  const summary = { compared: items.length, unchanged: 0, grew: 0, losses: 0, expected: 0, newTables: 0 };
  for (const item of items) {
    if (item.status === 'loss') summary.losses++;
    else if (item.status === 'expected') summary.expected++;
    else if (item.verdict === 'grew') summary.grew++;
    else if (item.verdict === 'new table') summary.newTables++;
    else summary.unchanged++;
  }
  const losses = items.filter((i) => i.status === 'loss').map((i) => `${i.id} (${i.verdict})`);
  return {
    format: 'prodguard-compare',
    version: 1,
    before: { takenAt: before.takenAt, database: before.database, identity: before.identity },
    after: { takenAt: after.takenAt, database: after.database, identity: after.identity },
    items,
    summary,
    verdict: summary.losses > 0 ? 'fail' : 'pass',
    losses,
  };
}
