/**
 * renaming-enum-value: `ALTER TYPE ... RENAME VALUE` changes the label every client, function, CHECK
 * and default writes and compares. Stored rows follow the rename (they hold the value's OID), but
 * any code still sending the old label fails with "invalid input value for enum" once the migration
 * commits. Enums created earlier in the run are skipped; an enum swapped in by the rebuild pattern
 * (`ALTER TYPE x_new RENAME TO x`) is not new, because existing columns use it.
 */
import { defineRule } from '../define-rule.js';

interface StringNode {
  String?: { sval: string };
}

export default defineRule({
  id: 'renaming-enum-value',
  severity: 'error',
  level: 3,
  summary: 'ALTER TYPE ... RENAME VALUE breaks every client, function and default that still uses the old label.',
  on: ['CreateEnumStmt', 'RenameStmt', 'DropStmt', 'AlterEnumStmt'],
  check(ctx) {
    if (!ctx.node) return;
    const created = createdEnums(ctx.memory);

    switch (ctx.statement.kind) {
      case 'CreateEnumStmt': {
        const name = (ctx.node as { typeName?: StringNode[] }).typeName;
        // An enum of an already-applied migration exists, with rows that use its values.
        if (name && !ctx.state.ranBefore) created.add(typeKey(name.map(partOf)));
        return;
      }
      case 'RenameStmt': {
        const stmt = ctx.node as { renameType?: string; object?: { List?: { items?: StringNode[] } }; newname?: string };
        if (stmt.renameType !== 'OBJECT_TYPE' || stmt.newname === undefined) return;
        const parts = (stmt.object?.List?.items ?? []).map(partOf);
        created.delete(typeKey(parts));
        created.delete(typeKey([...parts.slice(0, -1), stmt.newname]));
        return;
      }
      case 'DropStmt': {
        const stmt = ctx.node as { removeType?: string; objects?: { TypeName?: { names?: StringNode[] } }[] };
        if (stmt.removeType !== 'OBJECT_TYPE') return;
        for (const object of stmt.objects ?? []) created.delete(typeKey((object.TypeName?.names ?? []).map(partOf)));
        return;
      }
      case 'AlterEnumStmt': {
        const stmt = ctx.node as { typeName?: StringNode[]; oldVal?: string; newVal?: string };
        if (stmt.oldVal === undefined || stmt.newVal === undefined) return;
        const parts = (stmt.typeName ?? []).map(partOf);
        if (created.has(typeKey(parts))) return;
        const typeSql = parts.map(quote).join('.');
        const oldValue = literal(stmt.oldVal);
        const newValue = literal(stmt.newVal);
        ctx.report({
          message:
            `Renaming value ${oldValue} of enum ${typeSql} to ${newValue} breaks every client, query, function, trigger, CHECK and default that still uses ${oldValue}: ` +
            'they fail with "invalid input value for enum" the moment the migration commits, before the new code is deployed.',
          help:
            `Add ${newValue} as a new value (ALTER TYPE ... ADD VALUE), deploy code that accepts both and writes ${newValue}, ` +
            `update existing rows from ${oldValue} to ${newValue} in batches, then stop using ${oldValue}. ` +
            'Removing the old value afterwards means rebuilding the type (see enum-value-removed); leaving it unused is often the better choice.',
          fix: `ALTER TYPE ${typeSql} ADD VALUE IF NOT EXISTS ${newValue};`,
        });
        return;
      }
      default:
        return;
    }
  },
});

function createdEnums(memory: Map<string, unknown>): Set<string> {
  let created = memory.get('created') as Set<string> | undefined;
  if (!created) {
    created = new Set();
    memory.set('created', created);
  }
  return created;
}

function partOf(node: StringNode): string {
  return node.String?.sval ?? '';
}

/** `schema.name` with the schema defaulting to public, as one lookup key. */
function typeKey(parts: string[]): string {
  const name = parts.at(-1) ?? '';
  return JSON.stringify([parts.length > 1 ? parts.at(-2) : 'public', name]);
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
