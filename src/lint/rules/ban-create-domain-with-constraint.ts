/**
 * ban-create-domain-with-constraint: a CHECK or NOT NULL constraint on a domain. Changing it later
 * means ALTER DOMAIN, which checks every column of every table using the domain while holding a
 * SHARE lock on each (writes wait), and unlike a table constraint its VALIDATE CONSTRAINT takes the
 * same lock, so there is no online path.
 */
import { defineRule } from '../define-rule.js';

interface Constraint {
  contype?: string;
  location?: number;
}

export default defineRule({
  id: 'ban-create-domain-with-constraint',
  severity: 'warning',
  level: 2,
  summary: 'CREATE DOMAIN with a CHECK or NOT NULL constraint: changing that constraint later blocks writes on every table using the domain.',
  on: ['CreateDomainStmt'],
  check(ctx) {
    if (ctx.statement.kind !== 'CreateDomainStmt' || !ctx.node) return;
    const stmt = ctx.node as { domainname?: { String?: { sval: string } }[]; constraints?: { Constraint?: Constraint }[] };
    const constraint = (stmt.constraints ?? [])
      .map((item) => item.Constraint)
      .find((con) => con?.contype === 'CONSTR_CHECK' || con?.contype === 'CONSTR_NOTNULL');
    if (!constraint) return;
    const domain = (stmt.domainname ?? []).map((part) => `"${(part.String?.sval ?? '').replaceAll('"', '""')}"`).join('.');
    ctx.report({
      message:
        `Domain ${domain} is created with a ${constraint.contype === 'CONSTR_CHECK' ? 'CHECK' : 'NOT NULL'} constraint: every later change to it (ALTER DOMAIN ... ADD CONSTRAINT, SET NOT NULL, ` +
        'even VALIDATE CONSTRAINT after NOT VALID) scans every column of every table that uses the domain while holding a SHARE lock that blocks their writes.',
      help:
        'Create the domain without constraints (or use the base type) and put the rule on each table column instead: ' +
        'ALTER TABLE ... ADD CONSTRAINT ... CHECK (...) NOT VALID, then VALIDATE CONSTRAINT, which takes only a SHARE UPDATE EXCLUSIVE lock, so reads and writes continue.',
      ...(constraint.location !== undefined ? { location: constraint.location } : {}),
    });
  },
});
