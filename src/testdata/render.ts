/** Text renderers for test-data results. They return strings; only src/cli/ writes them. */
import { formatBytes } from '../report/bytes.js';
import type { Colors } from '../report/colors.js';
import type { CleanupResult } from './cleanup.js';
import type { AgeBucket, TestDataSummary } from './summary.js';

const SPARKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** A one-line sparkline of counts (the hourly trend). */
export function sparkline(values: readonly number[]): string {
  const max = Math.max(0, ...values);
  return values.map((v) => (max === 0 || v === 0 ? ' ' : SPARKS[Math.min(SPARKS.length - 1, Math.ceil((v / max) * SPARKS.length) - 1)])).join('');
}

/** Horizontal bars, one per age bucket, scaled to `width`. */
export function histogram(buckets: readonly AgeBucket[], width = 30): string[] {
  const max = Math.max(0, ...buckets.map((b) => b.count));
  return buckets.map((b) => {
    const bar = max === 0 ? 0 : Math.round((b.count / max) * width);
    return `${b.label.padEnd(7)} ${'█'.repeat(bar)}${' '.repeat(width - bar)} ${b.count}`;
  });
}


/** What `testdata summary` prints. */
export function renderSummary(summary: TestDataSummary, c: Colors): string {
  const lines: string[] = [];
  const width = Math.max(5, ...summary.tables.map((t) => t.table.length));
  lines.push(c.bold(`Test data (${summary.column} = true), as of ${summary.generatedAt}`));
  lines.push('');
  lines.push(`  ${'table'.padEnd(width)}  ${'rows'.padStart(9)}  ${'stale'.padStart(9)}`);
  for (const t of summary.tables) {
    const note = t.problem ? `  ${c.yellow(t.problem)}` : '';
    lines.push(`  ${t.table.padEnd(width)}  ${String(t.total).padStart(9)}  ${String(t.stale).padStart(9)}${note}`);
  }
  lines.push(`  ${'total'.padEnd(width)}  ${String(summary.total).padStart(9)}  ${String(summary.stale).padStart(9)}`);
  lines.push('');
  lines.push('Age distribution:');
  for (const line of histogram(summary.buckets)) lines.push(`  ${line}`);
  lines.push('');
  lines.push(`Oldest: ${summary.oldest ?? '-'}`);
  lines.push(`Newest: ${summary.newest ?? '-'}`);
  lines.push(`Stale (older than ${summary.retentionHours} h): ${summary.stale}`);
  if (summary.unknownAge > 0) lines.push(c.yellow(`Unknown age (${summary.createdAt} IS NULL, never cleaned up): ${summary.unknownAge}`));
  return `${lines.join('\n')}\n`;
}

/** What `monitor snapshot` prints. */
export function renderSnapshot(summary: TestDataSummary, c: Colors): string {
  const lines: string[] = [c.bold(`prodguard monitor snapshot — ${summary.generatedAt}`)];
  lines.push(`  test rows       ${summary.total}`);
  if (summary.status) {
    lines.push(`  active          ${summary.status.active}   (${summary.status.column} in active values)`);
    lines.push(`  cancelled       ${summary.status.cancelled}`);
    if (summary.status.other) lines.push(`  other status    ${summary.status.other}`);
  }
  lines.push(`  stale (> ${summary.retentionHours} h)  ${summary.stale}`);
  if (summary.unknownAge > 0) lines.push(c.yellow(`  unknown age     ${summary.unknownAge}   (${summary.createdAt} IS NULL: never cleaned up)`));
  lines.push(`  storage (est.)  ${formatBytes(summary.storageBytes)}`);
  lines.push(`  last 24 h       ${sparkline(summary.trend.map((h) => h.count))}  (${summary.trend.reduce((a, h) => a + h.count, 0)} created)`);
  for (const t of summary.tables) lines.push(`    ${t.table}: ${t.total}${t.problem ? ` (${t.problem})` : ''}`);
  for (const p of summary.problems) lines.push(c.yellow(`  ! ${p}`));
  return `${lines.join('\n')}\n`;
}

/** Recommendations the dashboard and snapshot show. */
export function recommendations(summary: TestDataSummary): string[] {
  const out: string[] = [];
  if (summary.stale > 0) out.push(`${summary.stale} stale test rows: run prodguard testdata cleanup --no-dry-run`);
  if (summary.unknownAge > 0) out.push(`${summary.unknownAge} test rows without ${summary.createdAt}: cleanup cannot age them, set it or delete them by hand`);
  for (const p of summary.problems) out.push(`fix: ${p}`);
  const lastHour = summary.trend.at(-1)?.count ?? 0;
  if (lastHour > 0 && summary.stale === 0) out.push(`${lastHour} test rows created this hour: make sure tests clean up (testData.autoCleanup)`);
  if (out.length === 0) out.push('nothing to do: no stale test data');
  return out;
}

/** What `testdata cleanup` prints (plan for a dry run, outcome otherwise). */
export function renderCleanup(result: CleanupResult, c: Colors): string {
  const lines: string[] = [];
  const title = result.dryRun ? 'DRY RUN — nothing deleted' : 'Cleanup';
  lines.push(c.bold(`${title}: test rows created before ${result.cutoff} (older than ${result.olderThanHours} h), run ${result.runId}`));
  const width = Math.max(5, ...result.tables.map((t) => t.table.length));
  lines.push(`  ${'table'.padEnd(width)}  ${'stale'.padStart(9)}  ${'kept'.padStart(7)}  ${(result.dryRun ? 'would delete' : 'deleted').padStart(12)}`);
  for (const t of result.tables) {
    const n = result.dryRun ? t.wouldDelete : t.deleted;
    const skipped = t.skippedBatches ? c.yellow(`  ${t.skippedBatches} batches skipped after lock timeouts`) : '';
    lines.push(`  ${t.table.padEnd(width)}  ${String(t.candidates).padStart(9)}  ${String(t.blocked).padStart(7)}  ${String(n).padStart(12)}${skipped}`);
  }
  const blocked = result.tables.flatMap((t) => t.blockedRows);
  if (blocked.length > 0) {
    lines.push('');
    lines.push(c.yellow('Kept: test rows referenced by rows that stay (never deleted, never cascaded into):'));
    for (const b of blocked) {
      const kind = b.referencedBy.isTestRow ? 'a kept test row' : 'a non-test row';
      lines.push(`  ${b.table} key ${b.key} ← ${b.referencedBy.table} key ${b.referencedBy.key} (${kind}, ${b.referencedBy.constraint})`);
    }
    const more = result.blocked - blocked.length;
    if (more > 0) lines.push(`  … and ${more} more`);
  }
  if (result.triggers.length > 0) {
    lines.push('');
    lines.push(c.yellow('Triggers and rules that fire on these deletes (deleting refuses unless named in testData.allowDeleteTriggers):'));
    for (const t of result.triggers) {
      lines.push(`  ${t.kind} ${t.name} on ${t.on}  ${t.allowed ? 'allowed' : c.red('NOT allowed')}`);
    }
  }
  for (const p of result.problems) lines.push(c.yellow(`  ! ${p}`));
  for (const w of result.warnings) lines.push(c.yellow(`  warning: ${w}`));
  lines.push('');
  if (result.dryRun) {
    lines.push(`Would delete ${result.wouldDelete} rows. Run again with --no-dry-run to delete them.`);
  } else {
    lines.push(`Deleted ${result.deleted} rows in ${result.batches} batches (longest transaction ${Math.round(result.longestBatchMs)} ms).`);
  }
  return `${lines.join('\n')}\n`;
}
