import os from 'node:os';
import { ENVIRONMENT_KINDS, type EnvironmentKind } from '../config/schema.js';
import type { Db, Queryable } from '../db/types.js';
import { RefusedError, UsageError } from '../errors.js';

/** What a database says it is, as written by `prodguard env mark`. */
export interface EnvironmentIdentity {
  name: string;
  kind: EnvironmentKind;
  /** ISO 8601 timestamp. */
  markedAt: string;
  markedBy: string;
}

export const IDENTITY_TABLE = 'prodguard.environment';

const CREATE_IDENTITY_SQL = `
CREATE SCHEMA IF NOT EXISTS prodguard;
CREATE TABLE IF NOT EXISTS prodguard.environment (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  name text NOT NULL CHECK (name <> ''),
  kind text NOT NULL CHECK (kind IN ('production', 'staging', 'test', 'development')),
  marked_at timestamptz NOT NULL DEFAULT now(),
  marked_by text NOT NULL
);
COMMENT ON TABLE prodguard.environment IS 'Written by prodguard env mark: what this database is. Do not copy between environments.';
`;

interface IdentityRow {
  name: string;
  kind: string;
  marked_at: string;
  marked_by: string;
}

/**
 * Reads the database's recorded identity. Returns undefined when it was never marked.
 * Read-only: never creates anything.
 */
export async function readIdentity(db: Queryable): Promise<EnvironmentIdentity | undefined> {
  const exists = await db.query<{ present: boolean }>(
    `SELECT to_regclass('prodguard.environment') IS NOT NULL AS present`,
  );
  if (!exists.rows[0]?.present) return undefined;
  const { rows } = await db.query<IdentityRow>(
    `SELECT name, kind, to_char(marked_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS marked_at, marked_by
       FROM prodguard.environment LIMIT 1`,
  );
  const row = rows[0];
  if (!row) return undefined;
  return { name: row.name, kind: row.kind as EnvironmentKind, markedAt: row.marked_at, markedBy: row.marked_by };
}

export interface MarkOptions {
  kind: EnvironmentKind;
  /** Defaults to the database name. */
  name?: string | undefined;
  /** Who marks it; defaults to `user@host` of this machine. */
  markedBy?: string | undefined;
  /** Required to re-mark a database recorded as production as anything else. */
  force?: boolean;
}

export interface MarkResult {
  identity: EnvironmentIdentity;
  previous: EnvironmentIdentity | undefined;
}

export function defaultMarkedBy(): string {
  let user = 'unknown';
  try {
    user = os.userInfo().username;
  } catch {
    user = process.env.USER ?? 'unknown';
  }
  return `${user}@${os.hostname()}`;
}

/**
 * Writes the database's identity into `prodguard.environment` (one row), in one transaction.
 *
 * @throws UsageError for an unknown kind; RefusedError when the database is recorded as
 *   production and `kind` is not, unless `force` is set.
 * @example await markIdentity(db, { kind: 'staging', name: 'staging-eu' });
 */
export async function markIdentity(db: Db, options: MarkOptions): Promise<MarkResult> {
  if (!ENVIRONMENT_KINDS.includes(options.kind)) {
    throw new UsageError(`unknown environment kind "${String(options.kind)}"`, {
      hint: `use one of ${ENVIRONMENT_KINDS.join(', ')}`,
    });
  }
  return db.transaction(async (tx) => {
    await tx.exec(CREATE_IDENTITY_SQL);
    // Serialise concurrent marks of the same database.
    await tx.query('LOCK TABLE prodguard.environment IN SHARE ROW EXCLUSIVE MODE');
    const previous = await readIdentity(tx);
    if (previous?.kind === 'production' && options.kind !== 'production' && !options.force) {
      throw new RefusedError(
        `this database is marked production (name "${previous.name}", by ${previous.markedBy} at ${previous.markedAt}); refusing to mark it ${options.kind}`,
        { code: 'PRODGUARD_PROTECTED', hint: 'if this really is a copy that is no longer production, pass --force' },
      );
    }
    const name =
      options.name ?? (await tx.query<{ db: string }>('SELECT current_database() AS db')).rows[0]?.db ?? 'unnamed';
    await tx.query(
      `INSERT INTO prodguard.environment (singleton, name, kind, marked_at, marked_by)
       VALUES (true, $1, $2, now(), $3)
       ON CONFLICT (singleton) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind,
         marked_at = EXCLUDED.marked_at, marked_by = EXCLUDED.marked_by`,
      [name, options.kind, options.markedBy ?? defaultMarkedBy()],
    );
    const identity = await readIdentity(tx);
    if (!identity) throw new Error('identity row missing right after writing it');
    return { identity, previous };
  });
}
