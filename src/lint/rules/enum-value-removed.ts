/**
 * enum-value-removed: PostgreSQL cannot drop a value from an enum, so ORMs rebuild the type:
 *
 *   Prisma:   CREATE TYPE "X_new" AS ENUM (...); ALTER TABLE ... TYPE "X_new" USING (...::text::"X_new");
 *             ALTER TYPE "X" RENAME TO "X_old"; ALTER TYPE "X_new" RENAME TO "X"; DROP TYPE "X_old";
 *   variant:  ALTER TYPE "X" RENAME TO "X_old"; CREATE TYPE "X" AS ENUM (...); ALTER TABLE ... USING ...;
 *             DROP TYPE "X_old";
 *   Drizzle:  ALTER TABLE ... TYPE text; DROP TYPE "X"; CREATE TYPE "X" AS ENUM (...); ALTER TABLE ... USING ...;
 *
 * A rebuild shows as a type name that is vacated (renamed away or dropped) and then filled again
 * (created, or another type renamed into it). The rule reports at the statement that fills the name,
 * naming the values the old definition had and the new one lacks when the run defined the type
 * earlier (or Prisma's own warning comment names them); otherwise it reports a probable removal.
 */
import { defineRule } from '../define-rule.js';
import type { QualifiedName } from '../types.js';

interface StringNode {
  String?: { sval: string };
}

/** A type name that was renamed away or dropped earlier in the run. */
interface Vacated {
  values: string[] | undefined;
  how: 'renamed' | 'dropped';
  ifExists: boolean;
}

interface EnumMemory {
  /** Values of enum types by key, as defined by the statements seen so far. */
  values: Map<string, string[]>;
  vacated: Map<string, Vacated>;
}

const PRISMA_WARNING = /The values \[([^\]]*)\] on the enum `([^`]+)` will be removed/g;

export default defineRule({
  id: 'enum-value-removed',
  severity: 'error',
  level: 3,
  summary:
    'An enum rebuilt without some of its values (the create-new / convert / rename / drop-old pattern ORMs generate): rows and clients still using them fail.',
  on: ['CreateEnumStmt', 'AlterEnumStmt', 'RenameStmt', 'DropStmt'],
  check(ctx) {
    if (!ctx.node) return;
    const memory = enumMemory(ctx.memory);
    const known = (parts: string[]): string[] | undefined => {
      const key = typeKey(parts);
      if (memory.values.has(key)) return memory.values.get(key);
      // The engine may not follow renames and drops; a vacated name has no values.
      if (memory.vacated.has(key)) return undefined;
      return ctx.state.enumValues(qualifiedName(parts));
    };

    switch (ctx.statement.kind) {
      case 'CreateEnumStmt': {
        const stmt = ctx.node as { typeName?: StringNode[]; vals?: StringNode[] };
        const parts = (stmt.typeName ?? []).map(partOf);
        const key = typeKey(parts);
        const values = (stmt.vals ?? []).map(partOf);
        const vacated = memory.vacated.get(key);
        memory.vacated.delete(key);
        memory.values.set(key, values);
        // DROP TYPE IF EXISTS x; CREATE TYPE x: the usual idempotent create, not evidence of a rebuild.
        if (vacated && !(vacated.values === undefined && vacated.how === 'dropped' && vacated.ifExists)) {
          reportRebuild(parts, vacated.values, values);
        }
        return;
      }
      case 'AlterEnumStmt': {
        const stmt = ctx.node as { typeName?: StringNode[]; oldVal?: string; newVal?: string };
        if (stmt.newVal === undefined) return;
        const parts = (stmt.typeName ?? []).map(partOf);
        const current = known(parts);
        if (!current) return;
        const oldVal = stmt.oldVal;
        const next =
          oldVal !== undefined
            ? current.map((value) => (value === oldVal ? (stmt.newVal as string) : value))
            : current.includes(stmt.newVal)
              ? current
              : [...current, stmt.newVal];
        memory.values.set(typeKey(parts), next);
        return;
      }
      case 'RenameStmt': {
        const stmt = ctx.node as { renameType?: string; object?: { List?: { items?: StringNode[] } }; newname?: string };
        if (stmt.renameType !== 'OBJECT_TYPE' || stmt.newname === undefined) return;
        const parts = (stmt.object?.List?.items ?? []).map(partOf);
        const targetParts = [...parts.slice(0, -1), stmt.newname];
        const values = known(parts);
        const targetKey = typeKey(targetParts);
        const vacated = memory.vacated.get(targetKey);
        memory.values.delete(typeKey(parts));
        memory.vacated.set(typeKey(parts), { values, how: 'renamed', ifExists: false });
        memory.vacated.delete(targetKey);
        if (values) memory.values.set(targetKey, values);
        else memory.values.delete(targetKey);
        // Neither side known as an enum: a composite or range type being renamed, not this pattern.
        if (vacated && (values !== undefined || vacated.values !== undefined)) reportRebuild(targetParts, vacated.values, values);
        return;
      }
      case 'DropStmt': {
        const stmt = ctx.node as { removeType?: string; missing_ok?: boolean; objects?: { TypeName?: { names?: StringNode[] } }[] };
        if (stmt.removeType !== 'OBJECT_TYPE') return;
        for (const object of stmt.objects ?? []) {
          const parts = (object.TypeName?.names ?? []).map(partOf);
          const values = known(parts);
          memory.values.delete(typeKey(parts));
          memory.vacated.set(typeKey(parts), { values, how: 'dropped', ifExists: stmt.missing_ok === true });
        }
        return;
      }
      default:
        return;
    }

    function reportRebuild(parts: string[], oldValues: string[] | undefined, newValues: string[] | undefined): void {
      const typeSql = parts.map(quote).join('.');
      const help =
        'Remove an enum value in steps: deploy code that no longer writes it; update existing rows to another value in batches; ' +
        'run `prodguard check` against a copy of production to find the rows, defaults, functions and triggers that still use it; only then rebuild the type. ' +
        'The rebuild also rewrites every table that uses the type under an ACCESS EXCLUSIVE lock. ' +
        'Often the better choice is to keep the value and stop using it: PostgreSQL has no DROP VALUE.';

      let removed: string[] | undefined;
      let source = '';
      if (oldValues && newValues) {
        removed = oldValues.filter((value) => !newValues.includes(value));
        if (removed.length === 0) return;
      } else {
        removed = prismaWarningValues(ctx.file.text, parts.at(-1) ?? '');
        if (removed) source = ' (as the migration\'s own warning says)';
      }

      if (removed && removed.length > 0) {
        const one = removed.length === 1;
        const list = removed.map(literal).join(', ');
        ctx.report({
          message:
            `Enum ${typeSql} is rebuilt without ${one ? 'the value' : 'the values'} ${list}${source}: existing rows that hold ${one ? 'it' : 'them'} make the column conversion ` +
            `(ALTER COLUMN ... TYPE ... USING ...::text::${typeSql}) fail and abort the deploy, and clients, functions, triggers and defaults that still write ${one ? 'it' : 'them'} ` +
            'fail with "invalid input value for enum" afterwards.',
          help,
        });
        return;
      }
      ctx.report({
        message:
          `Enum ${typeSql} is rebuilt (a new type swapped in under its name), the pattern ORMs generate to remove enum values; ` +
          'its earlier definition is not among the linted migrations, so the removed values cannot be named. ' +
          'Rows that still hold a removed value make the column conversion fail and abort the deploy, and clients that still write one fail with "invalid input value for enum".',
        help,
      });
    }
  },
});

/** The values Prisma's "Warnings:" header says it removes from the enum, if the file has one. */
function prismaWarningValues(text: string, enumName: string): string[] | undefined {
  for (const match of text.matchAll(PRISMA_WARNING)) {
    if (match[2] !== enumName) continue;
    const values = (match[1] ?? '').split(',').map((value) => value.trim()).filter((value) => value !== '');
    if (values.length > 0) return values;
  }
  return undefined;
}

function enumMemory(memory: Map<string, unknown>): EnumMemory {
  let state = memory.get('enums') as EnumMemory | undefined;
  if (!state) {
    state = { values: new Map(), vacated: new Map() };
    memory.set('enums', state);
  }
  return state;
}

function partOf(node: StringNode): string {
  return node.String?.sval ?? '';
}

function qualifiedName(parts: string[]): QualifiedName {
  const name = parts.at(-1) ?? '';
  return parts.length > 1 ? { schema: parts.at(-2), name } : { name };
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
