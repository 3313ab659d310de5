/**
 * ban-drop-schema: `DROP SCHEMA` and `DROP DATABASE`. With CASCADE a schema takes every table and
 * row in it along; without, the statement fails mid-deploy whenever the schema still holds anything.
 * A database drop never belongs in a migration. Schemas and databases created earlier in the run are
 * skipped.
 */
import { defineRule } from '../define-rule.js';

interface DropStmt {
  objects?: { String?: { sval: string } }[];
  removeType?: string;
  behavior?: string;
}

export default defineRule({
  id: 'ban-drop-schema',
  severity: 'error',
  level: 3,
  summary: 'DROP SCHEMA or DROP DATABASE deletes every object and row inside it.',
  on: ['CreateSchemaStmt', 'CreatedbStmt', 'DropStmt', 'DropdbStmt'],
  check(ctx) {
    if (!ctx.node) return;
    const created = createdInRun(ctx.memory);

    switch (ctx.statement.kind) {
      case 'CreateSchemaStmt': {
        const stmt = ctx.node as { schemaname?: string; if_not_exists?: boolean };
        // IF NOT EXISTS may have met a schema that already holds production data.
        if (stmt.schemaname !== undefined && !stmt.if_not_exists && !ctx.state.ranBefore) created.add(`schema:${stmt.schemaname}`);
        return;
      }
      case 'CreatedbStmt': {
        const name = (ctx.node as { dbname?: string }).dbname;
        if (name !== undefined && !ctx.state.ranBefore) created.add(`database:${name}`);
        return;
      }
      case 'DropStmt': {
        const stmt = ctx.node as DropStmt;
        if (stmt.removeType !== 'OBJECT_SCHEMA') return;
        const schemas = (stmt.objects ?? [])
          .map((object) => object.String?.sval)
          .filter((name): name is string => name !== undefined && !created.has(`schema:${name}`));
        if (schemas.length === 0) return;
        const one = schemas.length === 1;
        const names = schemas.map(quote).join(', ');
        const cascade = stmt.behavior === 'DROP_CASCADE';
        ctx.report({
          message: cascade
            ? `Dropping ${one ? 'schema' : 'schemas'} ${names} with CASCADE deletes every table, row, view, function, sequence and type in ${one ? 'it' : 'them'}, without listing what goes.`
            : `Dropping ${one ? 'schema' : 'schemas'} ${names} fails mid-deploy if anything is still in ${one ? 'it' : 'them'}, and once it succeeds every client, function and search_path that names ${one ? 'it' : 'them'} breaks.`,
          help:
            'Retire a schema in steps: move or drop its objects one by one in reviewed migrations (each under its own rule), ' +
            'remove it from search_path settings and application code, take a backup (`prodguard backup create`), ' +
            'and drop the empty schema last, without CASCADE.',
        });
        return;
      }
      case 'DropdbStmt': {
        const name = (ctx.node as { dbname?: string }).dbname;
        if (name === undefined || created.has(`database:${name}`)) return;
        ctx.report({
          message: `Dropping database ${quote(name)} deletes every schema, table and row in it; migrations must never drop a database.`,
          help:
            'Remove it from the migration. If the database really must go, drop it by hand outside the deploy, after a verified backup ' +
            '(`prodguard backup create`, then `prodguard backup verify`) and a check that no application still connects to it (pg_stat_activity).',
        });
        return;
      }
      default:
        return;
    }
  },
});

function createdInRun(memory: Map<string, unknown>): Set<string> {
  let created = memory.get('created') as Set<string> | undefined;
  if (!created) {
    created = new Set();
    memory.set('created', created);
  }
  return created;
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
