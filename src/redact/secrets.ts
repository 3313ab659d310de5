/**
 * Redaction of credentials in URLs and free text. Every string that reaches output, a log line,
 * a report or an error message passes through here first.
 */

import { showControls } from './controls.js';
import { DETECTOR_BY_ID, isSecretKey } from './detectors.js';
import { findSecrets, type SecretMatch } from './find.js';

export const REDACTED = '***';

/**
 * Query parameters whose values are secrets, on top of the secret key names the redactor uses
 * (src/redact/detectors.ts): names that are secrets in a URL only — `?key=` (Google APIs) and
 * signatures of signed URLs (S3, Azure SAS, webhooks), which grant access on their own.
 */
const URL_SECRET_PARAMS = new Set(['key', 'sig', 'signature', 'x-amz-signature', 'x-amz-credential', 'access-key', 'credential']);

function isSecretParam(name: string): boolean {
  return isSecretKey(name) || URL_SECRET_PARAMS.has(name.toLowerCase().replace(/_/g, '-'));
}

/**
 * Returns the URL with its password and secret query parameters replaced by `***`.
 * Never throws: a string that is not a URL is returned with text redaction applied.
 *
 * @example redactUrl('postgresql://app:s3cret@db:5432/x?sslmode=require&password=p')
 *   // 'postgresql://app:***@db:5432/x?sslmode=require&password=***'
 */
export function redactUrl(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(url);
  if (!match) return redactText(url);
  const [, scheme = '', authority = '', rest = ''] = match;
  return scheme + redactAuthority(authority) + redactQuery(rest);
}

function redactAuthority(authority: string): string {
  const at = authority.lastIndexOf('@');
  if (at < 0) return authority;
  const userinfo = authority.slice(0, at);
  const colon = userinfo.indexOf(':');
  if (colon < 0) return authority;
  return `${userinfo.slice(0, colon)}:${REDACTED}${authority.slice(at)}`;
}

function redactQuery(rest: string): string {
  return rest.replace(/([?&;])([^=&#\s]+)=([^&#\s]*)/g, (whole, sep: string, name: string, value: string) =>
    isSecretParam(decodeSafe(name)) && value !== REDACTED ? `${sep}${name}=${REDACTED}` : whole,
  );
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Passwords in URLs: the scanner's url-password detector, so redaction and scanning agree. */
const URL_PASSWORD = [DETECTOR_BY_ID.get('url-password')!];
/**
 * A backslash escape inside a bare value: any but the JSON escape of a quote or a control
 * character (`\"`, `\n`, `\u001b` ...). In JSON text those stand for a character that ends the
 * value; taking in their backslash alone (`password=***"`) would leave an escape cut in two and
 * the text no longer JSON. `\\` and libpq's `\'` stay part of the value.
 */
const VALUE_ESCAPE = String.raw`\\[^\s"nrtbfu]`;
const URL_SECRET_PARAM = new RegExp(
  String.raw`([?&;])([a-z_-]*(?:password|passwd|pwd|token|secret|api_?key|access_?key|signature|credential)[a-z_-]*|sig)=((?:[^&#\s'"<>\\]|${VALUE_ESCAPE})+)`,
  'gi',
);
const KEYWORD_DSN_PASSWORD = new RegExp(
  String.raw`\b(password|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|(?:[^\s'"\\]|${VALUE_ESCAPE})+)`,
  'gi',
);

/**
 * Redacts credentials found anywhere in free text: passwords in URLs, secret query parameters,
 * `password=...` in keyword/value DSNs, and any of the given known secrets verbatim.
 * Text that is JSON stays JSON: no replacement ends or starts inside an escape such as `\"`.
 * Never throws.
 */
export function redactText(text: string, knownSecrets: Iterable<string> = []): string {
  // A text without `://` cannot hold a URL password; lint output of tens of MB usually has none.
  let out = text.includes('://') ? replaceSpans(text, findSecrets(text, URL_PASSWORD)) : text;
  // Both patterns need an `=`; most lint messages have none.
  if (out.includes('=')) {
    out = out
      .replace(URL_SECRET_PARAM, (_whole, sep: string, name: string) => `${sep}${name}=${REDACTED}`)
      .replace(KEYWORD_DSN_PASSWORD, (_whole, key: string) => `${key}=${REDACTED}`);
  }
  for (const secret of knownSecrets) {
    // Very short "secrets" would redact ordinary words; such passwords are still caught in URLs above.
    if (secret.length < 4) continue;
    // The forms a secret takes once serialised, longest first (a form may hold a shorter one): a
    // backstop for text that was serialised before it was redacted.
    for (const form of formsOf(secret)) out = replaceWhole(out, form);
  }
  return out;
}

/** formsOf results by secret: the same few secrets are looked for in every value of a report. */
const FORMS = new Map<string, readonly string[]>();

function formsOf(secret: string): readonly string[] {
  let forms = FORMS.get(secret);
  if (forms === undefined) {
    if (FORMS.size >= 256) FORMS.clear();
    forms = [...new Set([secret, ...escapedForms(secret)])].sort((a, b) => b.length - a.length);
    FORMS.set(secret, forms);
  }
  return forms;
}

/**
 * The forms a secret takes once serialised: URL-encoded, JSON-escaped (`"` and `\` gain a
 * backslash), escaped for a <script> element (`<` as \u003c), and escaped for a GitHub Actions
 * workflow command (`%` as %25 in the message; `:` and `,` too in a property such as `file=`),
 * which the runner decodes back into the secret, and with its control characters shown as the
 * lint reports show them (src/redact/controls.ts).
 */
function escapedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const workflowData = secret.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const workflowProperty = workflowData.replace(/:/g, '%3A').replace(/,/g, '%2C');
  return [encodeURIComponent(secret), json, json.replace(/</g, '\\u003c'), workflowData, workflowProperty, showControls(secret)];
}

/**
 * Replaces every occurrence of `needle` with `***`, widened so that no JSON escape is cut in two:
 * in JSON text, a secret that happens to follow a `\n` (`\nfoo` holding `nfoo`) or to end in a
 * backslash must not leave half an escape behind. Elsewhere it widens by a few characters at most.
 */
function replaceWhole(text: string, needle: string): string {
  let at = text.indexOf(needle);
  if (at < 0) return text;
  let out = '';
  let done = 0;
  while (at >= 0) {
    const start = Math.max(done, escapeAround(text, at)?.start ?? at);
    const end = escapeAround(text, at + needle.length)?.end ?? at + needle.length;
    out += text.slice(done, start) + REDACTED;
    done = end;
    at = text.indexOf(needle, end);
  }
  return out + text.slice(done);
}

/** The JSON escape (`\n`, `\\`, `\u001b`) that position `pos` falls strictly inside, if any. */
function escapeAround(text: string, pos: number): { start: number; end: number } | undefined {
  for (let p = pos - 1; p >= 0 && p >= pos - 5; p--) {
    if (text.charCodeAt(p) !== 92 /* \ */ || !startsEscape(text, p)) continue;
    const length = text[p + 1] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(p + 2, p + 6)) ? 6 : 2;
    return pos < p + length ? { start: p, end: Math.min(p + length, text.length) } : undefined;
  }
  return undefined;
}

/** Whether the backslash at `p` starts an escape: an odd run of backslashes ends at it. */
function startsEscape(text: string, p: number): boolean {
  let run = 0;
  while (p - run >= 0 && text.charCodeAt(p - run) === 92) run++;
  return run % 2 === 1;
}

function replaceSpans(text: string, matches: readonly SecretMatch[]): string {
  if (matches.length === 0) return text;
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.secretStart) + REDACTED;
    at = m.secretEnd;
  }
  return out + text.slice(at);
}

/**
 * The secrets carried by a database URL (its password and the values of secret query
 * parameters), decoded, so that output writers can scrub them even where they appear outside a
 * URL. libpq's keyword/value form (`host=db user=app password='it\'s'`) is a database URL too:
 * DATABASE_URL and --db may hold either.
 */
export function secretsOfUrl(url: string): string[] {
  const secrets: string[] = [];
  try {
    const parsed = new URL(url);
    if (parsed.password) secrets.push(decodeSafe(parsed.password));
    for (const [name, value] of parsed.searchParams) {
      if (isSecretParam(name) && value) secrets.push(value);
    }
  } catch {
    const m = /:\/\/[^/:@\s]*:([^@\s]+)@/.exec(url);
    if (m?.[1]) secrets.push(decodeSafe(m[1]));
    else secrets.push(...secretsOfConninfo(url));
  }
  return secrets;
}

/**
 * `keyword = value` in a libpq connection string: a value is single-quoted or bare (up to
 * whitespace; a `'` inside it is literal), and a backslash escapes the next character in either
 * (`\'`, `\\`).
 */
const CONNINFO_PAIR = /([A-Za-z_]+)\s*=\s*(?:'((?:[^'\\]|\\.)*)'|((?!')(?:[^\s\\]|\\.)+))/g;

/** The values of `password`, `sslpassword` and other secret keywords of a keyword/value string, unescaped. */
function secretsOfConninfo(text: string): string[] {
  const secrets: string[] = [];
  for (const m of text.matchAll(CONNINFO_PAIR)) {
    const [, name = '', quoted, bare] = m;
    const value = (quoted ?? bare ?? '').replace(/\\(.)/gs, '$1');
    if (value && isSecretParam(name)) secrets.push(value);
  }
  return secrets;
}
