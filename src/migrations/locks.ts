/**
 * PostgreSQL's table lock modes and the lock each ALTER TABLE subcommand takes (the server's
 * AlterTableGetLockLevel, as documented under ALTER TABLE). One table for the lint rule
 * missing-lock-timeout and for `prodguard check`'s expected locks.
 */

/** Table lock modes as SQL names them, weakest first. */
export const LOCK_MODES = [
  'ACCESS SHARE',
  'ROW SHARE',
  'ROW EXCLUSIVE',
  'SHARE UPDATE EXCLUSIVE',
  'SHARE',
  'SHARE ROW EXCLUSIVE',
  'EXCLUSIVE',
  'ACCESS EXCLUSIVE',
] as const;
export type LockMode = (typeof LOCK_MODES)[number];

/** `SHARE UPDATE EXCLUSIVE` → `ShareUpdateExclusiveLock`, as pg_locks.mode names it. */
export function pgLockName(mode: LockMode): string {
  return `${mode
    .toLowerCase()
    .split(' ')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('')}Lock`;
}

const PG_LOCK_NAMES: readonly string[] = LOCK_MODES.map(pgLockName);

/** Strength of a pg_locks mode name (0 = ACCESS SHARE ... 7 = ACCESS EXCLUSIVE; -1 unknown). */
export function pgLockStrength(name: string): number {
  return PG_LOCK_NAMES.indexOf(name);
}

/** ALTER TABLE subcommands that take less than ACCESS EXCLUSIVE. */
const SUBCOMMAND_LOCKS: Readonly<Record<string, LockMode>> = {
  AT_ValidateConstraint: 'SHARE UPDATE EXCLUSIVE',
  AT_SetStatistics: 'SHARE UPDATE EXCLUSIVE',
  AT_SetOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ResetOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_SetRelOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ResetRelOptions: 'SHARE UPDATE EXCLUSIVE',
  AT_ClusterOn: 'SHARE UPDATE EXCLUSIVE',
  AT_DropCluster: 'SHARE UPDATE EXCLUSIVE',
  AT_AttachPartition: 'SHARE UPDATE EXCLUSIVE',
  AT_DetachPartitionFinalize: 'SHARE UPDATE EXCLUSIVE',
  AT_EnableTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableAlwaysTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableReplicaTrig: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrig: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigAll: 'SHARE ROW EXCLUSIVE',
  AT_EnableTrigUser: 'SHARE ROW EXCLUSIVE',
  AT_DisableTrigUser: 'SHARE ROW EXCLUSIVE',
};

type Node = Record<string, unknown>;

/**
 * The lock one ALTER TABLE subcommand (`AlterTableCmd` body) takes on the altered table:
 * DETACH PARTITION CONCURRENTLY and ADD FOREIGN KEY are weaker than their subtype's default.
 */
export function alterTableCommandLock(cmd: Node): LockMode {
  const subtype = String(cmd['subtype']);
  const def = cmd['def'] as Node | undefined;
  if (subtype === 'AT_DetachPartition') {
    return (def?.['PartitionCmd'] as { concurrent?: boolean } | undefined)?.concurrent === true ? 'SHARE UPDATE EXCLUSIVE' : 'ACCESS EXCLUSIVE';
  }
  if (subtype === 'AT_AddConstraint' && (def?.['Constraint'] as { contype?: string } | undefined)?.contype === 'CONSTR_FOREIGN') {
    return 'SHARE ROW EXCLUSIVE';
  }
  return SUBCOMMAND_LOCKS[subtype] ?? 'ACCESS EXCLUSIVE';
}
