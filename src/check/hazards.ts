/**
 * Statements a rehearsal must not run, read from the parse tree:
 *
 * - SET / RESET / set_config() of the settings that keep the rehearsal safe (lock_timeout,
 *   statement_timeout...): run as ordinary statements they would switch the safety off for the
 *   statements after them.
 * - calls of functions whose effect survives ROLLBACK (setval, pg_terminate_backend, dblink,
 *   session advisory locks, replication slots, large-object file I/O, ...): the rolled-back
 *   transaction would still have changed the server.
 * - on a production target, DO and CALL: their bodies cannot be inspected for the above.
 */
import type { PgNode } from '../migrations/types.js';

type Node = Record<string, unknown>;

/** Settings the rehearsal sets for itself; a migration changing them is not run. */
export const GUARDED_SETTINGS: ReadonlySet<string> = new Set([
  'lock_timeout',
  'statement_timeout',
  'idle_in_transaction_session_timeout',
  'client_connection_check_interval',
  'transaction_read_only',
  'default_transaction_read_only',
]);

/** Function → what survives the rollback. nextval is left out: a consumed sequence value is harmless. */
const NON_TRANSACTIONAL_FUNCTIONS: ReadonlyMap<string, string> = new Map([
  ['setval', 'setval() moves the sequence even when the transaction rolls back'],
  ['pg_terminate_backend', 'pg_terminate_backend() ends another session'],
  ['pg_cancel_backend', "pg_cancel_backend() cancels another session's query"],
  ['dblink', 'dblink() runs SQL in another session, outside the rolled-back transaction'],
  ['dblink_exec', 'dblink_exec() runs SQL in another session, outside the rolled-back transaction'],
  ['dblink_connect', 'dblink_connect() opens a session outside the rolled-back transaction'],
  ['dblink_send_query', 'dblink_send_query() runs SQL in another session, outside the rolled-back transaction'],
  ['pg_advisory_lock', 'a session-level advisory lock outlives the transaction'],
  ['pg_advisory_lock_shared', 'a session-level advisory lock outlives the transaction'],
  ['pg_try_advisory_lock', 'a session-level advisory lock outlives the transaction'],
  ['pg_try_advisory_lock_shared', 'a session-level advisory lock outlives the transaction'],
  ['pg_create_physical_replication_slot', 'a replication slot is created outside the transaction'],
  ['pg_create_logical_replication_slot', 'a replication slot is created outside the transaction'],
  ['pg_drop_replication_slot', 'a replication slot is dropped outside the transaction'],
  ['pg_copy_physical_replication_slot', 'a replication slot is created outside the transaction'],
  ['pg_copy_logical_replication_slot', 'a replication slot is created outside the transaction'],
  ['pg_reload_conf', 'pg_reload_conf() reloads the server configuration'],
  ['pg_rotate_logfile', 'pg_rotate_logfile() rotates the server log'],
  ['pg_switch_wal', 'pg_switch_wal() switches the WAL file'],
  ['pg_logical_emit_message', 'pg_logical_emit_message() may write WAL outside the transaction'],
  ['lo_import', 'lo_import() reads a file on the server'],
  ['lo_export', 'lo_export() writes a file on the server'],
  ['pg_file_write', 'pg_file_write() writes a file on the server'],
  ['pg_file_rename', 'pg_file_rename() renames a file on the server'],
  ['pg_file_unlink', 'pg_file_unlink() deletes a file on the server'],
  ['pg_file_sync', 'pg_file_sync() syncs a file on the server'],
]);

function funcName(call: Node): string | undefined {
  const parts = (call['funcname'] as { String?: { sval: string } }[] | undefined) ?? [];
  return parts.at(-1)?.String?.sval.toLowerCase();
}

function constantText(node: unknown): string | undefined {
  const value = (node as { A_Const?: { sval?: { sval?: string } } } | undefined)?.A_Const?.sval?.sval;
  return value === undefined ? undefined : value.toLowerCase();
}

/** The first hazard found in the tree (depth first), as a reason. */
function walk(node: unknown): string | undefined {
  if (Array.isArray(node)) {
    for (const item of node) {
      const found = walk(item);
      if (found) return found;
    }
    return undefined;
  }
  if (!node || typeof node !== 'object') return undefined;
  const call = (node as Node)['FuncCall'] as Node | undefined;
  if (call) {
    const name = funcName(call);
    if (name === 'set_config') {
      const setting = constantText((call['args'] as unknown[] | undefined)?.[0]);
      if (setting === undefined || GUARDED_SETTINGS.has(setting)) {
        return `set_config(${setting ?? '<expression>'}) would change a setting the rehearsal relies on`;
      }
    } else if (name !== undefined && NON_TRANSACTIONAL_FUNCTIONS.has(name)) {
      return `its effect survives the rollback: ${NON_TRANSACTIONAL_FUNCTIONS.get(name)}`;
    }
  }
  for (const value of Object.values(node as Node)) {
    const found = walk(value);
    if (found) return found;
  }
  return undefined;
}

export interface HazardOptions {
  /** The target is production: DO and CALL are not run (their bodies are not inspected). */
  production: boolean;
  /** Run DO and CALL on production anyway (`--rehearse-do-call`). */
  allowProcedural: boolean;
}

/**
 * Why the rehearsal must not run this statement, or undefined when it may. Pure: the parse tree only.
 *
 * @example
 * rehearsalHazard({ VariableSetStmt: { kind: 'VAR_SET_VALUE', name: 'lock_timeout' } }, opts)
 * // 'SET lock_timeout would switch off the rehearsal's own lock_timeout'
 */
export function rehearsalHazard(node: PgNode | undefined, options: HazardOptions): string | undefined {
  if (!node) return undefined;
  const [kind, body] = Object.entries(node)[0] as [string, Node];
  if (kind === 'VariableSetStmt') {
    if (body['kind'] === 'VAR_RESET_ALL') return "RESET ALL would switch off the rehearsal's lock_timeout and statement_timeout";
    const name = String(body['name'] ?? '').toLowerCase();
    if (GUARDED_SETTINGS.has(name)) {
      const verb = body['kind'] === 'VAR_RESET' ? 'RESET' : 'SET';
      return `${verb} ${name} would change a setting the rehearsal relies on (its own ${name} stays in force)`;
    }
    return undefined;
  }
  if ((kind === 'DoStmt' || kind === 'CallStmt') && options.production && !options.allowProcedural) {
    const what = kind === 'DoStmt' ? 'a DO block' : 'CALL';
    return `${what} on production: its body cannot be inspected for effects that survive the rollback (--rehearse-do-call runs it)`;
  }
  return walk(body);
}
