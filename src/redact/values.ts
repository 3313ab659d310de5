/**
 * Redaction of structured values before they are serialised. Redacting the serialised text is
 * not enough: once JSON.stringify has escaped a secret's `"` or `\` (or scriptJson its `<`), the
 * text no longer contains the secret verbatim and a text redactor misses it. Keys are left alone:
 * they are the shape of the data, and a secret equal to a key word must not rewrite the shape.
 */

/** A JSON.stringify replacer that passes every string value through `redact`. */
export function redactingReplacer(redact: (text: string) => string): (key: string, value: unknown) => unknown {
  return (_key, value) => (typeof value === 'string' ? redact(value) : value);
}

/** A copy of a JSON value with every string value redacted (for values serialised later by others). */
export function redactValues<T>(value: T, redact: (text: string) => string): T {
  if (value === undefined) return value;
  return JSON.parse(JSON.stringify(value, redactingReplacer(redact))) as T;
}
