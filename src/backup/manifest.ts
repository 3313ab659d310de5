/** The manifest written beside every backup, and finding backups in a directory. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { EnvironmentIdentity } from '../identity/environment.js';
import type { SnapshotDocument } from '../integrity/types.js';

export const MANIFEST_FORMAT = 'prodguard-backup';
export const MANIFEST_SUFFIX = '.manifest.json';

export interface Verification {
  /** ISO 8601. */
  at: string;
  ok: boolean;
  checksum: boolean;
  toc: boolean;
  /** Whether a full restore was done and compared against the manifest snapshot. */
  restored: boolean;
  /** Redacted URL of the scratch database restored into. */
  restoredTo?: string;
  message: string;
}

/**
 * What the backup file is: `pg_dump` custom format (restored with pg_restore), or a PGlite data
 * directory tarball from `dumpDataDir` (restored by opening PGlite on it). Manifests without
 * `kind` are pg_dump backups.
 */
export type BackupKind = 'pg_dump' | 'pglite';

export function backupKind(manifest: Pick<BackupManifest, 'kind'> | undefined): BackupKind {
  return manifest?.kind ?? 'pg_dump';
}

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  version: 1;
  kind?: BackupKind;
  /** File name of the dump, relative to the manifest's directory. */
  file: string;
  size: number;
  sha256: string;
  /** ISO 8601, when the dump's snapshot was taken. */
  createdAt: string;
  database: string;
  identity: EnvironmentIdentity | null;
  server: { version: string; major: number };
  /** The pg_dump that wrote a pg_dump backup; absent for PGlite backups. */
  pgDump?: { version: string; major: number };
  /** The id pg_dump read with (`--snapshot`), recorded for the audit trail; '' for PGlite. */
  snapshotId: string;
  durationMs: number;
  /** Counts and fingerprints read in the same snapshot as the dump. */
  snapshot: SnapshotDocument;
  verifications: Verification[];
}

export interface FoundBackup {
  manifestPath: string;
  dumpPath: string;
  manifest: BackupManifest;
}

/** PGlite backups end in this instead of `.dump`. */
export const PGLITE_SUFFIX = '.pglite.tar.gz';

export function manifestPathFor(dumpPath: string): string {
  if (dumpPath.endsWith(MANIFEST_SUFFIX)) return dumpPath;
  const base = dumpPath.endsWith(PGLITE_SUFFIX) ? dumpPath.slice(0, -PGLITE_SUFFIX.length) : dumpPath.replace(/\.dump$/, '');
  return `${base}${MANIFEST_SUFFIX}`;
}

/** Reads a manifest; undefined when it is missing or not a prodguard manifest. Never throws. */
export function readManifest(manifestPath: string): BackupManifest | undefined {
  try {
    const parsed = JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<BackupManifest>;
    return parsed.format === MANIFEST_FORMAT ? (parsed as BackupManifest) : undefined;
  } catch {
    return undefined;
  }
}

/** Every backup with a readable manifest in `dir`, newest first. A missing directory has none. */
export function listBackups(dir: string): FoundBackup[] {
  if (!existsSync(dir)) return [];
  const found: FoundBackup[] = [];
  for (const entry of readdirSync(dir)) {
    if (!entry.endsWith(MANIFEST_SUFFIX)) continue;
    const manifestPath = path.join(dir, entry);
    const manifest = readManifest(manifestPath);
    if (manifest) found.push({ manifestPath, dumpPath: path.join(dir, manifest.file), manifest });
  }
  return found.sort((a, b) => (a.manifest.createdAt < b.manifest.createdAt ? 1 : -1));
}
