import { redactText, secretsOfUrl } from '../redact/secrets.js';
import { type Colors, createColors } from '../report/colors.js';

/**
 * Where the CLI writes. Every write passes through redaction: passwords in any URL, secret
 * query parameters, and every secret the CLI has seen (from --db, DATABASE_URL, config URLs,
 * PGPASSWORD) are replaced by `***` before a byte leaves the process.
 */
export interface Io {
  out(text: string): void;
  /**
   * Writes text whose every value already went through `redact` (a report renderer that redacts
   * value by value, so a large report is not scanned again as a whole).
   */
  outRedacted(text: string | Uint8Array): void;
  err(text: string): void;
  /** Whether stdout is a terminal (progress bars, colour). */
  readonly isTTY: boolean;
  readonly stderrIsTTY: boolean;
  readonly env: NodeJS.ProcessEnv;
  /** Adds secrets to scrub from all later output. */
  addSecrets(secrets: Iterable<string>): void;
  /** Colours for stdout (off when NO_COLOR is set, --no-color is given, or stdout is not a TTY). */
  colors(): Colors;
  /** Whether stdout output should be coloured. */
  useColor(): boolean;
  setColor(enabled: boolean | undefined): void;
  /** Redacts a string with everything this Io knows. */
  redact(text: string): string;
}

export interface Sink {
  write(text: string | Uint8Array): unknown;
  isTTY?: boolean | undefined;
}

export function createIo(stdout: Sink, stderr: Sink, env: NodeJS.ProcessEnv): Io {
  const secrets = new Set<string>();
  for (const key of ['DATABASE_URL', 'PRODGUARD_TEST_DATABASE_URL']) {
    const value = env[key];
    if (value) for (const s of secretsOfUrl(value)) secrets.add(s);
  }
  if (env.PGPASSWORD) secrets.add(env.PGPASSWORD);
  let colorOverride: boolean | undefined;
  const redact = (text: string) => redactText(text, secrets);
  return {
    out: (text) => void stdout.write(redact(text)),
    outRedacted: (text) => void stdout.write(text),
    err: (text) => void stderr.write(redact(text)),
    isTTY: Boolean(stdout.isTTY),
    stderrIsTTY: Boolean(stderr.isTTY),
    env,
    addSecrets(more) {
      for (const s of more) if (s) secrets.add(s);
    },
    colors() {
      return createColors(this.useColor());
    },
    useColor() {
      return colorOverride ?? (Boolean(stdout.isTTY) && !('NO_COLOR' in env) && env.TERM !== 'dumb');
    },
    setColor(enabled) {
      colorOverride = enabled;
    },
    redact,
  };
}

/** An Io that collects output in memory (tests and the library API). */
export function memoryIo(env: NodeJS.ProcessEnv = {}): Io & { stdout(): string; stderr(): string } {
  let out = '';
  let err = '';
  const text = (t: string | Uint8Array): string => (typeof t === 'string' ? t : Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('utf8'));
  const io = createIo({ write: (t) => (out += text(t)) }, { write: (t) => (err += text(t)) }, env);
  return Object.assign(io, { stdout: () => out, stderr: () => err });
}
