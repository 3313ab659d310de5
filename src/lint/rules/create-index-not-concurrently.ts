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
    if (!stmt.relation) return;
    const table: QualifiedName = { schema: stmt.relation.schemaname, name: stmt.relation.relname };
    const partitioned = ctx.state.isPartitioned(table);
    if (stmt.concurrent) {
      // PostgreSQL refuses it: "cannot create index on partitioned table ... concurrently".
      if (partitioned === true) {
        const tableSql = qualifiedSql(table);
        ctx.report({
          // The migration fails: an error unless config sets this rule's severity.
          severity: 'error',
          message: `CREATE INDEX CONCURRENTLY on the partitioned table ${tableSql} fails: PostgreSQL cannot build an index on a partitioned table concurrently, so the migration stops here.`,
          help:
            stmt.relation.inh === true
              ? `Create the index ON ONLY ${tableSql} without CONCURRENTLY (instant, invalid until every partition has one), build each partition's index with CREATE INDEX CONCURRENTLY, and attach each with ALTER INDEX ... ATTACH PARTITION.`
              : `Drop CONCURRENTLY: CREATE INDEX ... ON ONLY ${tableSql} only creates the parent's (invalid) index, instantly; then build each partition's index CONCURRENTLY and ATTACH PARTITION it.`,
        });
      }
      return;
    }
    // ON ONLY a partitioned parent only creates its (invalid) index; on a plain table it builds one.
    if (stmt.relation.inh !== true && partitioned !== false) return;
    if (ctx.state.isNewTable(table)) return;
    const tableSql = qualifiedSql(table);
    if (partitioned === true) {
      const index = stmt.idxname ? quoteIdent(stmt.idxname) : 'the index';
      ctx.report({
        message: `CREATE ${stmt.unique ? 'UNIQUE ' : ''}INDEX${stmt.idxname ? ` ${quoteIdent(stmt.idxname)}` : ''} on the partitioned table ${tableSql} builds it on every partition under SHARE locks: every INSERT, UPDATE and DELETE waits until the last partition is indexed. CONCURRENTLY is not available on a partitioned table.`,
        help: `Create ${index} ON ONLY ${tableSql} (instant, invalid until every partition has one), build each partition's index with CREATE INDEX CONCURRENTLY, and attach each with ALTER INDEX ${index} ATTACH PARTITION ...; the parent's index becomes valid when the last is attached.`,
      });
      return;
    }
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

