import { listBackups, type Verification } from './manifest.js';

export interface BackupStatus {
  dir: string;
  count: number;
  maxAgeMs: number;
  newest: {
    file: string;
    database: string;
    createdAt: string;
    ageMs: number;
    size: number;
    /** True when the last verification passed and included a full restore. */
    verified: boolean;
    lastVerification: Verification | null;
  } | null;
  /** True when the newest backup is younger than `maxAgeMs`. */
  ok: boolean;
}

/**
 * The newest backup in `dir`, its age and whether it was verified by a restore. Reads manifests
 * only; never touches a database. `ok` is false when there is none younger than `maxAgeMs`.
 */
export function backupStatus(dir: string, maxAgeMs: number, now: Date = new Date()): BackupStatus {
  const backups = listBackups(dir);
  const newest = backups[0];
  if (!newest) return { dir, count: 0, maxAgeMs, newest: null, ok: false };
  const ageMs = now.getTime() - Date.parse(newest.manifest.createdAt);
  const last = newest.manifest.verifications?.at(-1) ?? null;
  return {
    dir,
    count: backups.length,
    maxAgeMs,
    newest: {
      file: newest.dumpPath,
      database: newest.manifest.database,
      createdAt: newest.manifest.createdAt,
      ageMs,
      size: newest.manifest.size,
      verified: Boolean(last?.ok && last.restored),
      lastVerification: last,
    },
    ok: ageMs <= maxAgeMs,
  };
}

/** `3h 12m`, `2d 4h`, `45s`. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}
