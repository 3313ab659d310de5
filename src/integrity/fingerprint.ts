/**
 * The fingerprint queries. One scan per table computes count and the exact sum of a 64-bit hash of
 * each key (or each whole row when there is no key), optionally grouped into buckets. The sum does
 * not depend on row order, so two snapshots agree exactly when the key sets agree (up to a
 * collision of 64-bit hash sums). A `bit_xor` beside the sum cost ~0.4x of a count(*) on 5M rows
 * and adds no practical detection power, so it is no longer computed; documents that carry one
 * (older snapshots) are still compared on it when both sides have it.
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

function fingerprintOf(row: { n: string | number; s: string | null }): Fingerprint {
  return { rows: Number(row.n), sum: row.s ?? '0' };
}

/** Counts and fingerprints one table or filtered entity. One scan, plus one for keys when asked. */
export async function measure(tx: Queryable, target: MeasureTarget, options: MeasureOptions): Promise<MeasuredSet> {
  const hash = hashExpression(target.spec);
  const inner = `SELECT ${hash} AS h FROM ${target.from}${whereClause(target.where)}`;
  let result: MeasuredSet;
  if (options.buckets > 1) {
    const n = options.buckets;
    const { rows } = await tx.query<{ b: number; n: string; s: string | null }>(
      `SELECT ((h % ${n}) + ${n}) % ${n} AS b, count(*) AS n, sum(h) AS s FROM (${inner}) q GROUP BY 1`,
    );
    const buckets: Bucket[] = Array.from({ length: n }, () => [0, '0']);
    let total = 0;
    let sum = 0n;
    for (const row of rows) {
      const fp = fingerprintOf(row);
      buckets[Number(row.b)] = [fp.rows, fp.sum];
      total += fp.rows;
      sum += BigInt(fp.sum);
    }
    result = { rows: total, sum: sum.toString(), fingerprint: target.spec, buckets };
  } else {
    const { rows } = await tx.query<{ n: string; s: string | null }>(`SELECT count(*) AS n, sum(h) AS s FROM (${inner}) q`);
    result = { ...fingerprintOf(rows[0] ?? { n: 0, s: null }), fingerprint: target.spec };
  }
  if (options.forceKeys || (options.keysUpTo > 0 && result.rows <= options.keysUpTo)) {
    const { rows } = await tx.query<{ k: string }>(
      `SELECT ${keyTextExpression(target.spec)} AS k FROM ${target.from}${whereClause(target.where)}`,
    );
    result.keys = rows.map((r) => r.k).sort();
  }
  return result;
}
