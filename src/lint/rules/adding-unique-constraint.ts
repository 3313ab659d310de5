/**
 * adding-unique-constraint: `ADD UNIQUE` / `ADD PRIMARY KEY` (or `ADD COLUMN ... UNIQUE`) on an
 * existing table builds the unique index inside ALTER TABLE, under an ACCESS EXCLUSIVE lock.
 * The safe form builds the index with CREATE UNIQUE INDEX CONCURRENTLY first and then attaches it
 * with `ADD CONSTRAINT ... USING INDEX`, which is a catalog-only change.
 * `ADD CONSTRAINT ... EXCLUDE` builds its index the same way and has no such alternative
 * (PostgreSQL cannot attach an exclusion constraint to an existing index): it is reported with
 * the ways around it.
 */
import { defineRule } from '../define-rule.js';
import { alteredTable, defaultConstraintName, qualifiedSql, quoteIdent, truncateIdent } from '../names.js';

interface Constraint {
  contype: string;
  conname?: string;
  indexname?: string;
  keys?: { String?: { sval: string } }[];
  location?: number;
}
interface ColumnDef {
  colname?: string;
  constraints?: { Constraint?: Constraint }[];
}
interface AlterTableStmt {
  relation?: { schemaname?: string; relname: string };
  cmds?: { AlterTableCmd?: { subtype: string; def?: { Constraint?: Constraint; ColumnDef?: ColumnDef } } }[];
  objtype?: string;
}

export default defineRule({
  id: 'adding-unique-constraint',
  severity: 'warning',
  level: 3,
  summary:
    'ADD UNIQUE / PRIMARY KEY / EXCLUDE on an existing table builds the index under an ACCESS EXCLUSIVE lock; build it CONCURRENTLY and attach it with USING INDEX.',
  on: ['AlterTableStmt'],
  check(ctx) {
    const altered = alteredTable<AlterTableStmt>(ctx);
    if (!altered) return;
    const { stmt, table } = altered;
    if (ctx.state.isNewTable(table)) return;
    const tableSql = qualifiedSql(table);

    for (const item of stmt.cmds ?? []) {
      const cmd = item.AlterTableCmd;
      if (cmd?.subtype === 'AT_AddConstraint' && cmd.def?.Constraint?.contype === 'CONSTR_EXCLUSION') {
        const con = cmd.def.Constraint;
        const name = con.conname === undefined ? 'EXCLUDE' : `${quoteIdent(con.conname)} EXCLUDE`;
        ctx.report({
          message: `ADD CONSTRAINT ${name} builds its index over every row of ${tableSql} while holding an ACCESS EXCLUSIVE lock: all reads and writes on ${tableSql} wait until the index is built (and the build fails on rows that already conflict).`,
          help: 'An exclusion constraint cannot be attached to an index built CONCURRENTLY. Add it in a quiet window with a lock_timeout, or while the table is still small; on a large table, enforce the rule in the application or a trigger and add the constraint to a new table you move the rows to.',
          ...(con.location !== undefined ? { location: con.location } : {}),
        });
      } else if (cmd?.subtype === 'AT_AddConstraint') {
        const con = cmd.def?.Constraint;
        if (!con || (con.contype !== 'CONSTR_UNIQUE' && con.contype !== 'CONSTR_PRIMARY') || con.indexname) continue;
        const primary = con.contype === 'CONSTR_PRIMARY';
        const columns = (con.keys ?? []).map((k) => k.String?.sval ?? '');
        const name = con.conname ?? defaultConstraintName(table.name, primary ? [] : columns, primary ? 'pkey' : 'key');
        const kind = primary ? 'PRIMARY KEY' : 'UNIQUE';
        const index = quoteIdent(truncateIdent(`${name}_idx`));
        const columnList = columns.map(quoteIdent).join(', ');
        ctx.report({
          message: `ADD CONSTRAINT ${quoteIdent(name)} ${kind} builds a unique index over every row of ${tableSql} while holding an ACCESS EXCLUSIVE lock: all reads and writes on ${tableSql} wait until the index is built${primary ? ' (and PRIMARY KEY also scans to make its columns NOT NULL)' : ''}.`,
          help: `Build the index first with CREATE UNIQUE INDEX CONCURRENTLY (outside a transaction; it does not block writes), then attach it with ADD CONSTRAINT ... ${kind} USING INDEX, which only updates the catalog.${primary ? ' Make the columns NOT NULL beforehand through a validated CHECK (see set-not-null).' : ''}`,
          ...(columns.length > 0
            ? {
                fix: `CREATE UNIQUE INDEX CONCURRENTLY ${index} ON ${tableSql} (${columnList});\nALTER TABLE ${tableSql} ADD CONSTRAINT ${quoteIdent(name)} ${kind} USING INDEX ${index};`,
              }
            : {}),
          ...(con.location !== undefined ? { location: con.location } : {}),
        });
      } else if (cmd?.subtype === 'AT_AddColumn') {
        const col = cmd.def?.ColumnDef;
        const unique = col?.constraints?.map((c) => c.Constraint).find((c) => c?.contype === 'CONSTR_UNIQUE');
        if (!col?.colname || !unique) continue;
        const column = quoteIdent(col.colname);
        ctx.report({
          message: `ADD COLUMN ${column} ... UNIQUE builds a unique index over every row of ${tableSql} while holding an ACCESS EXCLUSIVE lock: all reads and writes on ${tableSql} wait until the index is built.`,
          help: `Add the column without UNIQUE, build the index with CREATE UNIQUE INDEX CONCURRENTLY, then attach it with ADD CONSTRAINT ... UNIQUE USING INDEX.`,
          ...(unique.location !== undefined ? { location: unique.location } : {}),
        });
      }
    }
  },
});


