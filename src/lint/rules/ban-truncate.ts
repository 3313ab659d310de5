/**
 * ban-truncate: `TRUNCATE` empties whole tables at once. With CASCADE it also empties every table
 * that references them by foreign key, recursively, without naming them. Tables created earlier in
 * the run are skipped, except under CASCADE: an existing table may have been given a foreign key to
 * the new one, and CASCADE would empty it too.
 */
import { defineRule } from '../define-rule.js';
import type { QualifiedName } from '../types.js';

interface RangeVar {
  schemaname?: string;
  relname: string;
  location?: number;
}
interface TruncateStmt {
  relations?: { RangeVar?: RangeVar }[];
  behavior?: string;
}

export default defineRule({
  id: 'ban-truncate',
  severity: 'error',
  level: 3,
  summary: 'TRUNCATE deletes every row of a table at once; with CASCADE, also of every table that references it.',
  on: ['TruncateStmt'],
  check(ctx) {
    if (ctx.statement.kind !== 'TruncateStmt' || !ctx.node) return;
    const stmt = ctx.node as TruncateStmt;
    const cascade = stmt.behavior === 'DROP_CASCADE';

    for (const item of stmt.relations ?? []) {
      const relation = item.RangeVar;
      if (!relation) continue;
      const table: QualifiedName = { schema: relation.schemaname, name: relation.relname };
      const isNew = ctx.state.isNewTable(table);
      if (isNew && !cascade) continue;
      const tableSql = display(table);
      const location = relation.location !== undefined ? { location: relation.location } : {};
      if (cascade) {
        ctx.report({
          message:
            `TRUNCATE ... CASCADE empties ${tableSql} and also every table with a foreign key to it, and the tables referencing those, recursively, without naming them` +
            (isNew ? ': existing tables given a foreign key to this new table lose all their rows too.' : '; none of the rows can be recovered without a backup.'),
          help:
            'Never use CASCADE: name every table to empty, so the review shows what goes (TRUNCATE a, b). ' +
            'Back up first (`prodguard backup create`), and prefer a reviewed, batched DELETE outside the migration; to remove test data, use `prodguard testdata cleanup`, which deletes marked rows only.',
          ...location,
        });
        continue;
      }
      ctx.report({
        message: `TRUNCATE deletes every row of ${tableSql} at once, under an ACCESS EXCLUSIVE lock, without firing per-row DELETE triggers; the rows cannot be recovered without a backup.`,
        help:
          'Do not empty production tables in a migration. If the rows really must go, back them up first (`prodguard backup create`) and delete them in a reviewed, separate step; ' +
          'to remove test data, use `prodguard testdata cleanup`, which deletes marked rows only.',
        ...location,
      });
    }
  },
});

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function display(name: QualifiedName): string {
  return name.schema ? `${quote(name.schema)}.${quote(name.name)}` : quote(name.name);
}
