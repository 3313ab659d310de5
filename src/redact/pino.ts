/**
 * `prodguard/pino`: plugs the redactor into pino so that every line is sanitised after pino has
 * serialised it and before it is written. Working on the finished line catches secrets in the
 * message, in bindings, in serialised errors and in any nested value, whatever its path.
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
  const redactor = createRedactor({ ...options, censor: jsonSafe(options.censor ?? DEFAULT_CENSOR) });
  return {
    hooks: {
      streamWrite: previous ? (line) => redactor.string(previous(line)) : (line) => redactor.string(line),
    },
  };
}

/** The censor replaces text inside JSON strings: quotes and backslashes in it must stay escaped. */
function jsonSafe(censor: Censor): Censor {
  const escape = (text: string) => JSON.stringify(text).slice(1, -1);
  return typeof censor === 'string' ? escape(censor) : (value, detector) => escape(censor(value, detector));
}
