/**
 * ban-char-field: new `char(n)` / `character(n)` columns. `char` pads with spaces to n characters;
 * the padding leaks into comparisons, lengths and application code, and it is never faster than text.
 * The internal single-byte type `"char"` is not flagged, nor `bpchar` without a length.
 */
import { newColumns, builtinType, quoteIdent } from '../columns.js';
import { defineRule } from '../define-rule.js';

export default defineRule({
  id: 'ban-char-field',
  severity: 'warning',
  level: 2,
  summary: 'New char(n) columns pad values with spaces: use text or varchar.',
  on: ['CreateStmt', 'AlterTableStmt'],
  check(ctx) {
    if (!ctx.node) return;
    for (const col of newColumns(ctx.statement.kind, ctx.node)) {
      if (builtinType(col.typeName) !== 'bpchar') continue;
      // `bpchar` written bare has no length (char and character mean char(1)): nothing is padded.
      if (((col.typeName as { typmods?: unknown[] } | undefined)?.typmods ?? []).length === 0) continue;
      const column = quoteIdent(col.colname ?? '?');
      ctx.report({
        message: `Column ${column} is char(n): values are padded with spaces to n characters, so 'ab' is stored as 'ab   ', LIKE and application-side comparisons see the padding, and values longer than n fail with "value too long".`,
        help: `Use text (with CHECK (char_length(${column}) <= n) if the limit matters) or varchar; char(n) has no speed or space advantage in PostgreSQL.`,
        ...(col.typeName?.location !== undefined ? { location: col.typeName.location } : {}),
      });
    }
  },
});
