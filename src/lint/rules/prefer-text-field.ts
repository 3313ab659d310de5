/**
 * prefer-text-field: new `varchar(n)` columns. The length limit lives in the column type, so
 * changing it later is an ALTER COLUMN TYPE under ACCESS EXCLUSIVE (a rewrite when it shrinks);
 * `text` with a CHECK constraint can be changed with NOT VALID + VALIDATE without blocking.
 */
import { newColumns, builtinType, quoteIdent } from '../columns.js';
import { defineRule } from '../define-rule.js';

export default defineRule({
  id: 'prefer-text-field',
  severity: 'warning',
  level: 2,
  summary: 'New varchar(n) columns: use text (with a CHECK on the length if the limit matters).',
  on: ['CreateStmt', 'AlterTableStmt'],
  check(ctx) {
    if (!ctx.node) return;
    for (const col of newColumns(ctx.statement.kind, ctx.node)) {
      const type = builtinType(col.typeName);
      if (type !== 'varchar' || !col.typeName?.typmods?.length) continue;
      const column = quoteIdent(col.colname ?? '?');
      ctx.report({
        message: `Column ${column} is varchar(n): changing the limit later is ALTER COLUMN TYPE, which takes an ACCESS EXCLUSIVE lock on the table (and rewrites it when the limit shrinks), and inserts longer than n fail with "value too long".`,
        help: `Use text; if the length limit matters, add CHECK (char_length(${column}) <= n): a CHECK can be replaced with ADD CONSTRAINT ... NOT VALID and VALIDATE CONSTRAINT, without blocking reads or writes.`,
        ...(col.typeName.location !== undefined ? { location: col.typeName.location } : {}),
      });
    }
  },
});
