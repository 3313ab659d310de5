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
  /** Colours for stdout (off when NO_COLOR is set and not empty, --no-color is given, or stdout is not a TTY). */
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
  /** A stream's `on`: when present, write errors are listened for (see {@link watchClosed}). */
  on?(event: 'error', listener: (error: Error) => void): unknown;
}

/** Sinks whose reader has gone (`prodguard lint ... | head`): nothing more is written to them. */
const closedSinks = new WeakSet<Sink>();
const watchedSinks = new WeakSet<Sink>();

/**
 * Listens for the sink's write errors once. A reader that closes the pipe early (`| head -c 10`)
 * is not a crash: the sink is marked closed, later writes are dropped and the command ends with
 * its own exit code. Without a listener the EPIPE is an unhandled 'error' event and a stack
 * trace. Other write errors (a full disk) stay errors.
 */
function watchClosed(sink: Sink): void {
  if (typeof sink.on !== 'function' || watchedSinks.has(sink)) return;
  watchedSinks.add(sink);
  sink.on('error', (error) => {
    // Writes made after the pipe broke fail too (ERR_STREAM_DESTROYED): one closing is enough.
    if (closedSinks.has(sink)) return;
    closedSinks.add(sink);
    if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
  });
}

/** Writes unless the sink's reader has gone (a stream destroys itself on EPIPE before it says so). */
function writeTo(sink: Sink, text: string | Uint8Array): void {
  if (closedSinks.has(sink) || (sink as { destroyed?: unknown }).destroyed === true) return;
  sink.write(text);
}

export function createIo(stdout: Sink, stderr: Sink, env: NodeJS.ProcessEnv): Io {
  watchClosed(stdout);
  watchClosed(stderr);
  const secrets = new Set<string>();
  for (const key of ['DATABASE_URL', 'PRODGUARD_TEST_DATABASE_URL']) {
    const value = env[key];
    if (value) for (const s of secretsOfUrl(value)) secrets.add(s);
  }
  if (env.PGPASSWORD) secrets.add(env.PGPASSWORD);
  let colorOverride: boolean | undefined;
  const redact = (text: string) => redactText(text, secrets);
  return {
    out: (text) => writeTo(stdout, redact(text)),
    outRedacted: (text) => writeTo(stdout, text),
    err: (text) => writeTo(stderr, redact(text)),
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
      // no-color.org: NO_COLOR disables colour when it is present and not an empty string.
      return colorOverride ?? (Boolean(stdout.isTTY) && !env.NO_COLOR && env.TERM !== 'dumb');
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
