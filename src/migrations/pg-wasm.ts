/**
 * A thin binding to libpg-query's WASM build that returns the parser's JSON as text.
 *
 * libpg-query's `parseSync` decodes the parser's JSON and `JSON.parse`s it in one call. The lint
 * engine parses in worker threads and must hand the tree to the main thread: a JSON string is the
 * cheapest form to send (V8's structured clone of the tree costs twice a `JSON.parse` of it), so
 * the worker should not build the object at all. This module calls the same C entry points as
 * `parseSync` / `scanSync` (`wasm_parse_query_raw`, `wasm_scan`) on libpg-query's own WASM
 * module and reads the same result structs; test/migrations/pg-wasm.test.ts checks that the
 * answers equal libpg-query's for a corpus of statements and errors, so an upgrade of libpg-query
 * that changes its internals fails a test instead of changing lint results.
 *
 * Strings are copied with TextEncoder.encodeInto / TextDecoder (native) instead of the
 * emscripten JS loops, and the terminating NUL is found with `Uint8Array.indexOf`.
 */
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';

interface EmscriptenModule {
  HEAPU8: Uint8Array;
  _malloc(size: number): number;
  _free(ptr: number): void;
  _wasm_parse_query_raw(queryPtr: number): number;
  _wasm_free_parse_result(resultPtr: number): void;
  _wasm_scan(queryPtr: number): number;
  _wasm_free_string(ptr: number): void;
}

type ModuleFactory = (moduleArg?: Record<string, unknown>) => Promise<EmscriptenModule>;

/** The parser's answer for one text: its JSON parse tree, or the error it raised. */
export type ParseJsonResult =
  | { json: string; error?: undefined }
  | { json?: undefined; error: { message: string; cursor: number | undefined } };

export interface PgWasm {
  /** `parseSync(text)` as JSON text; never throws for bad SQL. */
  parseJson(text: string): ParseJsonResult;
  /** `scanSync(text)` (the scanner's tokens); throws on text the scanner rejects. */
  scan(text: string): { tokens: ScanToken[] };
}

export interface ScanToken {
  start: number;
  end: number;
  text: string;
  tokenName: string;
  keywordKind: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

let loading: Promise<PgWasm> | undefined;

/** Instantiates libpg-query's WASM module once per thread. */
export function loadPgWasm(): Promise<PgWasm> {
  loading ??= instantiate();
  return loading;
}

async function instantiate(): Promise<PgWasm> {
  const require = createRequire(import.meta.url);
  const factory = require('libpg-query/wasm/libpg-query.js') as ModuleFactory;
  const module = await compiledWithLiftoffOnly(factory);
  return bind(module);
}

/**
 * Instantiates the parser with V8's baseline WASM compiler only (Liftoff), never tiering up.
 *
 * By default V8 recompiles hot WASM functions with TurboFan on a background thread. The
 * parser's hot functions are huge (the grammar's state machine): on the first statement V8
 * spends ~250 ms of CPU compiling them, more than Liftoff code loses on parsing 9 MB of SQL
 * (measured, one thread parsing the bench corpus: 1 file 45 vs 315 ms CPU, 200 files 80 vs
 * 350 ms, 3000 files 630 vs 940 ms). V8 flags are process-wide, so the flag is on only while
 * the factory call starts this module's compile, and left alone when the user set a Liftoff
 * flag for node.
 */
async function compiledWithLiftoffOnly(factory: ModuleFactory): Promise<EmscriptenModule> {
  const userSet = [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].some((arg) => arg.includes('liftoff'));
  if (userSet) return factory();
  setFlagsFromString('--liftoff-only');
  let compiling: Promise<EmscriptenModule>;
  try {
    // The factory starts WebAssembly.instantiate synchronously, and V8 fixes the module's
    // tiering then: the flag can be turned off before the compile finishes, so no other code
    // of the process (PGlite's WASM, say) ever compiles under it.
    compiling = factory();
  } finally {
    setFlagsFromString('--no-liftoff-only');
  }
  return compiling;
}

function bind(module: EmscriptenModule): PgWasm {
  const toPtr = (text: string): number => {
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const capacity = text.length * 3 + 1;
    const ptr = module._malloc(capacity);
    if (ptr === 0) throw new Error('Failed to parse query: memory allocation failed');
    const { written } = encoder.encodeInto(text, module.HEAPU8.subarray(ptr, ptr + capacity - 1));
    module.HEAPU8[ptr + written] = 0;
    return ptr;
  };
  // HEAPU8 is replaced when the WASM memory grows: read it after every call into the module.
  const readString = (ptr: number): string => {
    const heap = module.HEAPU8;
    const end = heap.indexOf(0, ptr);
    return decoder.decode(heap.subarray(ptr, end === -1 ? heap.length : end));
  };
  const readI32 = (ptr: number): number => {
    const heap = module.HEAPU8;
    return (heap[ptr]! | (heap[ptr + 1]! << 8) | (heap[ptr + 2]! << 16) | (heap[ptr + 3]! << 24)) | 0;
  };

  return {
    parseJson(text: string): ParseJsonResult {
      const queryPtr = toPtr(text);
      let resultPtr = 0;
      try {
        resultPtr = module._wasm_parse_query_raw(queryPtr);
        if (!resultPtr) return { error: { message: 'Failed to parse query: memory allocation failed', cursor: undefined } };
        // struct PgQueryParseResult { char *parse_tree; char *stderr_buffer; PgQueryError *error; }
        const treePtr = readI32(resultPtr);
        const errorPtr = readI32(resultPtr + 8);
        if (errorPtr) {
          // struct PgQueryError { char *message; char *funcname; char *filename; int lineno; int cursorpos; ... }
          const messagePtr = readI32(errorPtr);
          const cursorpos = readI32(errorPtr + 16);
          const message = messagePtr ? readString(messagePtr) : 'Unknown error';
          // libpg-query reports the 1-based cursorpos as 0-based (0 when unknown).
          return { error: { message, cursor: cursorpos > 0 ? cursorpos - 1 : 0 } };
        }
        if (!treePtr) return { error: { message: 'No parse tree generated', cursor: undefined } };
        return { json: readString(treePtr) };
      } finally {
        module._free(queryPtr);
        if (resultPtr) module._wasm_free_parse_result(resultPtr);
      }
    },
    scan(text: string): { tokens: ScanToken[] } {
      const queryPtr = toPtr(text);
      let resultPtr = 0;
      try {
        resultPtr = module._wasm_scan(queryPtr);
        const result = readString(resultPtr);
        if (result.startsWith('syntax error') || result.startsWith('deparse error') || result.startsWith('ERROR')) {
          throw new Error(result);
        }
        return JSON.parse(result) as { tokens: ScanToken[] };
      } finally {
        module._free(queryPtr);
        if (resultPtr) module._wasm_free_string(resultPtr);
      }
    },
  };
}
