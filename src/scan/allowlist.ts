/**
 * The scan-logs allowlist: known false positives removed by value, by pattern or by path.
 *
 * File format, one entry a line (`#` starts a comment):
 *   value: support@example.com        exact secret or whole match
 *   pattern: ^test-.*@example\.com$   regex tested on the secret and the whole match
 *   path: fixtures/**                 glob of files not to scan
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { globToRegExp } from '../migrations/discover.js';

export interface Allowlist {
  values: ReadonlySet<string>;
  patterns: readonly RegExp[];
  paths: readonly RegExp[];
}

export const EMPTY_ALLOWLIST: Allowlist = { values: new Set(), patterns: [], paths: [] };

/** @throws UsageError naming the file and line of an unknown entry or a bad regex. */
export function parseAllowlist(text: string, file = 'allowlist'): Allowlist {
  const values = new Set<string>();
  const patterns: RegExp[] = [];
  const paths: RegExp[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^(value|pattern|path)\s*:\s*(.+)$/.exec(line);
    if (!m) {
      throw new UsageError(`${file}:${index + 1}: expected "value: …", "pattern: …" or "path: …"`, { code: 'PRODGUARD_BAD_ALLOWLIST' });
    }
    const [, kind, body = ''] = m;
    if (kind === 'value') values.add(body);
    else if (kind === 'path') paths.push(globToRegExp(body.replace(/^\.\//, '')));
    else {
      try {
        patterns.push(new RegExp(body));
      } catch (error) {
        throw new UsageError(`${file}:${index + 1}: invalid pattern: ${(error as Error).message}`, { code: 'PRODGUARD_BAD_ALLOWLIST' });
      }
    }
  });
  return { values, patterns, paths };
}

export function readAllowlist(file: string): Allowlist {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read allowlist ${file}`, { code: 'PRODGUARD_NO_SUCH_PATH' });
  }
  return parseAllowlist(text, file);
}

export function isAllowed(allow: Allowlist, item: { file: string; value?: string; match?: string }): boolean {
  const file = item.file.replace(/\\/g, '/').replace(/^\.\//, '');
  if (allow.paths.some((p) => p.test(file))) return true;
  for (const candidate of [item.value, item.match]) {
    if (candidate === undefined) continue;
    if (allow.values.has(candidate)) return true;
    if (allow.patterns.some((p) => p.test(candidate))) return true;
  }
  return false;
}
