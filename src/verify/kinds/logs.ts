/** `logs`: the scan-logs scanner over files and globs, within a time window; FINDINGS, MATCHES, LINES. */
import path from 'node:path';
import { expandGlob } from '../../migrations/discover.js';
import { readAllowlist } from '../../scan/allowlist.js';
import { type ScanInput, scanLogs } from '../../scan/scan.js';
import { logsPii, type VerifyCheck } from '../schema.js';
import { causeOf, type MeasureContext, type Measurement, Unmeasurable } from './common.js';

export async function measureLogs(check: VerifyCheck, ctx: MeasureContext): Promise<Measurement> {
  const logs = check.logs!;
  const pii = logsPii(logs);
  const inputs: ScanInput[] = [];
  for (const given of logs.paths) {
    const files = /[*?[{]/.test(given) ? await expandGlob(given, ctx.cwd) : [path.resolve(ctx.cwd, given)];
    for (const file of files) inputs.push({ name: path.relative(ctx.cwd, file) || file, source: file });
  }
  if (inputs.length === 0) throw new Unmeasurable(`no log files match ${logs.paths.join(', ')}`);
  let report;
  try {
    report = await scanLogs(inputs, {
      pii,
      // The schema compiled it already: a bad pattern is a config error, not a failing sample.
      match: logs.match ? new RegExp(logs.match) : undefined,
      since: logs.since === undefined ? undefined : ctx.now - logs.since,
      ...(logs.allow ? { allow: readAllowlist(path.resolve(ctx.cwd, logs.allow)) } : {}),
      maxFindings: 5,
      signal: ctx.signal,
    });
  } catch (error) {
    throw new Unmeasurable(`cannot read logs: ${causeOf(error)}`);
  }
  // A file that could not be read leaves the counts unknown: never a pass on a partial read.
  const unread = report.errors[0];
  if (unread) throw new Unmeasurable(`cannot read ${unread.file}: ${causeOf(unread.message)}`);
  const { findings, matches, lines, files } = report.summary;
  const first = report.findings[0];
  const parts = [`${files} file${files === 1 ? '' : 's'}`, `${lines} line${lines === 1 ? '' : 's'}`];
  if (pii) parts.push(`${findings} finding${findings === 1 ? '' : 's'}`);
  if (logs.match) parts.push(`${matches} match${matches === 1 ? '' : 'es'}`);
  const example = first ? `; first: ${first.file}:${first.line} ${first.detector} ${first.match}` : '';
  return { values: { FINDINGS: findings, MATCHES: matches, LINES: lines }, detail: `${parts.join(', ')}${example}` };
}

