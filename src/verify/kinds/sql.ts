/** `sql`: one query in a READ ONLY transaction under the check's statement timeout; ROWS, ROW_COUNT. */
import { openDb } from '../../db/open.js';
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
    const started = performance.now();
    const result = await db.transaction(
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


function usesRowIndex(check: VerifyCheck): boolean {
  return [...check.fail, ...check.warn].some((c) => /\[ROWS\]\s*\[/.test(c));
}
