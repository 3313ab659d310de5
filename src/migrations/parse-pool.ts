/**
 * Parses migration files in worker threads while the calling thread lints.
 *
 * Parsing (the WASM PostgreSQL parser) is about a third of a lint run; the rules must run on
 * one thread in file order (objects created by earlier files are new for later ones). So the
 * workers parse ahead and send back each file's parse tree as JSON text, the cheapest form to
 * move between threads, and the linting thread `JSON.parse`s it when it reaches the file. The
 * linting thread never loads the WASM parser.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RawParse } from './parse.js';
import type { ParseBatch, ParseReply } from './parse-worker.js';

export interface ParsePoolOptions {
  /** Worker threads; default: one less than the CPUs available (at least 1, at most 4). */
  workers?: number | undefined;
  /**
   * Characters of SQL to parse. Below PARALLEL_PARSE_MIN_CHARS no worker starts (the caller
   * parses in its own thread) unless `workers` or PRODGUARD_LINT_WORKERS asks for them.
   */
  inputChars?: number | undefined;
}

/**
 * Below this much SQL a worker costs more than it saves: starting a thread and its copy of the
 * parser takes longer than parsing ~1 MB with the Liftoff-compiled parser. Measured with
 * bench/lint.mjs corpora on 2 CPUs (load 6): 200 files (0.6 MB) 0.49 s in-process vs 0.55 s with
 * a worker (wall, min of 7), 0.69 vs 0.76 s CPU; 1000 files (3 MB) 2.58 vs 1.72 s wall.
 */
export const PARALLEL_PARSE_MIN_CHARS = 1_000_000;

interface Pending {
  resolve(results: RawParse[]): void;
  reject(error: Error): void;
}

/** Threads used when not told: the linting thread keeps one CPU. */
export function defaultParseWorkers(env: NodeJS.ProcessEnv = process.env): number {
  return configuredParseWorkers(env) ?? Math.max(1, Math.min(4, availableParallelism() - 1));
}

/** PRODGUARD_LINT_WORKERS when it is a valid count. */
function configuredParseWorkers(env: NodeJS.ProcessEnv): number | undefined {
  const configured = env['PRODGUARD_LINT_WORKERS'];
  if (configured === undefined || configured === '') return undefined;
  const count = Number(configured);
  return Number.isInteger(count) && count >= 0 ? Math.min(count, 16) : undefined;
}

export class ParsePool {
  private readonly workers: Worker[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private nextWorker = 0;
  private failure: Error | undefined;

  private constructor(workers: Worker[]) {
    this.workers = workers;
    for (const worker of workers) {
      // A pool must never keep the process alive on its own.
      worker.unref();
      worker.on('message', (reply: ParseReply) => this.settle(reply));
      worker.on('error', (error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error))));
      worker.on('exit', (code) => {
        if (this.pending.size > 0) this.fail(new Error(`a parse worker exited with code ${code}`));
      });
    }
  }

  /**
   * Starts the worker threads. Returns undefined when no worker is wanted (`workers: 0`, or
   * less input than PARALLEL_PARSE_MIN_CHARS) or the worker script is not
   * there (running from TypeScript sources): the caller then parses in its own thread.
   */
  static start(options: ParsePoolOptions = {}): ParsePool | undefined {
    const asked = options.workers ?? configuredParseWorkers(process.env);
    if (asked === undefined && options.inputChars !== undefined && options.inputChars < PARALLEL_PARSE_MIN_CHARS) return undefined;
    const count = asked ?? defaultParseWorkers();
    if (count <= 0) return undefined;
    const script = new URL('./parse-worker.js', import.meta.url);
    if (!existsSync(fileURLToPath(script))) return undefined;
    return new ParsePool(Array.from({ length: count }, () => new Worker(script)));
  }

  /** Number of worker threads. */
  get size(): number {
    return this.workers.length;
  }

  /** Parses a batch of inputs on the next worker, in order. */
  parse(inputs: { input: string; drizzle: boolean }[]): Promise<RawParse[]> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    const worker = this.workers[this.nextWorker++ % this.workers.length]!;
    return new Promise<RawParse[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, inputs } satisfies ParseBatch);
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private settle(reply: ParseReply): void {
    const pending = this.pending.get(reply.id);
    if (pending === undefined) return;
    this.pending.delete(reply.id);
    if ('error' in reply) pending.reject(new Error(`parse worker failed: ${reply.error}`));
    else pending.resolve(reply.results);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
  }
}
