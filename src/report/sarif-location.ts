/** Where a SARIF result points: a file as SARIF 2.1.0 wants it (lint and scan-logs reports). */
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** What lint and scan-logs call input read from stdin. */
const STDIN_FILE = '-';

/**
 * A finding's file as a SARIF artifactLocation (SARIF 2.1.0 §3.4). A path relative to the
 * working directory is a relative reference against %SRCROOT% (what GitHub code scanning maps to
 * the repository); an absolute path (a file outside the working directory) is an absolute
 * file:// URI, which SHALL have no uriBaseId; stdin has no file at all, so it gets a stable
 * relative reference of its own and no uriBaseId rather than pretending to be `-` in the source
 * tree.
 */
export function artifactLocation(file: string): { uri: string; uriBaseId?: string } {
  if (file === STDIN_FILE) return { uri: 'stdin' };
  if (path.isAbsolute(file)) return { uri: pathToFileURL(file).href };
  return { uri: relativeUri(file), uriBaseId: '%SRCROOT%' };
}

/**
 * A relative path as a relative URI reference: each segment percent-encoded, so `#` and `?` stay
 * part of the name instead of starting a fragment or a query, and a `:` cannot make the first
 * segment read as a scheme. `/` separates segments (Windows `\` too).
 */
function relativeUri(file: string): string {
  return file.split(/[\\/]/).map(encodeSegment).join('/');
}

/** encodeURIComponent, minus the sub-delimiters and `@` that a path segment may hold as they are. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(2[46BC]|3[BD]|40)/g, (escape) => decodeURIComponent(escape));
}
