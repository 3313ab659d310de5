/**
 * The fingerprint queries. One scan per table computes count and the exact sum of a 64-bit hash of
 * each key (or each whole row when there is no key), optionally grouped into buckets. The sum does
 * not depend on row order, so two snapshots agree exactly when the key sets agree (up to a
 * collision of 64-bit hash sums). A `bit_xor` beside the sum cost ~0.4x of a count(*) on 5M rows
 * and adds no practical detection power, so it is no longer computed; documents that carry one
 * (older snapshots) are still compared on it when both sides have it.
 *
 * The count comes from the same aggregate state as the sum: `sum(int8)` and `avg(int8)` have the
 * same transition function (an int128 count and sum), and PostgreSQL (10+) shares one transition
 * state between aggregates with the same function and input, so `sum(h), avg(h)` costs one
 * transition per row where `count(*), sum(h)` costs two (measured: 1.30x against 1.39x of a
 * count(*) on 5M rows). The count is then sum / avg, recovered exactly (see {@link countFrom});
 * when it cannot be (a sum of exactly zero, or an average that does not check out) the set is
 * counted again with count(*).
 */
import { quoteIdent } from '../db/introspect.js';
import type { Queryable } from '../db/types.js';
import type { Bucket, Fingerprint, FingerprintSpec, HashKind, MeasuredSet } from './types.js';

const INT_TYPES = new Set(['smallint', 'integer', 'bigint']);
const TEXT_TYPES = new Set(['text', 'character varying', 'name']);

/** The cheapest hash for a column type (its format_type without modifiers). */
export function hashKindFor(type: string): HashKind {
  const base = type.replace(/\(.*\)$/, '').replace(/\[\]$/, '[]');
  if (INT_TYPES.has(base)) return 'int8';
  if (TEXT_TYPES.has(base)) return 'text';
  if (base === 'uuid') return 'uuid';
  return 'cast';
}

function columnHash(column: string, kind: HashKind): string {
  const c = quoteIdent(column);
  switch (kind) {
    case 'int8':
      return `hashint8extended(${c}::int8, 0)`;
    case 'text':
      return `hashtextextended(${c}::text, 0)`;
    case 'uuid':
      return `uuid_hash_extended(${c}, 0)`;
    case 'cast':
      return `hashtextextended(${c}::text, 0)`;
  }
}

/** SQL for the 64-bit hash of one row under `spec`. */
export function hashExpression(spec: FingerprintSpec): string {
  if (spec.method === 'whole-row') {
    // ROW(...)::text quotes and marks NULLs, so distinct rows give distinct text.
    return `hashtextextended(ROW(${spec.columns.map(quoteIdent).join(', ')})::text, 0)`;
  }
  const parts = spec.columns.map((column, i) => columnHash(column, spec.hashes[i] ?? 'cast'));
  // Composite keys: fold each column's hash into the next as its seed (order-sensitive, 64-bit).
  return parts.reduce((acc, part) => `hashint8extended(${part}, ${acc})`);
}

/** SQL for the key as text (what `--keys-up-to` stores and compare lists as missing). */
export function keyTextExpression(spec: FingerprintSpec): string {
  if (spec.columns.length === 1 && spec.method === 'primary-key') return `${quoteIdent(spec.columns[0] ?? '')}::text`;
  return `ROW(${spec.columns.map(quoteIdent).join(', ')})::text`;
}

export interface MeasureTarget {
  /** Qualified, quoted relation, e.g. `"public"."users"` or `ONLY "public"."users"`. */
  from: string;
  where?: string | undefined;
  spec: FingerprintSpec;
  /**
   * The key columns may hold NULL (they are not the table's primary key any more: a guide's key
   * after the migration dropped it). A NULL key hashes to NULL, which sum and avg skip: the hash is
   * then read as coalesce(h, 0), so such a row still counts and adds 0 to the sum, as it did when
   * the count came from count(*).
   */
  nullableKey?: boolean | undefined;
}

export interface MeasureOptions {
  buckets: number;
  /** Store the key list when the set has at most this many rows (0: never). */
  keysUpTo: number;
  /** Store keys whatever the row count (compare against a snapshot that has them). */
  forceKeys?: boolean;
}

function whereClause(where: string | undefined): string {
  return where ? ` WHERE (${where})` : '';
}

/** A decimal numeric as an integer and its scale: "-12.50" → { digits: -1250n, scale: 2 }. */
function parseDecimal(text: string): { digits: bigint; scale: number } | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!m) return undefined;
  const fraction = m[3] ?? '';
  const digits = BigInt(`${m[2]}${fraction}`);
  return { digits: m[1] ? -digits : digits, scale: fraction.length };
}

/** a / b rounded half away from zero (b > 0). */
function roundDiv(a: bigint, b: bigint): bigint {
  const q = (2n * (a < 0n ? -a : a) + b) / (2n * b);
  return a < 0n ? -q : q;
}

/** Sets this large are counted with count(*): sum / avg could no longer tell n from n ± 1. */
const MAX_DERIVED_COUNT = 10n ** 12n;
/** PostgreSQL's numeric division writes at least 16 significant digits (NUMERIC_MIN_SIG_DIGITS). */
const MIN_AVG_DIGITS = 16;

/**
 * The row count behind `sum` and `avg` of the same values, or undefined when it cannot be known
 * from them. PostgreSQL's numeric division gives the average at least 16 significant digits, so
 * n = sum / avg is off by far less than ½ for any n below 10¹², and the candidate is accepted only
 * when sum / n, rounded to the average's own scale, reproduces the average digit for digit (within
 * one unit of its last digit). An average with fewer than 16 significant digits (not what
 * PostgreSQL writes) or a sum of exactly zero says nothing certain about n: undefined.
 */
export function countFrom(sum: string | null, avg: string | null): number | undefined {
  if (sum === null || avg === null) return sum === null && avg === null ? 0 : undefined;
  const s = parseDecimal(sum);
  const a = parseDecimal(avg);
  if (!s || !a || s.scale !== 0 || s.digits === 0n || a.digits === 0n) return undefined;
  if ((s.digits < 0n) !== (a.digits < 0n)) return undefined;
  if ((a.digits < 0n ? -a.digits : a.digits).toString().length < MIN_AVG_DIGITS) return undefined;
  const unit = 10n ** BigInt(a.scale);
  const n = roundDiv(s.digits * unit, a.digits < 0n ? -a.digits : a.digits);
  const count = n < 0n ? -n : n;
  if (count < 1n || count > MAX_DERIVED_COUNT) return undefined;
  const back = roundDiv(s.digits * unit, count);
  const diff = back - a.digits;
  if (diff > 1n || diff < -1n) return undefined;
  return Number(count);
}

interface SumAvgRow {
  s: string | null;
  a: string | null;
}

/** Counts and fingerprints one table or filtered entity. One scan, plus one for keys when asked. */
export async function measure(tx: Queryable, target: MeasureTarget, options: MeasureOptions): Promise<MeasuredSet> {
  const hash = target.nullableKey === true && target.spec.method === 'primary-key' ? `coalesce(${hashExpression(target.spec)}, 0)` : hashExpression(target.spec);
  const inner = `SELECT ${hash} AS h FROM ${target.from}${whereClause(target.where)}`;
  let result: MeasuredSet;
  if (options.buckets > 1) {
    const n = options.buckets;
    const bucketOf = `((h % ${n}) + ${n}) % ${n}`;
    const { rows } = await tx.query<SumAvgRow & { b: number }>(
      `SELECT ${bucketOf} AS b, sum(h)::text AS s, avg(h)::text AS a FROM (${inner}) q GROUP BY 1`,
    );
    const buckets: Bucket[] = Array.from({ length: n }, () => [0, '0']);
    const uncounted: number[] = [];
    for (const row of rows) {
      const b = Number(row.b);
      const count = countFrom(row.s, row.a);
      if (count === undefined) uncounted.push(b);
      buckets[b] = [count ?? 0, row.s ?? '0'];
    }
    if (uncounted.length > 0) {
      const { rows: counted } = await tx.query<{ b: number; n: string }>(
        `SELECT ${bucketOf} AS b, count(*) AS n FROM (${inner}) q WHERE ${bucketOf} = ANY($1::int[]) GROUP BY 1`,
        [uncounted],
      );
      for (const row of counted) {
        const bucket = buckets[Number(row.b)];
        if (bucket) bucket[0] = Number(row.n);
      }
    }
    let total = 0;
    let sum = 0n;
    for (const [rows, s] of buckets) {
      total += rows;
      sum += BigInt(s);
    }
    result = { rows: total, sum: sum.toString(), fingerprint: target.spec, buckets };
  } else {
    const { rows } = await tx.query<SumAvgRow>(`SELECT sum(h)::text AS s, avg(h)::text AS a FROM (${inner}) q`);
    const row = rows[0] ?? { s: null, a: null };
    let count = countFrom(row.s, row.a);
    if (count === undefined) {
      const { rows: counted } = await tx.query<{ n: string }>(`SELECT count(*) AS n FROM (${inner}) q`);
      count = Number(counted[0]?.n ?? 0);
    }
    result = { rows: count, sum: row.s ?? '0', fingerprint: target.spec };
  }
  if (options.forceKeys || (options.keysUpTo > 0 && result.rows <= options.keysUpTo)) {
    const { rows } = await tx.query<{ k: string }>(
      `SELECT ${keyTextExpression(target.spec)} AS k FROM ${target.from}${whereClause(target.where)}`,
    );
    result.keys = rows.map((r) => r.k).sort();
  }
  return result;
}
