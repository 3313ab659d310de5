/** `sql`: one statement in a READ ONLY, always rolled back transaction under the check's statement timeout; ROWS, ROW_COUNT. */
import { parseSync } from 'libpg-query';
import { openDb } from '../../db/open.js';
import { ensureParser } from '../../migrations/parse.js';
import type { Db } from '../../db/types.js';
import type { VerifyCheck } from '../schema.js';
import { causeOf, type MeasureContext, type Measurement, resolved, Unmeasurable } from './common.js';

export async function measureSql(check: VerifyCheck, ctx: MeasureContext): Promise<Measurement> {
  const sql = check.sql!;
  const timeoutMs = sql.timeout ?? check.timeout;
  let own: Db | undefined;
  let db: Db;
  try {
    if (sql.url) {
      own = await openDb(resolved(sql.url, 'sql.url'), { settings: { statementTimeoutMs: timeoutMs, connectTimeoutMs: timeoutMs } });
      db = own;
    } else if (ctx.db) db = await ctx.db();
    else throw new Unmeasurable('no database: give sql.url or select an environment (--env)');
  } catch (error) {
    if (error instanceof Unmeasurable) throw error;
    throw new Unmeasurable(causeOf(error));
  }
  try {
    await assertOneStatement(sql.query);
    const started = performance.now();
    // READ ONLY, and rolled back whatever happens: a check never changes the database.
    const result = await db.rollbackOnly(
      async (tx) => {
        await tx.query(`SET LOCAL statement_timeout = ${Math.max(1, Math.round(timeoutMs))}`);
        return tx.query(sql.query);
      },
      { readOnly: true },
    );
    const elapsed = Math.round(performance.now() - started);
    if (result.rows.length === 0 && usesRowIndex(check)) throw new Unmeasurable('query returned no rows');
    return {
      values: { ROWS: result.rows, ROW_COUNT: result.rows.length, RESPONSE_TIME: elapsed },
      detail: `${result.rows.length} row${result.rows.length === 1 ? '' : 's'} in ${elapsed} ms`,
    };
  } catch (error) {
    if (error instanceof Unmeasurable) throw error;
    throw new Unmeasurable(causeOf(error));
  } finally {
    await own?.close();
  }
}

/**
 * One statement only, decided by the PostgreSQL parser: over the simple query protocol
 * `SELECT 1; COMMIT; DELETE FROM t` would end the read-only transaction and run the DELETE.
 * A query the parser rejects goes to the server, which reports the syntax error.
 */
async function assertOneStatement(query: string): Promise<void> {
  await ensureParser();
  let count: number;
  try {
    count = parseSync(query).stmts?.length ?? 0;
  } catch {
    return;
  }
  if (count !== 1) throw new Unmeasurable(`sql.query must be exactly one statement (got ${count})`);
}

function usesRowIndex(check: VerifyCheck): boolean {
  return [...check.fail, ...check.warn].some((c) => /\[ROWS\]\s*\[/.test(c));
}
