/**
 * `prodguard/pino`: plugs the redactor into pino so that every line is sanitised after pino has
 * serialised it and before it is written. Working on the finished line catches secrets in the
 * message, in bindings, in serialised errors and in any nested value, whatever its path.
 *
 * A line that a trigger hits is parsed, redacted as a value (decoded strings, so a JSON escape
 * is never cut in half; numbers such as a card number become strings; secret-named keys are
 * censored whole) and serialised again: what is written is always valid JSON. pino writes
 * numbers with JSON.stringify, so the round trip keeps them exactly. A line that is not JSON
 * (a custom formatter) is redacted as text.
 *
 * pino is an optional peer dependency: this module never imports it.
 */
import { type Censor, createRedactor, DEFAULT_CENSOR, type RedactorOptions } from './redactor.js';

export interface PinoRedactionOptions {
  hooks: { streamWrite(line: string): string };
}

/**
 * Options to spread into `pino(...)`. A hook you already have runs first.
 *
 * @example
 * import pino from 'pino';
 * import { pinoRedaction } from 'prodguard/pino';
 * const logger = pino({ level: 'info', ...pinoRedaction() });
 * logger.info({ user: 'alice@example.com' }, 'login'); // {"...","user":"[REDACTED]","msg":"login"}
 */
export function pinoRedaction(options: RedactorOptions = {}, previous?: (line: string) => string): PinoRedactionOptions {
  const redactor = createRedactor(options);
  const textRedactor = createRedactor({ ...options, censor: jsonSafe(options.censor ?? DEFAULT_CENSOR) });
  const sanitise = (line: string): string => {
    if (!redactor.mayHoldSecret(line)) return line;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      return textRedactor.string(line);
    }
    const newline = line.endsWith('\n') ? '\n' : '';
    return JSON.stringify(redactor.value(parsed)) + newline;
  };
  return {
    hooks: {
      streamWrite: previous ? (line) => sanitise(previous(line)) : sanitise,
    },
  };
}

/** The censor replaces text inside JSON strings: quotes and backslashes in it must stay escaped. */
function jsonSafe(censor: Censor): Censor {
  const escape = (text: string) => JSON.stringify(text).slice(1, -1);
  return typeof censor === 'string' ? escape(censor) : (value, detector) => escape(censor(value, detector));
}
