/**
 * Redaction of credentials in URLs and free text. Every string that reaches output, a log line,
 * a report or an error message passes through here first.
 */

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
const URL_SECRET_PARAM = /([?&;])([a-z_-]*(?:password|passwd|pwd|token|secret|api_?key|access_?key|signature|credential)[a-z_-]*|sig)=([^&#\s'"<>]+)/gi;
const KEYWORD_DSN_PASSWORD = /\b(password|sslpassword)\s*=\s*('(?:[^'\\]|\\.)*'|[^\s'"]+)/gi;

/**
 * Redacts credentials found anywhere in free text: passwords in URLs, secret query parameters,
 * `password=...` in keyword/value DSNs, and any of the given known secrets verbatim.
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
    out = out.split(secret).join(REDACTED);
    // The forms a secret takes once serialised: URL-encoded, JSON-escaped (`"` and `\` gain a
    // backslash), and escaped for a <script> element (`<` as \u003c). A backstop for text that
    // was serialised before it was redacted.
    for (const form of escapedForms(secret)) if (form !== secret) out = out.split(form).join(REDACTED);
  }
  return out;
}

function escapedForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  return [...new Set([encodeURIComponent(secret), json, json.replace(/</g, '\\u003c')])];
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
 * The secrets carried by a URL (its password and the values of secret query parameters),
 * decoded, so that output writers can scrub them even where they appear outside a URL.
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
  }
  return secrets;
}
