/**
 * Worker-thread entry of the parse pool: runs the WASM parser over the inputs it is sent and
 * posts back the raw answers (parse trees as JSON text). See parse-pool.ts.
 */
import { parentPort } from 'node:worker_threads';
import { parseRaw, type RawParse } from './parse.js';
import { loadPgWasm } from './pg-wasm.js';

export interface ParseBatch {
  id: number;
  inputs: { input: string; drizzle: boolean }[];
}

export type ParseReply = { id: number; results: RawParse[] } | { id: number; error: string };

const port = parentPort;
if (port === null) throw new Error('parse-worker.js runs as a worker thread only');
const parser = loadPgWasm();

port.on('message', (batch: ParseBatch) => {
  parser.then(
    (wasm) => {
      let reply: ParseReply;
      try {
        reply = { id: batch.id, results: batch.inputs.map(({ input, drizzle }) => parseRaw(wasm, input, drizzle)) };
      } catch (error) {
        reply = { id: batch.id, error: error instanceof Error ? (error.stack ?? error.message) : String(error) };
      }
      port.postMessage(reply);
    },
    (error: unknown) => port.postMessage({ id: batch.id, error: String(error) } satisfies ParseReply),
  );
});
