/**
 * ban-drop-cascade: any `DROP ... CASCADE` (and `ALTER TABLE ... DROP COLUMN / CONSTRAINT ... CASCADE`,
 * `ALTER DOMAIN ... DROP CONSTRAINT ... CASCADE`, `DROP OWNED ... CASCADE`) silently drops everything
 * that depends on the target: views, foreign keys, triggers, defaults, and for a schema or an
 * extension every object in it. Drops that only touch tables created earlier in the run are skipped.
 */
import { defineRule } from '../define-rule.js';
import type { QualifiedName } from '../types.js';

type Node = Record<string, unknown>;

interface StringNode {
  String?: { sval: string };
}
interface DropStmt {
  objects?: Node[];
  removeType?: string;
  behavior?: string;
}
interface AlterTableCmd {
  subtype: string;
  name?: string;
  behavior?: string;
}
interface AlterTableStmt {
  relation?: { schemaname?: string; relname: string };
  cmds?: { AlterTableCmd?: AlterTableCmd }[];
  objtype?: string;
}

const HELP =
  'Drop without CASCADE (RESTRICT is the default): PostgreSQL then refuses and lists every dependent object. ' +
  'Drop or migrate each of those explicitly, in the same reviewed migration, so the review shows everything that goes.';

/** What each dropped object type is called in messages. */
const OBJECT_WORDS: Record<string, string> = {
  OBJECT_MATVIEW: 'materialized view',
  OBJECT_FOREIGN_TABLE: 'foreign table',
  OBJECT_TABCONSTRAINT: 'constraint',
  OBJECT_DOMCONSTRAINT: 'constraint',
  OBJECT_FDW: 'foreign-data wrapper',
  OBJECT_FOREIGN_SERVER: 'server',
  OBJECT_OPCLASS: 'operator class',
  OBJECT_OPFAMILY: 'operator family',
  OBJECT_TSCONFIGURATION: 'text search configuration',
  OBJECT_TSDICTIONARY: 'text search dictionary',
};

/** Object types whose name list ends with the object's own name after its table's name. */
const ON_TABLE = new Set(['OBJECT_TRIGGER', 'OBJECT_POLICY', 'OBJECT_RULE']);

export default defineRule({
  id: 'ban-drop-cascade',
  severity: 'error',
  level: 3,
  summary: 'DROP ... CASCADE silently drops every object that depends on the target: views, foreign keys, triggers, whole schemas.',
  on: ['DropStmt', 'AlterTableStmt', 'AlterDomainStmt', 'DropOwnedStmt'],
  check(ctx) {
    if (!ctx.node) return;
    switch (ctx.statement.kind) {
      case 'DropStmt': {
        const stmt = ctx.node as DropStmt;
        if (stmt.behavior !== 'DROP_CASCADE') return;
        const removeType = stmt.removeType ?? 'OBJECT_UNKNOWN';
        const objects = stmt.objects ?? [];
        if (removeType === 'OBJECT_TABLE' && objects.length > 0) {
          const tables = objects.map((object) => tableName(listItems(object)));
          if (tables.every((table) => table !== undefined && ctx.state.isNewTable(table))) return;
        }
        const names = objects.map((object) => describeObject(removeType, object)).join(', ');
        const word = objectWord(removeType);
        report(`DROP ${word.toUpperCase()} ${names} CASCADE`, dependents(removeType), 1);
        return;
      }
      case 'AlterTableStmt': {
        const stmt = ctx.node as AlterTableStmt;
        const relation = stmt.relation;
        if (!relation) return;
        const table: QualifiedName = { schema: relation.schemaname, name: relation.relname };
        if (stmt.objtype === 'OBJECT_TABLE' && ctx.state.isNewTable(table)) return;
        const cascading = (stmt.cmds ?? [])
          .map((item) => item.AlterTableCmd)
          .filter((cmd): cmd is AlterTableCmd => cmd?.behavior === 'DROP_CASCADE');
        for (const cmd of cascading) {
          const what =
            cmd.subtype === 'AT_DropConstraint'
              ? `DROP CONSTRAINT ${quote(cmd.name ?? '')}`
              : stmt.objtype === 'OBJECT_TYPE'
                ? `DROP ATTRIBUTE ${quote(cmd.name ?? '')}`
                : `DROP COLUMN ${quote(cmd.name ?? '')}`;
          report(
            `${what} ... CASCADE on ${display(table)}`,
            cmd.subtype === 'AT_DropConstraint'
              ? 'every object that depends on the constraint (for a primary key or unique constraint: the foreign keys of other tables that reference it)'
              : stmt.objtype === 'OBJECT_TYPE'
                ? 'the attribute from every typed table built on the type, with its data'
                : 'every view, index, constraint and foreign key that uses the column',
            cascading.length,
          );
        }
        return;
      }
      case 'AlterDomainStmt': {
        const stmt = ctx.node as { subtype?: string; typeName?: StringNode[]; name?: string; behavior?: string };
        if (stmt.subtype !== 'X' || stmt.behavior !== 'DROP_CASCADE') return;
        report(
          `ALTER DOMAIN ${joinName(stmt.typeName ?? [])} DROP CONSTRAINT ${quote(stmt.name ?? '')} CASCADE`,
          'every object that depends on the constraint',
          1,
        );
        return;
      }
      case 'DropOwnedStmt': {
        const stmt = ctx.node as { roles?: { RoleSpec?: { rolename?: string } }[]; behavior?: string };
        if (stmt.behavior !== 'DROP_CASCADE') return;
        const roles = (stmt.roles ?? []).map((role) => quote(role.RoleSpec?.rolename ?? 'CURRENT_USER')).join(', ');
        report(`DROP OWNED BY ${roles} CASCADE`, 'every table, row and other object those roles own, and everything that depends on them', 1);
        return;
      }
      default:
        return;
    }

    function report(what: string, goes: string, cascadeCount: number): void {
      const fix = withoutCascade(ctx.statement.sql, cascadeCount);
      ctx.report({
        message: `${what} also drops ${goes}, silently and recursively, without listing them.`,
        help: HELP,
        ...(fix !== undefined ? { fix } : {}),
      });
    }
  },
});

/** The statement with its drop behaviour CASCADE turned into RESTRICT, when every one is found. */
function withoutCascade(sql: string, expected: number): string | undefined {
  let count = 0;
  // The drop behaviour ends a command; ON DELETE / ON UPDATE CASCADE of a foreign key is not one.
  const rewritten = sql.replace(/(?<!\b(?:DELETE|UPDATE)\s+)\bCASCADE\b(?=\s*(?:,|$))/gi, () => {
    count++;
    return 'RESTRICT';
  });
  return count === expected ? `${rewritten};` : undefined;
}

function dependents(removeType: string): string {
  switch (removeType) {
    case 'OBJECT_TABLE':
      return 'every view on it and every foreign key of other tables that references it';
    case 'OBJECT_SCHEMA':
      return 'every table, view, function, sequence and type in the schema';
    case 'OBJECT_EXTENSION':
      return 'every column, index, view and function that uses the extension\'s types and functions';
    case 'OBJECT_TYPE':
    case 'OBJECT_DOMAIN':
      return 'every column of that type (with its data), and the functions and views that use it';
    case 'OBJECT_FUNCTION':
    case 'OBJECT_PROCEDURE':
    case 'OBJECT_ROUTINE':
      return 'every trigger, default, index and view that calls it';
    case 'OBJECT_SEQUENCE':
      return 'the defaults that draw from it';
    case 'OBJECT_VIEW':
    case 'OBJECT_MATVIEW':
      return 'every view built on it';
    default:
      return 'every object that depends on it';
  }
}

function objectWord(removeType: string): string {
  return OBJECT_WORDS[removeType] ?? removeType.replace(/^OBJECT_/, '').toLowerCase().replaceAll('_', ' ');
}

function describeObject(removeType: string, object: Node): string {
  const items = listItems(object);
  if (items.length > 0) {
    if (ON_TABLE.has(removeType) && items.length > 1) {
      return `${quote(items.at(-1) ?? '')} ON ${items.slice(0, -1).map(quote).join('.')}`;
    }
    return items.map(quote).join('.');
  }
  const string = (object as StringNode).String?.sval;
  if (string !== undefined) return quote(string);
  const typeName = object['TypeName'] as { names?: StringNode[] } | undefined;
  if (typeName) return joinName(typeName.names ?? []);
  const withArgs = object['ObjectWithArgs'] as { objname?: StringNode[] } | undefined;
  if (withArgs) return joinName(withArgs.objname ?? []);
  return '(object)';
}

function listItems(object: Node): string[] {
  const list = object['List'] as { items?: StringNode[] } | undefined;
  return (list?.items ?? []).map((item) => item.String?.sval ?? '');
}

function tableName(parts: string[]): QualifiedName | undefined {
  const name = parts.at(-1);
  if (name === undefined) return undefined;
  return parts.length > 1 ? { schema: parts.at(-2), name } : { name };
}

function joinName(parts: StringNode[]): string {
  return parts.map((part) => quote(part.String?.sval ?? '')).join('.');
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function display(name: QualifiedName): string {
  return name.schema ? `${quote(name.schema)}.${quote(name.name)}` : quote(name.name);
}
