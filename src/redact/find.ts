/**
 * Finding detector matches in a piece of text: the one matching routine behind both the scanner
 * and the redactor.
 */
import { type Detector, type DetectorId } from './detectors.js';

export interface SecretMatch {
  detector: DetectorId;
  /** The whole match, [start, end) in the text. */
  start: number;
  end: number;
  /** The secret part, [secretStart, secretEnd): what is masked or replaced. */
  secretStart: number;
  secretEnd: number;
}

/**
 * Values that are already redacted: `***`, `[REDACTED]`, `[REDACTED:email]`, `<redacted>`,
 * `[FILTERED]`, `xxxx`, and anything holding `***` or the redactor's marker.
 */
const REDACTED_VALUE = /^(?:\*{3,}|x{3,}|X{3,}|•+|redacted|filtered|masked|hidden|removed|<[a-z ]+>|\[[a-z _:-]+\])$/i;

export function isRedactedValue(value: string): boolean {
  const unquoted = value.replace(/^\\?["']|\\?["']$/g, '');
  return REDACTED_VALUE.test(unquoted) || unquoted.includes('***') || /\[REDACTED/i.test(unquoted);
}

/** A trigger ready to search: a literal for indexOf or a compiled global regex. */
export type CompiledTrigger = string | RegExp;

const TRIGGERS = new WeakMap<Detector, CompiledTrigger[]>();

/**
 * The detector's triggers, compiled once. Every match of the detector contains one of them.
 * Separate searches (rather than one alternation of all) keep V8's fast literal search, which an
 * alternation of different first characters loses.
 */
export function triggersOf(detector: Detector): CompiledTrigger[] {
  let compiled = TRIGGERS.get(detector);
  if (!compiled) {
    compiled = detector.triggers.map((t) => (typeof t === 'string' ? t : new RegExp(t.regex, 'g')));
    TRIGGERS.set(detector, compiled);
  }
  return compiled;
}

/** Position of the first trigger hit at or after `from`, or -1. */
export function nextTrigger(text: string, trigger: CompiledTrigger, from: number): number {
  if (typeof trigger === 'string') return text.indexOf(trigger, from);
  trigger.lastIndex = from;
  const hit = trigger.exec(text);
  return hit ? hit.index : -1;
}

/**
 * One regex matching any trigger of `detectors`: slower than separate searches over megabytes,
 * but on one log line a single test beats twenty calls.
 */
export function anyTriggerRegex(detectors: readonly Detector[]): RegExp | undefined {
  const sources = detectors.flatMap((d) => d.triggers.map((t) => (typeof t === 'string' ? t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : t.regex)));
  return sources.length === 0 ? undefined : new RegExp(sources.map((source) => `(?:${source})`).join('|'));
}

/** The detectors with a trigger in `text`, in priority order. */
export function triggeredDetectors(text: string, detectors: readonly Detector[]): Detector[] {
  return detectors.filter((detector) => triggersOf(detector).some((trigger) => nextTrigger(text, trigger, 0) >= 0));
}

/**
 * Every match of `detectors` in `text`, ordered by position, without overlaps (a detector listed
 * earlier wins). Validators (Luhn, mod-97, digit counts) and already-redacted values are applied.
 * Never throws.
 */
export function findSecrets(text: string, detectors: readonly Detector[]): SecretMatch[] {
  const found: SecretMatch[] = [];
  for (const detector of detectors) {
    const pattern = withIndices(detector.pattern);
    pattern.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = pattern.exec(text)) !== null) {
      const start = m.index;
      let end = start + m[0].length;
      if (end === start) {
        pattern.lastIndex++;
        continue;
      }
      if (detector.validate && !detector.validate(m[0])) continue;
      if (detector.extend) {
        end = detector.extend(text, end);
        pattern.lastIndex = end;
      }
      const span = secretSpan(m.indices?.groups);
      const secretStart = span ? span[0] : start;
      const secretEnd = span ? span[1] : end;
      if (isRedactedValue(text.slice(secretStart, secretEnd))) continue;
      if (found.some((f) => start < f.end && f.start < end)) continue;
      found.push({ detector: detector.id, start, end, secretStart, secretEnd });
    }
  }
  return found.sort((a, b) => a.start - b.start);
}

/** The secret part: the first of the named groups `s`, `s2`, `s3` ... that took part in the match. */
function secretSpan(groups: Record<string, [number, number] | undefined> | undefined): [number, number] | undefined {
  if (!groups) return undefined;
  for (const name in groups) {
    const span = groups[name];
    if (span) return span;
  }
  return undefined;
}

const INDEXED = new WeakMap<RegExp, RegExp>();

/** The same regex with the `d` flag, so a named group's position is known without searching for it. */
function withIndices(pattern: RegExp): RegExp {
  if (pattern.hasIndices) return pattern;
  let indexed = INDEXED.get(pattern);
  if (!indexed) {
    indexed = new RegExp(pattern.source, `${pattern.flags}d`);
    INDEXED.set(pattern, indexed);
  }
  return indexed;
}

/**
 * The match as `scan-logs` prints it: the context (a key name, a URL's scheme) kept, the secret
 * masked — and in a URL the user part masked as well, since a token or an address often sits
 * there (`https://ghp_…:x-oauth-basic@github.com`, `s3://AKIA…:…@bucket`).
 */
export function maskedMatch(text: string, match: SecretMatch): string {
  let context = text.slice(match.start, match.secretStart);
  if (match.detector === 'url-password') {
    context = context.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^:]+):$/i, (_all, scheme: string, user: string) => `${scheme}${maskSecret(user)}:`);
  }
  return context + maskSecret(text.slice(match.secretStart, match.secretEnd));
}

/**
 * A masked form of a secret, safe to print: a few leading characters and `***`. Never returns
 * the whole value, and never enough of it to match a detector again.
 *
 * @example maskSecret('AKIAIOSFODNN7EXAMPLE') // 'AKI***'
 */
export function maskSecret(value: string): string {
  const keep = value.length >= 12 ? 3 : value.length >= 6 ? 1 : 0;
  return `${value.slice(0, keep)}***`;
}
