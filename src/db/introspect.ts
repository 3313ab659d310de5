import type { Queryable } from './types.js';

export interface ServerInfo {
  /** e.g. "15.20" */
  version: string;
  /** server_version_num, e.g. 150020 */
  versionNum: number;
  major: number;
  database: string;
  currentUser: string;
  isSuperuser: boolean;
}

/** Reads what the server says about itself and the session. Read-only; works on PGlite too. */
export async function readServerInfo(db: Queryable): Promise<ServerInfo> {
  const { rows } = await db.query<{
    version: string;
    version_num: string;
    database: string;
    current_user: string;
    is_superuser: boolean;
  }>(
    `SELECT current_setting('server_version') AS version,
            current_setting('server_version_num') AS version_num,
            current_database() AS database,
            current_user AS current_user,
            COALESCE((SELECT rolsuper FROM pg_roles WHERE rolname = current_user), false) AS is_superuser`,
  );
  const row = rows[0];
  if (!row) throw new Error('server info query returned no row');
  const versionNum = Number(row.version_num);
  return {
    version: row.version.split(' ')[0] ?? row.version,
    versionNum,
    major: Math.floor(versionNum / 10_000),
    database: row.database,
    currentUser: row.current_user,
    isSuperuser: row.is_superuser,
  };
}

/** Quotes an identifier for SQL (double quotes, doubled inner quotes). */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Splits `schema.table` (quoted parts allowed) into its parts; schema undefined when absent. */
export function splitQualifiedName(name: string): { schema: string | undefined; name: string } {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i];
    if (ch === '"') {
      if (quoted && name[i + 1] === '"') {
        current += '"';
        i++;
      } else {
        quoted = !quoted;
      }
    } else if (ch === '.' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += quoted ? ch : ch?.toLowerCase();
    }
  }
  parts.push(current);
  if (parts.length >= 2) return { schema: parts[parts.length - 2], name: parts[parts.length - 1] ?? '' };
  return { schema: undefined, name: parts[0] ?? '' };
}
