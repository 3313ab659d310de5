/**
 * Up/down sections inside one SQL file. Only the up part is linted; `upOffset` keeps positions
 * pointing at the real file.
 */

export interface UpSection {
  upText: string;
  upOffset: number;
  /** False when the section opts out of the tool's transaction (dbmate `transaction:false`). */
  transaction: boolean;
}

// dbmate: `-- migrate:up [transaction:false]` ... `-- migrate:down`. dbmate's pkg/dbmate/migration.go
// uses `(?m)^--\s*migrate:up(\s*$|\s+\S+)`; options on the directive line, `transaction` defaults to true.
const DBMATE_UP = /^--\s*migrate:up\b([^\n]*)$/m;
const DBMATE_DOWN = /^--\s*migrate:down\b/m;

// node-pg-migrate src/sqlMigration.ts: new RegExp(`^\\s*--[\\s-]*${direction}\\s+migration`, 'im').
const NODE_PG_UP = /^\s*--[\s-]*up\s+migration/im;
const NODE_PG_DOWN = /^\s*--[\s-]*down\s+migration/im;

export function hasDbmateSections(text: string): boolean {
  return text.includes('migrate:up') && DBMATE_UP.test(text);
}

export function hasNodePgMigrateSections(text: string): boolean {
  return NODE_PG_UP.test(text);
}

/** The `-- migrate:up` section of a dbmate file (the whole text when there is none). */
export function dbmateUpSection(text: string): UpSection {
  const up = DBMATE_UP.exec(text);
  if (up === null) return { upText: text, upOffset: 0, transaction: true };
  const lineEnd = text.indexOf('\n', up.index);
  const start = lineEnd === -1 ? text.length : lineEnd + 1;
  const rest = text.slice(start);
  const down = DBMATE_DOWN.exec(rest);
  const options = up[1] ?? '';
  return {
    upText: down === null ? rest : rest.slice(0, down.index),
    upOffset: start,
    transaction: !/\btransaction:\s*false\b/i.test(options),
  };
}

/**
 * The up part of a node-pg-migrate SQL migration: from `-- Up Migration` to `-- Down Migration`
 * (the whole text when there is no up marker, as node-pg-migrate runs it).
 */
export function nodePgMigrateUpSection(text: string): UpSection {
  const upStart = text.search(NODE_PG_UP);
  const downStart = text.search(NODE_PG_DOWN);
  const start = upStart >= 0 ? upStart : 0;
  let end = text.length;
  if (downStart >= 0 && (upStart < 0 || downStart > upStart)) end = downStart;
  return { upText: text.slice(start, end), upOffset: start, transaction: true };
}
