/**
 * ban-alter-domain-with-add-constraint: `ALTER DOMAIN ... ADD CONSTRAINT` (and `SET NOT NULL`,
 * `VALIDATE CONSTRAINT`) checks every column of every table that uses the domain, holding a SHARE
 * lock on each table until commit: their writes wait for the whole scan. Unlike a table constraint,
 * NOT VALID does not lead to an online path: the domain's VALIDATE CONSTRAINT takes the same lock.
 * `ADD CONSTRAINT ... NOT VALID` itself is instant and not reported. Domains created earlier in the
 * run are skipped.
 */
import { defineRule } from '../define-rule.js';
import { rangeVarName } from '../names.js';

interface AlterDomainStmt {
  subtype?: string;
  typeName?: { String?: { sval: string } }[];
  name?: string;
  def?: { Constraint?: { contype?: string; conname?: string; skip_validation?: boolean; location?: number } };
}

const HELP =
  'Put the rule on the table columns instead: ALTER TABLE ... ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT in a separate transaction; ' +
  'a table validation takes only a SHARE UPDATE EXCLUSIVE lock, so reads and writes continue. ' +
  'If the domain constraint is required, add and validate it in a maintenance window, with a lock_timeout.';

export default defineRule({
  id: 'ban-alter-domain-with-add-constraint',
  severity: 'warning',
  level: 3,
  summary: 'ALTER DOMAIN ... ADD CONSTRAINT scans every table using the domain while blocking its writes.',
  on: ['CreateDomainStmt', 'AlterDomainStmt', 'AlterTableStmt'],
  check(ctx) {
    if (!ctx.node) return;
    const created = createdDomains(ctx.memory);

    if (ctx.statement.kind === 'AlterTableStmt') {
      // A new domain put on an existing table's column (ADD COLUMN, ALTER COLUMN TYPE) now has
      // rows to scan: later constraints on it are no longer free.
      const table = rangeVarName(ctx.node['relation']);
      if (created.size === 0 || table === undefined || ctx.state.isNewTable(table)) return;
      for (const item of (ctx.node['cmds'] as { AlterTableCmd?: { def?: { ColumnDef?: { typeName?: { names?: { String?: { sval: string } }[] } } } } }[] | undefined) ?? []) {
        const names = item.AlterTableCmd?.def?.ColumnDef?.typeName?.names;
        if (names !== undefined) created.delete(domainKey(names.map((part) => part.String?.sval ?? '')));
      }
      return;
    }

    if (ctx.statement.kind === 'CreateDomainStmt') {
      const names = (ctx.node as { domainname?: { String?: { sval: string } }[] }).domainname ?? [];
      if (!ctx.state.ranBefore) created.add(domainKey(names.map((part) => part.String?.sval ?? '')));
      return;
    }
    if (ctx.statement.kind !== 'AlterDomainStmt') return;
    const stmt = ctx.node as AlterDomainStmt;
    const parts = (stmt.typeName ?? []).map((part) => part.String?.sval ?? '');
    if (created.has(domainKey(parts))) return;
    const domain = parts.map(quote).join('.');
    const scan = `scans every column of every table that uses domain ${domain} while holding a SHARE lock on each table until commit: their writes wait for the whole scan, and the statement fails if any stored value violates it`;

    // Subtypes of AlterDomainStmt: C = ADD CONSTRAINT, O = SET NOT NULL, V = VALIDATE CONSTRAINT.
    if (stmt.subtype === 'C') {
      const constraint = stmt.def?.Constraint;
      if (!constraint || constraint.skip_validation) return;
      const name = constraint.conname !== undefined ? ` ${quote(constraint.conname)}` : '';
      ctx.report({
        message: `ALTER DOMAIN ... ADD CONSTRAINT${name} ${scan}.`,
        help: HELP,
        ...(constraint.location !== undefined ? { location: constraint.location } : {}),
      });
    } else if (stmt.subtype === 'O') {
      ctx.report({ message: `ALTER DOMAIN ... SET NOT NULL ${scan}.`, help: HELP });
    } else if (stmt.subtype === 'V') {
      ctx.report({
        message: `ALTER DOMAIN ... VALIDATE CONSTRAINT ${quote(stmt.name ?? '')} ${scan}; a table's VALIDATE CONSTRAINT, unlike this one, lets writes continue.`,
        help: HELP,
      });
    }
  },
});

function createdDomains(memory: Map<string, unknown>): Set<string> {
  let created = memory.get('created') as Set<string> | undefined;
  if (!created) {
    created = new Set();
    memory.set('created', created);
  }
  return created;
}

function domainKey(parts: string[]): string {
  return JSON.stringify([parts.length > 1 ? parts.at(-2) : 'public', parts.at(-1) ?? '']);
}

function quote(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
