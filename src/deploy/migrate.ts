/**
 * The migrate phase's runners: the team's own migrate command (the normal case) and an
 * in-process applier for the embedded database, which no other process can reach (the demo).
 */
import { spawn } from 'node:child_process';
import type { Db } from '../db/types.js';
import { isProdguardError, MissingBinaryError } from '../errors.js';
import type { MigrationFile } from '../migrations/types.js';

export interface MigrateResult {
  exitCode: number | null;
  signal: string | null;
  /** The last lines of output, for the report. */
  outputTail: string[];
}

export interface Migrator {
  /** What runs, for the report (e.g. the argv). Must hold no secret beyond what redaction removes. */
  readonly command: string[];
  /** Runs the migrations; `onOutput` receives the output as it comes. Resolves with the exit code. */
  run(pending: readonly MigrationFile[], onOutput: (text: string) => void): Promise<MigrateResult>;
}

const TAIL_LINES = 40;

/** Keeps the last `TAIL_LINES` lines of a stream of text. */
class Tail {
  private lines: string[] = [];
  private partial = '';
  push(text: string): void {
    const parts = (this.partial + text).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > TAIL_LINES) this.lines = this.lines.slice(-TAIL_LINES);
  }
  done(): string[] {
    const all = this.partial ? [...this.lines, this.partial] : this.lines;
    return all.slice(-TAIL_LINES);
  }
}

export interface CommandMigratorOptions {
  /** The target's URL, given to the command as DATABASE_URL. */
  databaseUrl: string;
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs `argv` (no shell: `-- sh -c '...'` when one is wanted) with `DATABASE_URL` set to the
 * target, streaming stdout and stderr. The exit code is the phase's result.
 *
 * @throws MissingBinaryError when the program does not exist.
 */
export function commandMigrator(argv: readonly string[], options: CommandMigratorOptions): Migrator {
  const [program, ...args] = argv;
  if (!program) throw new Error('commandMigrator needs a command');
  return {
    command: [...argv],
    run(_pending, onOutput) {
      return new Promise((resolve, reject) => {
        const tail = new Tail();
        // Its own process group, so a signal to prodguard reaches the whole tool (npx → node → …).
        const child = spawn(program, args, {
          cwd: options.cwd,
          env: { ...(options.env ?? process.env), DATABASE_URL: options.databaseUrl },
          stdio: ['ignore', 'pipe', 'pipe'],
          detached: true,
        });
        // Whole lines only: a secret split across two chunks is redacted as one line, and the
        // caller's prefix lands at line starts. One buffer per stream so they never mix mid-line.
        const lines = (chunk: string, buffer: { partial: string }) => {
          const text = buffer.partial + chunk;
          const end = text.lastIndexOf('\n');
          buffer.partial = end < 0 ? text : text.slice(end + 1);
          if (end >= 0) emit(text.slice(0, end + 1));
        };
        const emit = (text: string) => {
          tail.push(text);
          onOutput(text);
        };
        const out = { partial: '' };
        const err = { partial: '' };
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => lines(chunk, out));
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => lines(chunk, err));
        let forwarded: NodeJS.Signals | null = null;
        const forward = (signal: NodeJS.Signals) => {
          forwarded = signal;
          try {
            if (child.pid !== undefined) process.kill(-child.pid, signal);
          } catch {
            // The group is gone already: the close event follows.
          }
        };
        const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
        for (const signal of signals) process.on(signal, forward);
        const stopForwarding = () => {
          for (const signal of signals) process.off(signal, forward);
        };
        child.on('error', (error: NodeJS.ErrnoException) => {
          stopForwarding();
          if (error.code === 'ENOENT') {
            reject(new MissingBinaryError(program, `migrate command "${program}" was not found`, { hint: 'check the command after --, e.g. -- npx prisma migrate deploy' }));
          } else {
            reject(error);
          }
        });
        child.on('close', (code, signal) => {
          stopForwarding();
          for (const buffer of [out, err]) {
            if (buffer.partial) emit(`${buffer.partial}\n`);
            buffer.partial = '';
          }
          // A tool that traps the forwarded signal and exits with a code still failed because of it.
          const cause = signal ?? (forwarded && code !== 0 ? forwarded : null);
          resolve({ exitCode: signal ? null : code, signal: cause, outputTail: tail.done() });
        });
      });
    },
  };
}

/**
 * Applies each pending file's up part in-process, one transaction per file unless the file runs
 * without one (as its tool would). Stops at the first failing file with exit code 1, printing the
 * server's message as a migrate tool would. For databases no other process can reach (PGlite).
 */
export function inProcessMigrator(db: Db): Migrator {
  return {
    command: ['prodguard (in-process: applies the pending files on the embedded database)'],
    async run(pending, onOutput) {
      const tail = new Tail();
      const say = (text: string) => {
        tail.push(text);
        onOutput(text);
      };
      for (const file of pending) {
        say(`applying ${file.path}\n`);
        try {
          if (file.transaction === 'per-file') await db.transaction((tx) => tx.exec(file.upText));
          else await db.exec(file.upText);
        } catch (error) {
          say(`error: ${file.path}: ${isProdguardError(error) || error instanceof Error ? error.message : String(error)}\n`);
          return { exitCode: 1, signal: null, outputTail: tail.done() };
        }
      }
      say(`applied ${pending.length} migration${pending.length === 1 ? '' : 's'}\n`);
      return { exitCode: 0, signal: null, outputTail: tail.done() };
    },
  };
}
