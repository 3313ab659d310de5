/**
 * The redaction library behind `prodguard/redact`: the scanner's detectors applied to strings
 * and, recursively, to the values of objects.
 */
import { type DetectorId, type DetectorSwitches, isSecretKey, SECRET_KEY_WORD, selectDetectors } from './detectors.js';
import { anyTriggerRegex, findSecrets, triggeredDetectors } from './find.js';

export const DEFAULT_CENSOR = '[REDACTED]';

/** A replacement string, or a function of the secret and the detector that found it. */
export type Censor = string | ((value: string, detector: DetectorId | 'secret-key') => string);

export interface RedactorOptions {
  /** What replaces a secret. Default `[REDACTED]`. */
  censor?: Censor;
  /** Per-detector switches on top of the defaults (`{ ipv4: true, phone: false }`). */
  detectors?: DetectorSwitches;
  /** Censor the whole value of object keys such as `password`, `apiKey`, `client_secret` (default true). */
  secretKeys?: boolean;
}

export interface Redactor {
  /** The text with every detected secret replaced. Never throws. */
  string(text: string): string;
  /**
   * A deep copy of `value` with every string redacted and every secret-named key's value
   * censored. Cycles become `[Circular]`; the input is never modified.
   */
  value<T>(value: T): T;
  /** False when `text` certainly holds nothing to redact (no detector trigger, no secret-named key): a cheap test. */
  mayHoldSecret(text: string): boolean;
}

/** A guard against a censor function that returns a secret: after this many passes the censor is fixed. */
const MAX_PASSES = 3;

/**
 * Builds a redactor. Reuse one: it compiles its prefilter once.
 *
 * @example
 * const redactor = createRedactor({ censor: (_v, id) => `[${id}]` });
 * redactor.string('mail alice@example.com'); // 'mail [email]'
 */
export function createRedactor(options: RedactorOptions = {}): Redactor {
  const detectors = selectDetectors(options.detectors);
  const anyTrigger = anyTriggerRegex(detectors);
  const censor = options.censor ?? DEFAULT_CENSOR;
  const censorOf = (value: string, detector: DetectorId | 'secret-key', pass: number): string =>
    typeof censor === 'string' || pass >= MAX_PASSES - 1 ? (typeof censor === 'string' ? censor : DEFAULT_CENSOR) : censor(value, detector);
  const secretKeys = options.secretKeys ?? true;

  const redactString = (text: string): string => {
    if (!anyTrigger || !anyTrigger.test(text)) return text;
    const candidates = triggeredDetectors(text, detectors);
    if (candidates.length === 0) return text;
    let out = text;
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      // A censor function may introduce a trigger the first look did not see: later passes check all.
      const matches = findSecrets(out, pass === 0 ? candidates : detectors);
      if (matches.length === 0) return out;
      let next = '';
      let at = 0;
      for (const match of matches) {
        const value = out.slice(match.secretStart, match.secretEnd);
        const replacement = censorOf(value, match.detector, pass);
        next += out.slice(at, match.secretStart) + (isBareJsonValue(out, match.secretStart) ? JSON.stringify(replacement) : replacement);
        at = match.secretEnd;
      }
      out = next + out.slice(at);
    }
    return out;
  };

  const redactValue = (input: unknown, seen: WeakSet<object>): unknown => {
    if (typeof input === 'string') return redactString(input);
    if (typeof input === 'number' || typeof input === 'bigint') {
      // A card number logged as a number: the censor (a string) replaces it.
      const text = String(input);
      const redacted = redactString(text);
      return redacted === text ? input : redacted;
    }
    if (input === null || typeof input !== 'object') return input;
    if (input instanceof Date) return input;
    if (input instanceof Uint8Array) return redactBytes(input);
    if (ArrayBuffer.isView(input)) return input;
    if (seen.has(input)) return '[Circular]';
    seen.add(input);
    try {
      // What JSON.stringify (and so a logger) would write is what gets redacted.
      const toJSON = (input as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return redactValue(toJSON.call(input), seen);
      if (Array.isArray(input)) return input.map((item) => redactValue(item, seen));
      if (input instanceof Map) return new Map([...input].map(([k, v]) => [typeof k === 'string' ? redactString(k) : redactValue(k, seen), redactEntry(String(k), v, seen)]));
      if (input instanceof Set) return new Set([...input].map((v) => redactValue(v, seen)));
      const out: Record<string, unknown> = {};
      if (input instanceof Error) {
        out.type = input.name;
        out.message = redactString(input.message);
        if (input.stack) out.stack = redactString(input.stack);
        if (input.cause !== undefined) out.cause = redactValue(input.cause, seen);
        if (input instanceof AggregateError) out.errors = redactValue(input.errors, seen);
      }
      for (const [key, value] of Object.entries(input)) out[redactString(key)] = redactEntry(key, value, seen);
      return out;
    } finally {
      seen.delete(input);
    }
  };

  /** Bytes that decode to text with a secret come back as the redacted text's bytes (a Buffer stays a Buffer). */
  const redactBytes = (bytes: Uint8Array): Uint8Array => {
    const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
    const redacted = redactString(text);
    if (redacted === text) return bytes;
    const out = Buffer.from(redacted, 'utf8');
    return Buffer.isBuffer(bytes) ? out : new Uint8Array(out);
  };

  const redactEntry = (key: string, value: unknown, seen: WeakSet<object>): unknown => {
    // A secret-named key's whole value goes, whatever its shape (an object, an array, a number).
    if (secretKeys && value !== '' && value !== null && value !== undefined && typeof value !== 'boolean' && isSecretKey(key)) {
      return censorOf(typeof value === 'object' ? '' : String(value), 'secret-key', 0);
    }
    return redactValue(value, seen);
  };

  return {
    string: redactString,
    value: <T>(value: T): T => redactValue(value, new WeakSet()) as T,
    mayHoldSecret: (text: string) => (anyTrigger?.test(text) ?? false) || (secretKeys && SECRET_KEY_WORD.test(text)),
  };
}

/**
 * True when the secret at `start` is an unquoted JSON value (`"password":12345678`,
 * `"password":["x"]`): its replacement must be a JSON string, or the line stops being JSON.
 */
function isBareJsonValue(text: string, start: number): boolean {
  if (text[start] === '"') return false;
  let i = start - 1;
  while (i >= 0 && (text[i] === ' ' || text[i] === '\t')) i--;
  return text[i] === ':' && text[i - 1] === '"';
}

let shared: Redactor | undefined;

/**
 * Redacts a string or (recursively) an object with the default detectors and censor.
 *
 * @example
 * redact('Authorization: Bearer eyJhbGciOi...');        // 'Authorization: Bearer [REDACTED]'
 * redact({ user: { email: 'a@b.io', password: 'x' } }); // { user: { email: '[REDACTED]', password: '[REDACTED]' } }
 */
export function redact<T>(value: T, options?: RedactorOptions): T {
  const redactor = options ? createRedactor(options) : (shared ??= createRedactor());
  return typeof value === 'string' ? (redactor.string(value) as T) : redactor.value(value);
}
