/**
 * concurrently-in-transaction: the CONCURRENTLY forms (CREATE INDEX, DROP INDEX, REINDEX,
 * DETACH PARTITION) refuse to run inside a transaction block. Whether a statement is inside one
 * depends on an explicit BEGIN or on the migration tool wrapping the file (`ctx.state.inTransaction`).
 */
import { defineRule } from '../define-rule.js';

interface DefElem {
  defname?: string;
  arg?: { Boolean?: { boolval?: boolean }; Integer?: { ival?: number }; String?: { sval?: string } };
  location?: number;
}

export default defineRule({
  id: 'concurrently-in-transaction',
  severity: 'error',
  level: 1,
  summary:
    'CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and DETACH PARTITION CONCURRENTLY cannot run inside a transaction block.',
  on: ['IndexStmt', 'DropStmt', 'ReindexStmt', 'AlterTableStmt'],
  check(ctx) {
    if (!ctx.node || !ctx.state.inTransaction) return;
    const found = concurrentForm(ctx.statement.kind, ctx.node);
    if (!found) return;
    const oneQuery = ctx.file.transaction === 'implicit';
    const where = !ctx.state.implicitTransaction
      ? 'this statement follows an explicit BEGIN'
      : oneQuery
        ? 'the migration tool sends this file as one query, which PostgreSQL runs as one transaction when it holds more than one statement'
        : 'the migration tool runs this file inside a transaction';
    ctx.report({
      message: `${found.form} cannot run inside a transaction block, and ${where}: PostgreSQL rejects it with "${found.form} cannot run inside a transaction block", the migration fails and everything before it in the transaction is rolled back.`,
      help: ctx.state.implicitTransaction
        ? oneQuery
          ? `Move ${found.form} into a migration file of its own, as its only statement: sent alone, it runs outside a transaction.`
          : `Move ${found.form} into a migration file of its own and tell the migration tool to run that file without a transaction (most tools have a per-file "no transaction" marker; in prodguard's config set transaction: none for it).`
        : `Move ${found.form} after the COMMIT (or drop the BEGIN/COMMIT around it); it must run as a statement of its own, outside any transaction.`,
      ...(found.location !== undefined ? { location: found.location } : {}),
    });
  },
});

function concurrentForm(
  kind: string,
  node: Record<string, unknown>,
): { form: string; location?: number | undefined } | undefined {
  switch (kind) {
    case 'IndexStmt':
      return node['concurrent'] === true ? { form: 'CREATE INDEX CONCURRENTLY' } : undefined;
    case 'DropStmt':
      return node['concurrent'] === true && node['removeType'] === 'OBJECT_INDEX'
        ? { form: 'DROP INDEX CONCURRENTLY' }
        : undefined;
    case 'ReindexStmt': {
      const params = (node['params'] as { DefElem?: DefElem }[] | undefined) ?? [];
      const option = params.map((p) => p.DefElem).find((d) => d?.defname === 'concurrently');
      if (!option || !isTrue(option)) return undefined;
      return { form: 'REINDEX CONCURRENTLY', location: option.location };
    }
    case 'AlterTableStmt': {
      const cmds = (node['cmds'] as { AlterTableCmd?: { subtype?: string; def?: { PartitionCmd?: { concurrent?: boolean; name?: { location?: number } } } } }[] | undefined) ?? [];
      for (const item of cmds) {
        const cmd = item.AlterTableCmd;
        if (cmd?.subtype === 'AT_DetachPartition' && cmd.def?.PartitionCmd?.concurrent === true) {
          return { form: 'DETACH PARTITION CONCURRENTLY', location: cmd.def.PartitionCmd.name?.location };
        }
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

/** `CONCURRENTLY`, `(CONCURRENTLY)`, `(CONCURRENTLY true|on|1)` are on; `false|off|0` are off. */
function isTrue(option: DefElem): boolean {
  const arg = option.arg;
  if (!arg) return true;
  if (arg.Boolean) return arg.Boolean.boolval === true;
  if (arg.Integer) return (arg.Integer.ival ?? 0) !== 0;
  if (arg.String) return !['false', 'off', '0', 'no'].includes((arg.String.sval ?? '').toLowerCase());
  return true;
}
