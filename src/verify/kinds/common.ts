/**
 * What every check kind shares: the measurement shape, the context, and `Unmeasurable` — thrown
 * when a sample cannot be measured (timeout, refused connection, missing key, no rows, no log
 * files), which the runner reports as an ERROR (a FAIL with the reason), never a PASS.
 */
import { hasPlaceholder, placeholderNames } from '../../config/interpolate.js';
import type { Db } from '../../db/types.js';
import { redactText } from '../../redact/secrets.js';

export class Unmeasurable extends Error {}

export interface Measurement {
  /** Placeholder values for the whole check (`STATUS`, `ROWS`, `COUNT` ...). */
  values: Record<string, unknown>;
  /** Redis key scans: one set of values (`KEY`, `VALUE`) per key; conditions on them hold for every key. */
  items?: Record<string, unknown>[];
  /** One line about what was measured (already redacted). */
  detail?: string;
}

export interface MeasureContext {
  signal: AbortSignal;
  /** Directory relative log paths and command cwd resolve against. */
  cwd: string;
  /** The selected environment's database, for sql checks without their own url. */
  db: (() => Promise<Db>) | undefined;
  /** Time used for `{minute}`-style key placeholders and log windows. */
  now: number;
}

/** A config value still holding `${VAR}` (deferred interpolation): the variable was not set. */
export function resolved(value: string, what: string): string {
  if (hasPlaceholder(value)) throw new Unmeasurable(`environment variable ${placeholderNames(value).join(', ')} is not set (${what})`);
  return value;
}

/** An error's message (and its cause's, as fetch nests the real reason), with credentials redacted. */
export function causeOf(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    const inner = cause instanceof Error ? `: ${cause.message}` : '';
    return redactText(`${error.message}${inner}`);
  }
  return redactText(String(error));
}
