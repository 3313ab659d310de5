/**
 * drop-index-not-concurrently: DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on
 * the index's table. The drop itself is quick, but while it waits for running queries to finish,
 * every new read and write on the table queues behind it. Indexes created earlier in the run are
 * skipped: nothing in production uses them yet.
 */
import { defineRule } from '../define-rule.js';
import { qualifiedSql } from '../names.js';
import type { QualifiedName } from '../types.js';

interface DropStmt {
  objects?: { List?: { items?: { String?: { sval: string } }[] } }[];
  removeType?: string;
  behavior?: string;
  concurrent?: boolean;
}

export default defineRule({
  id: 'drop-index-not-concurrently',
  severity: 'warning',
  level: 3,
  summary: 'DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock that blocks reads and writes on the table.',
  on: ['DropStmt'],
  check(ctx) {
    if (ctx.statement.kind !== 'DropStmt' || !ctx.node) return;
    const stmt = ctx.node as unknown as DropStmt;
    if (stmt.removeType !== 'OBJECT_INDEX' || stmt.concurrent) return;
    const indexes = (stmt.objects ?? []).map((o): QualifiedName => {
      const parts = (o.List?.items ?? []).map((i) => i.String?.sval ?? '');
      return { schema: parts.length > 1 ? parts[0] : undefined, name: parts.at(-1) ?? '' };
    });
    const existing = indexes.filter((index) => !ctx.state.isNewIndex(index));
    if (existing.length === 0) return;
    const names = existing.map(qualifiedSql).join(', ');
    // DROP INDEX CONCURRENTLY takes one index and no CASCADE.
    const canFix = indexes.length === 1 && stmt.behavior !== 'DROP_CASCADE';
    const sql = ctx.statement.sql.trim();
    const fixed = sql.replace(/^(drop\s+index)(?=\s)/i, '$1 CONCURRENTLY');
    ctx.report({
      message: `DROP INDEX ${names} takes an ACCESS EXCLUSIVE lock on the index's table: while it waits for running queries, every new read and write on that table queues behind it.`,
      help: `Use DROP INDEX CONCURRENTLY (one index per statement, no CASCADE, outside a transaction): it waits for conflicting transactions without blocking reads and writes.${ctx.state.inTransaction ? ' It cannot run inside a transaction: put it in a migration of its own that runs without one.' : ''}`,
      ...(canFix && fixed !== sql ? { fix: `${fixed};` } : {}),
    });
  },
});

