/**
 * ban-drop-table: `DROP TABLE` on a table that existed before this run deletes it with every row,
 * and breaks every client, view and function that still uses it. Tables created earlier in the same
 * run are skipped: they cannot hold production data yet.
 */
import { defineRule } from '../define-rule.js';
import type { QualifiedName } from '../types.js';

interface DropStmt {
  objects?: { List?: { items?: { String?: { sval: string } }[] } }[];
  removeType?: string;
  behavior?: string;
}

export default defineRule({
  id: 'ban-drop-table',
  severity: 'error',
  level: 3,
  summary: 'DROP TABLE on an existing table deletes it with all its rows and breaks every client that still uses it.',
  on: ['DropStmt'],
  check(ctx) {
    if (ctx.statement.kind !== 'DropStmt' || !ctx.node) return;
    const stmt = ctx.node as DropStmt;
    if (stmt.removeType !== 'OBJECT_TABLE') return;
    const tables = (stmt.objects ?? [])
      .map((object) => qualifiedName((object.List?.items ?? []).map((item) => item.String?.sval ?? '')))
      .filter((table): table is QualifiedName => table !== undefined && !ctx.state.isNewTable(table));
    if (tables.length === 0) return;

    const names = tables.map(display).join(', ');
    const one = tables.length === 1;
    ctx.report({
      message: `Dropping ${one ? 'table' : 'tables'} ${names} deletes ${one ? 'it' : 'them'} with every row, and breaks every query, view, function and running client that still uses ${one ? 'it' : 'them'}.`,
      help:
        'Retire a table in steps: remove every read and write from the application and deploy that; confirm nothing touches it any more ' +
        '(pg_stat_user_tables: seq_scan, idx_scan and n_tup_ins/upd/del stop growing); take a backup (`prodguard backup create`); ' +
        'then drop it in a later migration. To keep a way back, move it to an archive schema first and drop that later.',
      fix: [
        'CREATE SCHEMA IF NOT EXISTS "archive";',
        ...tables.map((table) => `ALTER TABLE ${display(table)} SET SCHEMA "archive";`),
        `-- drop ${one ? 'it' : 'them'} from "archive" in a later migration, once nothing has missed ${one ? 'it' : 'them'}`,
      ].join('\n'),
    });
  },
});

function qualifiedName(parts: string[]): QualifiedName | undefined {
  const name = parts.at(-1);
  if (name === undefined) return undefined;
  return parts.length > 1 ? { schema: parts.at(-2), name } : { name };
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function display(name: QualifiedName): string {
  return name.schema ? `${quote(name.schema)}.${quote(name.name)}` : quote(name.name);
}
