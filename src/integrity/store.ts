/**
 * Finding stored integrity records on disk for the dashboard: snapshot documents and saved
 * compare reports (`compare --format json` output) in the integrity directory, and the snapshots
 * inside backup manifests. Read-only; a file that is not one of these is skipped.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { listBackups } from '../backup/manifest.js';
import type { CompareReport } from './compare.js';
import { SNAPSHOT_FORMAT, SNAPSHOT_VERSION, type SnapshotDocument } from './types.js';

export interface StoredSnapshot {
  /** Path relative to the directory it was found in. */
  file: string;
  source: 'snapshot' | 'backup';
  document: SnapshotDocument;
}

export interface StoredComparison {
  file: string;
  report: CompareReport & { rollback?: string | null };
}

export interface IntegrityRecords {
  snapshots: StoredSnapshot[];
  comparisons: StoredComparison[];
}

/** Files bigger than this are not parsed (a snapshot with stored keys of huge tables). */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

function readJson(file: string): unknown {
  try {
    if (statSync(file).size > MAX_FILE_BYTES) return undefined;
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function isSnapshot(doc: unknown): doc is SnapshotDocument {
  const d = doc as Partial<SnapshotDocument> | null;
  return Boolean(d && typeof d === 'object' && d.format === SNAPSHOT_FORMAT && d.version === SNAPSHOT_VERSION && Array.isArray(d.tables));
}

function isCompareReport(doc: unknown): doc is CompareReport {
  const d = doc as Partial<CompareReport> | null;
  return Boolean(d && typeof d === 'object' && d.format === 'prodguard-compare' && Array.isArray(d.items));
}

/**
 * Reads every `*.json` snapshot and compare report in `integrityDir` (not recursive) and the
 * snapshots of the backups in `backupDir`. Snapshots are sorted oldest first. Never throws:
 * a missing directory has no records.
 */
export function readIntegrityRecords(integrityDir: string, backupDir?: string): IntegrityRecords {
  const snapshots: StoredSnapshot[] = [];
  const comparisons: StoredComparison[] = [];
  if (existsSync(integrityDir)) {
    let entries: string[] = [];
    try {
      entries = readdirSync(integrityDir).filter((e) => e.endsWith('.json')).sort();
    } catch {
      entries = [];
    }
    for (const entry of entries) {
      const doc = readJson(path.join(integrityDir, entry));
      if (isSnapshot(doc)) snapshots.push({ file: entry, source: 'snapshot', document: doc });
      else if (isCompareReport(doc)) comparisons.push({ file: entry, report: doc });
    }
  }
  if (backupDir) {
    for (const backup of listBackups(backupDir)) {
      if (isSnapshot(backup.manifest.snapshot)) {
        snapshots.push({ file: path.basename(backup.manifestPath), source: 'backup', document: backup.manifest.snapshot });
      }
    }
  }
  snapshots.sort((a, b) => (a.document.takenAt < b.document.takenAt ? -1 : a.document.takenAt > b.document.takenAt ? 1 : 0));
  return { snapshots, comparisons };
}
