/**
 * The PII and secret detectors shared by `prodguard scan-logs` (src/scan/) and the redaction
 * library (`prodguard/redact`). One definition per detector: the scanner reports what it matches
 * and the redactor replaces exactly that, so a line the redactor wrote has nothing left to report.
 *
 * Each detector has `triggers`: cheap searches (mostly literals such as `eyJ`, `@`, `://`) that
 * every true match contains. The scanner runs them over whole chunks and runs a detector's full
 * regex only on the lines its triggers hit.
 */

export const DETECTOR_IDS = [
  'private-key',
  'url-password',
  'jwt',
  'auth-header',
  'aws-access-key',
  'aws-secret-key',
  'github-token',
  'gitlab-token',
  'slack-token',
  'stripe-key',
  'google-api-key',
  'npm-token',
  'secret-pair',
  'email',
  'iban',
  'card',
  'phone',
  'ipv4',
  'ipv6',
] as const;
export type DetectorId = (typeof DETECTOR_IDS)[number];

/**
 * A literal searched with indexOf, or `{ regex }` searched as a regular expression. The scanner
 * joins the regex triggers of one `group` into one alternation: one pass instead of several.
 * Triggers led by a broad character class (`\d`, `[A-Z]`) form their own group, `digits`: mixed
 * into the word-led alternation they slow every position down (measured: two alternations take
 * about 60% of the time of one).
 */
export type Trigger = string | { regex: string; group?: 'digits' };

export interface Detector {
  id: DetectorId;
  title: string;
  /** Off by default (IP addresses: present in every access log, personal data only sometimes). */
  defaultEnabled: boolean;
  /**
   * What every match contains, as cheap searches: a string is found with indexOf (memchr speed
   * when its first character is rare: `.eyJ` beats `eyJ`, `_pat_` beats `github_pat_`), a regex
   * source is searched as a regex. Case-sensitive, so case variants are spelled out.
   */
  triggers: readonly Trigger[];
  /** Global regex; the named group `s`, when present, is the secret part (the rest is context such as a key name). */
  pattern: RegExp;
  /** Extra check on the whole match (checksums, digit counts). */
  validate?: (match: string) => boolean;
  /** Where a match that `pattern` only starts really ends (a private key's body and END line). */
  extend?: (text: string, end: number) => number;
}

/** Key names whose values are secrets: `password=`, `"api_key":`, `client_secret:` ... */
const SECRET_KEY_WORDS = '(?:passw(?:or)?d|secret|api[_-]?key|apikey|token|(?:private|signing|encryption|secret|access)[_-]?key|credentials?)';
export const SECRET_KEY_SOURCE = `[A-Za-z0-9_.-]*?${SECRET_KEY_WORDS}`;
/** Found in any text that may hold a secret-named key: a cheap test before parsing a line. */
export const SECRET_KEY_WORD = new RegExp(SECRET_KEY_WORDS, 'i');
const SECRET_KEY = new RegExp(`^${SECRET_KEY_SOURCE}$`, 'i');

/**
 * Names that are secrets only as a whole name (as a suffix they would hit `bypass`, `$PWD`
 * dumps ...): object keys, headers and URL query parameters. One list for the redactor and
 * the URL redaction of src/redact/secrets.ts.
 */
export const SECRET_NAMES: ReadonlySet<string> = new Set([
  'pass',
  'pwd',
  'passphrase',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'sslpassword',
  'sslkey',
  'x-api-key',
  'x-auth-token',
  'x-amz-security-token',
]);

/** True when an object key, a header or a `key=` name says its value is a secret. */
export function isSecretKey(name: string): boolean {
  return SECRET_KEY.test(name) || SECRET_NAMES.has(name.toLowerCase().replace(/_/g, '-'));
}

/**
 * `key = value` in the spellings logs use: text (`password=v`, `secret: v`), quoted values
 * (`password="two words"`, `password='v'`), JSON (`"api_key":"v"`, `{"password":12345678}`,
 * `{"password":["v"]}`, escaped quotes inside), JSON nested in a JSON string
 * (`"{\"password\":\"v\"}"`), Python (`{'password': 'v'}`) and Ruby (`:password=>"v"`).
 * A bare value stops at a backslash (a JSON escape such as `\n` or `\"` is not part of it),
 * holds a letter or digit, and is not `true`/`false`/`null` or the second `=` of `==`.
 * Exactly one of the groups s..s5 is the secret.
 */
const SECRET_PAIR = new RegExp(
  String.raw`(?<![A-Za-z0-9_.-])(?:\\?["']|:)?${SECRET_KEY_SOURCE}(?:\\?["'])?\s*(?:=>|[:=])\s*` +
    String.raw`(?:\\"(?<s>[^"\\]+)\\"|"(?<s2>(?:[^"\\]|\\.)+)"|'(?<s3>(?:[^'\\]|\\.)+)'|(?<s4>\[[^\]]+\])|` +
    String.raw`(?!(?:true|false|null)\b)(?=[^\s,;&"'{}()\[\]<>\\]*[A-Za-z0-9])(?<s5>[^\s,;&"'{}()\[\]<>=\\][^\s,;&"'{}()\[\]<>\\]*))`,
  'gi',
);

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Issuer prefixes and lengths of the card networks: keeps Luhn-valid timestamps and ids out. */
function cardNetworkValid(digits: string): boolean {
  const n = digits.length;
  const p2 = Number(digits.slice(0, 2));
  const p4 = Number(digits.slice(0, 4));
  if (digits[0] === '4') return n === 13 || n === 16 || n === 19; // Visa
  if (p2 >= 51 && p2 <= 55) return n === 16; // Mastercard
  if (p4 >= 2221 && p4 <= 2720) return n === 16; // Mastercard 2-series
  if (p2 === 34 || p2 === 37) return n === 15; // Amex
  if (p2 === 36 || (p4 >= 3000 && p4 <= 3059) || p2 === 38 || p2 === 39) return n === 14 || n === 16; // Diners
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19; // JCB
  if (p4 === 6011 || p2 === 65 || (p4 >= 6440 && p4 <= 6499)) return n >= 16 && n <= 19; // Discover
  if (p2 === 62) return n >= 16 && n <= 19; // UnionPay
  return false;
}

function cardValid(match: string): boolean {
  const separators = match.replace(/\d/g, '');
  if (separators.length > 0 && new Set(separators).size > 1) return false;
  const digits = match.replace(/\D/g, '');
  return cardNetworkValid(digits) && luhnValid(digits);
}

export function ibanValid(match: string): boolean {
  const iban = match.replace(/ /g, '');
  if (iban.length < 15 || iban.length > 34) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const ch of rearranged) {
    const code = ch.charCodeAt(0);
    const value = code >= 65 ? code - 55 : code - 48;
    remainder = value >= 10 ? (remainder * 100 + value) % 97 : (remainder * 10 + value) % 97;
  }
  return remainder === 1;
}

function digitCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) n++;
  }
  return n;
}

function phoneValid(match: string): boolean {
  const digits = digitCount(match);
  if (match.startsWith('+')) return digits >= 8 && digits <= 15;
  // National numbers need 10+ digits, and a date (2024-01-15 ...) is not one.
  if (/^(19|20)\d\d[-./ ]/.test(match)) return false;
  return digits >= 10 && digits <= 12;
}

function bearerValid(match: string): boolean {
  const token = match.replace(/^\S+\s+/, '');
  if (/^basic/i.test(match)) {
    // Basic credentials are base64 of `user:password`; ordinary words after "basic" are not.
    try {
      const decoded = Buffer.from(token, 'base64').toString('latin1');
      return /^[\x20-\x7e]+:[\x20-\x7e]*$/.test(decoded);
    } catch {
      return false;
    }
  }
  // A token, not prose: long enough and with a digit or token punctuation, or long enough to be
  // no word (20+ letters).
  return (token.length >= 12 && /[\d._~+/-]/.test(token)) || token.length >= 20;
}

function ipv4Valid(match: string): boolean {
  return match.split('.').every((part) => Number(part) <= 255 && !(part.length > 1 && part.startsWith('0')));
}

function ipv6Valid(match: string): boolean {
  const groups = match.split(':');
  if (match.includes('::')) return groups.length >= 3 && groups.length <= 8 && match.indexOf('::') === match.lastIndexOf('::');
  return groups.length === 8;
}

/** A private key block can be this long at most (an RSA-16384 key is about 12 KB of PEM). */
const MAX_KEY_BLOCK = 16_384;
const KEY_END = /^-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/;

/**
 * The end of a private key whose header ends at `from`: after its END line, when the body up to
 * it is PEM (base64, headers such as `Proc-Type: 4,ENCRYPTED`, line breaks real or escaped as
 * `\n` / `\r\n` in a JSON or log line). Without an END line the block ends where the PEM-looking
 * text ends — the end of the line or string, usually: over-redacting beats printing a key.
 * One forward walk, bounded: linear even on a line of repeated headers.
 */
function privateKeyEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + MAX_KEY_BLOCK);
  let i = from;
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (c === 45 /* - */ && text.startsWith('-----END ', i)) {
      const end = KEY_END.exec(text.slice(i, i + 64));
      if (end) return i + end[0].length;
    }
    if (c === 92 /* \ */ && (text[i + 1] === 'n' || text[i + 1] === 'r')) {
      i += 2;
      continue;
    }
    if (!isPemChar(c)) break;
    i++;
  }
  return i;
}

/** Base64, PEM header characters and whitespace. */
function isPemChar(c: number): boolean {
  return (
    (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) ||
    c === 43 || c === 47 || c === 61 || c === 58 || c === 32 || c === 44 || c === 46 || c === 45 || c === 10 || c === 13 || c === 9
  );
}

// Regexes are global (`g`); the scanner and redactor reset lastIndex before each use.
export const DETECTORS: readonly Detector[] = [
  {
    id: 'private-key',
    title: 'private key block',
    defaultEnabled: true,
    triggers: ['PRIVATE KEY'],
    // The regex finds the header; `extend` takes in the body up to the END line.
    pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/g,
    extend: privateKeyEnd,
  },
  {
    id: 'url-password',
    title: 'password in a URL',
    defaultEnabled: true,
    triggers: ['@'],
    // The one URL-credential rule (redactText uses it too). No `/` `?` `#` in the password (a
    // port and a path with an @ in it are not credentials) and no `"` (two URLs on one JSON line
    // are not one credential); `'` and `,` are allowed: `pa,ss` is a password.
    // Starting only where a scheme can start (and bounding it) keeps a long run of letters linear.
    pattern: /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]{0,30}:\/\/[^\s/?#@'"<>:,]{0,256}:(?<s>[^\s@/?#"<>]{1,256})@[A-Za-z0-9[]/gi,
  },
  {
    id: 'jwt',
    title: 'JSON Web Token',
    defaultEnabled: true,
    // The payload is a JSON object too, so '.eyJ' is in every token; '.' is rarer than 'e'.
    triggers: ['.eyJ'],
    pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g,
  },
  {
    id: 'auth-header',
    title: 'Authorization Bearer/Basic credentials',
    defaultEnabled: true,
    triggers: [{ regex: '[Bb]earer|BEARER|[Bb]asic|BASIC' }],
    pattern: /\b(?:bearer|basic)\s+(?<s>[A-Za-z0-9._~+/-]{8,}=*)/gi,
    validate: bearerValid,
  },
  {
    id: 'aws-access-key',
    title: 'AWS access key id',
    defaultEnabled: true,
    triggers: [{ regex: 'A(?:KIA|SIA|BIA|CCA|GPA|IDA|ROA|IPA|NPA|NVA|PKA)' }],
    pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA|APKA)[A-Z2-7]{16}\b/g,
  },
  {
    id: 'aws-secret-key',
    title: 'AWS secret access key',
    defaultEnabled: true,
    triggers: [{ regex: '[Ss]ecret_?[Aa]ccess|SECRET_?ACCESS' }],
    pattern: /(?:aws_?)?secret_?access_?key["']?\s*[:=]\s*["']?(?<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])/gi,
  },
  {
    id: 'github-token',
    title: 'GitHub token',
    defaultEnabled: true,
    triggers: [{ regex: 'gh[pousr]_' }, '_pat_'],
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{50,255})\b/g,
  },
  {
    id: 'gitlab-token',
    title: 'GitLab token',
    defaultEnabled: true,
    triggers: [{ regex: 'gl(?:pat|dt|rt|ptt|cbt|oas)-' }],
    pattern: /\bgl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,}/g,
  },
  {
    id: 'slack-token',
    title: 'Slack token or webhook',
    defaultEnabled: true,
    triggers: ['xox', 'xapp-', '.slack.com/'],
    pattern: /\bxox[abeoprs]-[A-Za-z0-9-]{10,}|\bxapp-\d-[A-Za-z0-9-]{10,}|https:\/\/hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/B[A-Za-z0-9]+\/[A-Za-z0-9]{16,}/g,
  },
  {
    id: 'stripe-key',
    title: 'Stripe secret key',
    defaultEnabled: true,
    triggers: [{ regex: '[sr]k_(?:live|test)_' }, 'whsec_'],
    pattern: /\b(?:[sr]k_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{24,})\b/g,
  },
  {
    id: 'google-api-key',
    title: 'Google API key',
    defaultEnabled: true,
    triggers: ['AIza'],
    pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g,
  },
  {
    id: 'npm-token',
    title: 'npm token',
    defaultEnabled: true,
    triggers: ['npm_'],
    pattern: /\bnpm_[A-Za-z0-9]{36}\b/g,
  },
  {
    id: 'secret-pair',
    title: 'value of a password, secret or api_key field',
    defaultEnabled: true,
    triggers: [{ regex: '[Pp]ass(?:wor)?d|PASS(?:WOR)?D|[Ss]ecret|SECRET|[Aa]pi_?[Kk]ey|API_?KEY|apikey|[Tt]oken|TOKEN|[Kk]ey["\']?\\s*[:=]|KEY["\']?\\s*[:=]|[Cc]redential|CREDENTIAL' }],
    pattern: SECRET_PAIR,
  },
  {
    id: 'email',
    title: 'email address',
    defaultEnabled: true,
    triggers: ['@'],
    // The local part starts where a run of its characters starts and is at most 64 long (RFC 5321):
    // without the look-behind, a long run with no @ after it costs quadratic time.
    // A file name is not an address: `logo@2x.png` ends in a file extension, not a TLD.
    pattern: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.(?!(?:png|jpe?g|gif|svg|webp|avif|bmp|ico|tiff?|css|js|mjs|map|json|html?|txt|woff2?|ttf|otf|eot|mp4|webm|mp3|wav|pdf|zip|gz)\b)[A-Za-z]{2,24}\b/g,
  },
  {
    id: 'iban',
    title: 'IBAN',
    defaultEnabled: true,
    triggers: [{ regex: '[A-Z]{2}\\d\\d ?[A-Z0-9]{4}', group: 'digits' }],
    pattern: /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?\b/g,
    validate: ibanValid,
  },
  {
    id: 'card',
    title: 'payment card number',
    defaultEnabled: true,
    triggers: [{ regex: '(?<!\\d)[2-6]\\d{3}[ -]?\\d{4}[ -]?\\d\\d', group: 'digits' }],
    pattern: /(?<![\w.-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\w-])/g,
    validate: cardValid,
  },
  {
    id: 'phone',
    title: 'phone number',
    defaultEnabled: true,
    // National numbers all hold three digits, a separator and three more (`(555) 123`, `030 123`).
    triggers: ['+', { regex: '\\d{3}[-. /)] ?\\d{3}', group: 'digits' }],
    pattern:
      /(?<![\w+.:/-])(?:\+[1-9](?:[ .-]?\(?\d\)?){7,14}|(?:\(\d{3}\) ?|\d{3}[-. ])\d{3}[-. ]\d{4}|0\d{2,4}[ /-]\d{3,8}(?:[ -]\d{2,4})?)(?![\w-]|[.:]\d)/g,
    validate: phoneValid,
  },
  {
    id: 'ipv4',
    title: 'IPv4 address',
    defaultEnabled: false,
    triggers: [{ regex: '\\d\\.\\d', group: 'digits' }],
    pattern: /(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.]|\.\d)/g,
    validate: ipv4Valid,
  },
  {
    id: 'ipv6',
    title: 'IPv6 address',
    defaultEnabled: false,
    triggers: [{ regex: '[0-9A-Fa-f]:[0-9A-Fa-f:]', group: 'digits' }],
    pattern: /(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){2,7}:?[0-9A-Fa-f]{1,4}(?::[0-9A-Fa-f]{1,4}){0,5}(?![\w:])/g,
    validate: ipv6Valid,
  },
];

export const DETECTOR_BY_ID: ReadonlyMap<DetectorId, Detector> = new Map(DETECTORS.map((d) => [d.id, d]));

/** Per-detector switches: `{ ipv4: true, phone: false }` on top of each detector's default. */
export type DetectorSwitches = Partial<Record<DetectorId, boolean>>;

/** The detectors enabled by `switches`, in priority order (an earlier detector's match wins an overlap). */
export function selectDetectors(switches: DetectorSwitches = {}): Detector[] {
  for (const id of Object.keys(switches)) {
    if (!DETECTOR_BY_ID.has(id as DetectorId)) {
      throw new TypeError(`unknown detector "${id}" (known: ${DETECTOR_IDS.join(', ')})`);
    }
  }
  return DETECTORS.filter((d) => switches[d.id] ?? d.defaultEnabled);
}
