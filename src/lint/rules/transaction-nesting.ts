/**
 * transaction-nesting: BEGIN while a transaction is already open (an earlier BEGIN in the file, or
 * the migration tool's per-file transaction), and COMMIT / ROLLBACK that end the tool's transaction.
 * PostgreSQL has no nested transactions: the extra BEGIN is ignored with a warning, and the first
 * COMMIT ends the outer transaction, so the rest of the file runs without the atomicity the author
 * (or the tool) meant to have.
 */
import { defineRule } from '../define-rule.js';

const BEGIN = new Set(['TRANS_STMT_BEGIN', 'TRANS_STMT_START']);
const END = new Set(['TRANS_STMT_COMMIT', 'TRANS_STMT_ROLLBACK', 'TRANS_STMT_PREPARE']);

interface FileState {
  /** Line of the explicit BEGIN that is open, if any. */
  openedAt: number | undefined;
}

export default defineRule({
  id: 'transaction-nesting',
  severity: 'warning',
  level: 1,
  summary:
    'BEGIN inside an open transaction (explicit or the migration tool\'s per-file one), or COMMIT/ROLLBACK that ends the tool\'s transaction.',
  on: ['TransactionStmt'],
  check(ctx) {
    if (ctx.statement.kind !== 'TransactionStmt' || !ctx.node) return;
    let file = ctx.fileMemory.get('file') as FileState | undefined;
    if (!file) {
      file = { openedAt: undefined };
      ctx.fileMemory.set('file', file);
    }
    const kind = String(ctx.node['kind']);
    const line = ctx.statement.span.start.line;

    if (BEGIN.has(kind)) {
      if (file.openedAt !== undefined) {
        ctx.report({
          message: `BEGIN while the transaction opened at line ${file.openedAt} is still open: PostgreSQL has no nested transactions, so it only warns "there is already a transaction in progress", and the next COMMIT or ROLLBACK ends the outer transaction too.`,
          help: 'Remove the inner BEGIN (and its COMMIT), or COMMIT the first transaction before starting the next; use SAVEPOINT for a partial rollback inside one transaction.',
        });
      } else if (ctx.state.implicitTransaction && ctx.file.transaction !== 'implicit') {
        // In a file sent as one query, BEGIN just turns the implicit transaction into an explicit one.
        ctx.report({
          message: 'BEGIN in a file that the migration tool already runs in a transaction: PostgreSQL only warns "there is already a transaction in progress", and the matching COMMIT ends the tool\'s transaction early, so later statements run without one and a failure leaves the migration half-applied.',
          help: 'Remove BEGIN/COMMIT and let the tool manage the transaction; or, if this file must control its own transactions, configure the tool (and prodguard\'s transaction setting) to run it without a wrapping transaction.',
        });
      }
      file.openedAt = line;
      return;
    }

    if (END.has(kind)) {
      const chain = ctx.node['chain'] === true;
      const word = kind === 'TRANS_STMT_COMMIT' ? 'COMMIT' : 'ROLLBACK';
      if (chain && file.openedAt === undefined && ctx.file.transaction !== 'per-file') {
        // Outside an explicit block PostgreSQL refuses AND CHAIN outright (checked with psql -c on 15).
        ctx.report({
          severity: 'error',
          message: `${word} AND CHAIN without BEGIN fails: PostgreSQL answers "${word} AND CHAIN can only be used in transaction blocks", and the migration stops.`,
          help: `Open the transaction with BEGIN first, or use a plain ${word}.`,
        });
      } else if (chain && file.openedAt === undefined && ctx.state.implicitTransaction) {
        ctx.report({
          message: `${word} AND CHAIN ends the transaction the migration tool opened for this file and starts another: the statements before it are ${word === 'COMMIT' ? 'committed' : 'rolled back'} on their own, so a failure after it leaves the migration half-applied.`,
          help: 'Remove it and let the tool manage the transaction, or configure the tool (and prodguard\'s transaction setting) to run this file without a wrapping transaction.',
        });
      } else if (file.openedAt === undefined && ctx.state.implicitTransaction && ctx.file.transaction === 'implicit') {
        ctx.report({
          message: `${kind === 'TRANS_STMT_COMMIT' ? 'COMMIT' : kind === 'TRANS_STMT_ROLLBACK' ? 'ROLLBACK' : 'PREPARE TRANSACTION'} without BEGIN in a file the migration tool sends as one query: PostgreSQL warns "there is no transaction in progress", ends the implicit transaction of the statements before it and runs the rest in a new one, so a failure after it leaves the migration half-applied.`,
          help: 'Remove it, or wrap the statements it should end in BEGIN ... COMMIT.',
        });
      } else if (file.openedAt === undefined && ctx.state.implicitTransaction) {
        ctx.report({
          message: `${kind === 'TRANS_STMT_COMMIT' ? 'COMMIT' : kind === 'TRANS_STMT_ROLLBACK' ? 'ROLLBACK' : 'PREPARE TRANSACTION'} ends the transaction the migration tool opened for this file: the statements after it run without a transaction, and the tool's own COMMIT at the end only warns "there is no transaction in progress".`,
          help: 'Remove it and let the tool manage the transaction, or configure the tool (and prodguard\'s transaction setting) to run this file without a wrapping transaction.',
        });
      }
      // COMMIT / ROLLBACK AND CHAIN open the next transaction at once.
      if (ctx.node['chain'] !== true) file.openedAt = undefined;
    }
  },
});
