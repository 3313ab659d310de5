/**
 * create-index-not-concurrently: CREATE INDEX without CONCURRENTLY on an existing table holds a
 * SHARE lock for the whole build: reads continue, every INSERT, UPDATE and DELETE waits.
 * `CREATE INDEX ON ONLY parent` is skipped: it only creates an invalid parent index, and
 * CONCURRENTLY is not available for it.
 */
import { defineRule } from '../define-rule.js';
import { qualifiedSql, quoteIdent } from '../names.js';
import type { QualifiedName } from '../types.js';

interface IndexStmt {
  idxname?: string;
  relation?: { schemaname?: string; relname: string; inh?: boolean; location?: number };
  unique?: boolean;
  concurrent?: boolean;
}

export default defineRule({
  id: 'create-index-not-concurrently',
  severity: 'warning',
  level: 2,
  summary: 'CREATE INDEX on an existing table without CONCURRENTLY blocks all writes to the table while the index is built.',
  on: ['IndexStmt'],
  check(ctx) {
    if (ctx.statement.kind !== 'IndexStmt' || !ctx.node) return;
    const stmt = ctx.node as unknown as IndexStmt;
    if (stmt.concurrent || !stmt.relation || stmt.relation.inh !== true) return;
    const table: QualifiedName = { schema: stmt.relation.schemaname, name: stmt.relation.relname };
    if (ctx.state.isNewTable(table)) return;
    const tableSql = qualifiedSql(table);
    const sql = ctx.statement.sql.trim();
    const fixed = sql.replace(/^(create\s+(?:unique\s+)?index)(?=\s)/i, '$1 CONCURRENTLY');
    const outside = ctx.state.inTransaction
      ? ' CONCURRENTLY cannot run inside a transaction: put it in a migration of its own that runs without one.'
      : '';
    ctx.report({
      message: `CREATE ${stmt.unique ? 'UNIQUE ' : ''}INDEX${stmt.idxname ? ` ${quoteIdent(stmt.idxname)}` : ''} on ${tableSql} holds a SHARE lock for the whole build: reads continue, but every INSERT, UPDATE and DELETE on ${tableSql} waits until the index is built.`,
      help: `Use CREATE INDEX CONCURRENTLY: it builds the index while writes continue (it takes longer and, if it fails, leaves an INVALID index to drop and retry).${outside}`,
      ...(fixed !== sql ? { fix: `${fixed};` } : {}),
    });
  },
});

