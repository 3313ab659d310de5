/**
 * prefer-timestamptz: new `timestamp` (without time zone) columns. The value carries no zone, so
 * what it means depends on the TimeZone of whichever session wrote it.
 */
import { newColumns, builtinType, quoteIdent } from '../columns.js';
import { defineRule } from '../define-rule.js';

export default defineRule({
  id: 'prefer-timestamptz',
  severity: 'warning',
  level: 2,
  summary: 'New timestamp (without time zone) columns: use timestamptz.',
  on: ['CreateStmt', 'AlterTableStmt'],
  check(ctx) {
    if (!ctx.node) return;
    for (const col of newColumns(ctx.statement.kind, ctx.node)) {
      if (builtinType(col.typeName) !== 'timestamp') continue;
      ctx.report({
        message: `Column ${quoteIdent(col.colname ?? '?')} is timestamp without time zone: now() and timestamptz values are converted with the writing session's TimeZone and the zone is dropped, so servers, workers and users in different zones (or across a DST change) read different instants from the same value.`,
        help: 'Use timestamptz: it stores an absolute instant (no extra space) and converts to each session\'s zone on output. Converting an existing column later is a rewrite under ACCESS EXCLUSIVE, so choose it now.',
        ...(col.typeName?.location !== undefined ? { location: col.typeName.location } : {}),
      });
    }
  },
});
