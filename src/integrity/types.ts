/**
 * The snapshot document: what `prodguard snapshot` writes and `prodguard compare` reads.
 * Versioned; never contains credentials (no URL, only the database name and identity).
 */
import type { EnvironmentIdentity } from '../identity/environment.js';

export const SNAPSHOT_FORMAT = 'prodguard-snapshot';
export const SNAPSHOT_VERSION = 1;

/**
 * How one column of a fingerprint is hashed to 64 bits: `int8` = hashint8extended(col::int8),
 * `text` = hashtextextended(col, 0) (text/varchar, no cast), `uuid` = uuid_hash_extended(col, 0),
 * `cast` = hashtextextended(col::text, 0) for every other type.
 */
export type HashKind = 'int8' | 'text' | 'uuid' | 'cast';

export interface FingerprintSpec {
  /** `primary-key`: one hash per key (strong); `whole-row`: one hash per row over `columns` (weaker: no key). */
  method: 'primary-key' | 'whole-row';
  columns: string[];
  hashes: HashKind[];
}

/** Order-independent aggregate of the 64-bit row hashes: count and sum (exact, as decimal text). */
export interface Fingerprint {
  rows: number;
  sum: string;
  /** bit_xor of the hashes: only in documents written before 0.1 dropped it; compared when both have it. */
  xor?: string;
}

/** One bucket: [rows, sum], or [rows, sum, xor] in older documents. */
export type Bucket = [number, string] | [number, string, string];

export interface ColumnInfo {
  name: string;
  /** format_type(): e.g. `integer`, `character varying(20)`. */
  type: string;
}

export interface MeasuredSet extends Fingerprint {
  fingerprint: FingerprintSpec;
  /** Per bucket (rows grouped by hash modulo the bucket count): [rows, sum]. */
  buckets?: Bucket[];
  /** Every key as text (`col::text`, or `ROW(a,b)::text` for composite keys), sorted; only for small tables. */
  keys?: string[];
}

export interface TableSnapshot extends MeasuredSet {
  schema: string;
  name: string;
  columns: ColumnInfo[];
  /** True when the table has no primary key and only a whole-row fingerprint exists. */
  weak: boolean;
}

export interface CriticalEntity {
  name: string;
  /** Table name as SQL (e.g. `"CustomerTask"` or `app.orders`). */
  table: string;
  where?: string | undefined;
}

export interface CriticalSnapshot extends MeasuredSet, CriticalEntity {
  weak: boolean;
}

export interface SnapshotOptionsRecord {
  schemas: string[] | null;
  include: string[];
  exclude: string[];
  buckets: number;
  keysUpTo: number;
  jobs: number;
}

export interface SnapshotDocument {
  format: typeof SNAPSHOT_FORMAT;
  version: typeof SNAPSHOT_VERSION;
  /** ISO 8601, server clock at the start of the snapshot transaction. */
  takenAt: string;
  server: { version: string; major: number };
  database: string;
  identity: EnvironmentIdentity | null;
  options: SnapshotOptionsRecord;
  tables: TableSnapshot[];
  critical: CriticalSnapshot[];
  durationMs: number;
}

export function tableId(t: { schema: string; name: string }): string {
  return `${t.schema}.${t.name}`;
}
