/**
 * The streaming log scanner behind `prodguard scan-logs` and the verify `logs` check.
 *
 * Cost stays near a plain read of the bytes: each chunk is decoded as latin1 (one byte, one
 * character, so offsets are byte offsets), the detectors' triggers run over the whole chunk —
 * literals such as `.eyJ` or `@` with indexOf, the small regexes joined into two alternations
 * (word-led and digit-led) — and only a line a trigger hits is decoded as UTF-8 and given to
 * the detectors that triggered. Memory is constant: a chunk, the unfinished last line, and the findings.
 */
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { type DetectorId, type DetectorSwitches, selectDetectors } from '../redact/detectors.js';
import type { Detector } from '../redact/detectors.js';
import { type CompiledTrigger, findSecrets, maskedMatch, nextTrigger, triggeredDetectors } from '../redact/find.js';
import { type Allowlist, EMPTY_ALLOWLIST, isAllowed } from './allowlist.js';
import { timestampOfLine } from './timestamps.js';

export interface Finding {
  file: string;
  /** 1-based line number. */
  line: number;
  /** 1-based column (UTF-16 code units of the decoded line). */
  column: number;
  detector: DetectorId;
  /** The match with its secret masked: never the whole secret. */
  match: string;
}

export interface ScanSummary {
  files: number;
  bytes: number;
  findings: number;
  /** Lines read (inside the time window when `since` is given). */
  lines: number;
  /** Lines matching `match`, when given. */
  matches: number;
}

/** An input that could not be read (to the end): its findings up to the error are kept. */
export interface ScanError {
  file: string;
  message: string;
}

export interface ScanReport {
  findings: Finding[];
  summary: ScanSummary;
  errors: ScanError[];
}

export interface ScanOptions {
  /** Per-detector switches on top of the defaults. */
  detectors?: DetectorSwitches;
  /** Look for PII and secrets (default true); false only counts `match` lines. */
  pii?: boolean;
  allow?: Allowlist;
  /** Only lines at or after this time (epoch ms); a line without a timestamp takes its predecessor's. */
  since?: number | undefined;
  /** Count the lines matching this pattern (`[MATCHES]` of the verify logs check). */
  match?: RegExp | undefined;
  /** Stop collecting (still counting) after this many findings. Default 10,000. */
  maxFindings?: number;
  /** Stops the scan between chunks (the verify logs check's timeout). */
  signal?: AbortSignal | undefined;
}

export interface ScanInput {
  /** Path shown in findings (`-` for stdin). */
  name: string;
  /** A file path to open, or a readable stream (stdin). */
  source: string | Readable;
}

const CHUNK_SIZE = 1 << 20;
/** A "line" longer than this is scanned in pieces so memory stays bounded. */
const MAX_CARRY = 16 << 20;

/**
 * Scans files and streams for PII and secrets (and optionally counts pattern matches).
 * Gzip input — a file or stdin, recognised by its magic bytes — is decompressed while streaming.
 * Never throws for an input it cannot read (missing, truncated or corrupt gzip): the input is
 * listed in `errors` and the findings read before the error are kept.
 */
export async function scanLogs(inputs: readonly ScanInput[], options: ScanOptions = {}): Promise<ScanReport> {
  const scanner = new LineScanner(options);
  for (const input of inputs) {
    if (options.signal?.aborted) break;
    if (options.allow && isAllowed(options.allow, { file: input.name })) continue;
    try {
      const raw = typeof input.source === 'string' ? createReadStream(input.source, { highWaterMark: CHUNK_SIZE }) : input.source;
      await scanner.scanStream(input.name, gunzipIfGzip(raw), options.signal);
    } catch (error) {
      scanner.addError(input.name, error);
    }
  }
  return scanner.report();
}

/** The stream's bytes, decompressed when they start with the gzip magic bytes (1f 8b). */
async function* gunzipIfGzip(stream: Readable): AsyncGenerator<Buffer> {
  const chunks = (stream as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const first = await chunks.next();
  if (first.done) return;
  let head = toBuffer(first.value);
  // A stream may hand over a single byte first: wait for two.
  while (head.length < 2) {
    const next = await chunks.next();
    if (next.done) break;
    head = Buffer.concat([head, toBuffer(next.value)]);
  }
  const rest = (async function* () {
    yield head;
    for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield toBuffer(next.value);
  })();
  if (!(head[0] === 0x1f && head[1] === 0x8b)) {
    yield* rest;
    return;
  }
  const gunzip = createGunzip({ chunkSize: CHUNK_SIZE });
  const source = Readable.from(rest);
  source.on('error', (error) => gunzip.destroy(error));
  source.pipe(gunzip);
  for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
}

function toBuffer(chunk: Buffer | string): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
}

class LineScanner {
  private readonly detectors: Detector[];
  /** Each distinct trigger once, with the indexes of the detectors it stands for (email and url-password share `@`). */
  private readonly triggers: { trigger: CompiledTrigger; detectors: number[] }[] = [];
  private readonly allow: Allowlist;
  private readonly maxFindings: number;
  private readonly findings: Finding[] = [];
  private readonly summary: ScanSummary = { files: 0, bytes: 0, findings: 0, lines: 0, matches: 0 };
  private readonly errors: ScanError[] = [];
  private readonly perLine: boolean;

  constructor(private readonly options: ScanOptions) {
    this.detectors = options.pii === false ? [] : selectDetectors(options.detectors);
    const byKey = new Map<string, { trigger: CompiledTrigger; detectors: number[] }>();
    const joined = new Map<string, { sources: string[]; detectors: number[] }>();
    this.detectors.forEach((detector, index) => {
      for (const trigger of detector.triggers) {
        if (typeof trigger !== 'string') {
          // A hit of a joined regex runs every detector that has a part in it: hits are rare,
          // and telling the alternatives apart would cost on every position.
          const group = joined.get(trigger.group ?? 'words') ?? { sources: [], detectors: [] };
          group.sources.push(trigger.regex);
          if (!group.detectors.includes(index)) group.detectors.push(index);
          joined.set(trigger.group ?? 'words', group);
          continue;
        }
        const entry = byKey.get(trigger) ?? { trigger, detectors: [] };
        entry.detectors.push(index);
        byKey.set(trigger, entry);
      }
    });
    for (const [name, group] of joined) {
      const trigger = new RegExp(group.sources.map((source) => `(?:${source})`).join('|'), 'g');
      byKey.set(`joined:${name}`, { trigger, detectors: group.detectors });
    }
    this.triggers = [...byKey.values()];
    this.allow = options.allow ?? EMPTY_ALLOWLIST;
    this.maxFindings = options.maxFindings ?? 10_000;
    // A time window or a match count needs every line; the plain scan only the lines a trigger hits.
    this.perLine = options.since !== undefined || options.match !== undefined;
  }

  addError(file: string, error: unknown): void {
    const code = (error as { code?: unknown } | null)?.code;
    const message = error instanceof Error ? error.message : String(error);
    this.errors.push({ file, message: code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR' ? `not valid gzip (${message})` : message });
  }

  async scanStream(file: string, stream: AsyncIterable<Buffer | string>, signal?: AbortSignal): Promise<void> {
    this.summary.files++;
    const state: FileState = { file, line: 1, lastTime: undefined };
    // The unfinished last line of the previous chunk. Only it is copied: the rest of a chunk is
    // scanned in place.
    let carry: Buffer | undefined;
    try {
      for await (const chunk of stream) {
        signal?.throwIfAborted();
        const bytes = toBuffer(chunk);
        this.summary.bytes += bytes.length;
        const lastNewline = bytes.lastIndexOf(10);
        if (lastNewline < 0) {
          carry = carry ? Buffer.concat([carry, bytes]) : Buffer.from(bytes);
          if (carry.length >= MAX_CARRY) {
            // A piece of a longer line: its rest comes with the next region, on the same line.
            this.scanRegion(carry, state, true);
            carry = undefined;
          }
          continue;
        }
        let start = 0;
        if (carry) {
          const firstNewline = bytes.indexOf(10);
          const head = Buffer.concat([carry, bytes.subarray(0, firstNewline + 1)]);
          this.scanRegion(head, state);
          start = firstNewline + 1;
        }
        // The rest of the chunk in slices of whole lines, yielding between them: the scan is
        // CPU-bound, and timers and other checks (an HTTP response being timed) must still run.
        while (start < lastNewline + 1) {
          const end = sliceEnd(bytes, start, lastNewline + 1);
          this.scanRegion(bytes.subarray(start, end), state);
          start = end;
          await new Promise((resolve) => setImmediate(resolve));
        }
        carry = lastNewline + 1 < bytes.length ? Buffer.from(bytes.subarray(lastNewline + 1)) : undefined;
      }
    } finally {
      // Also after a read error: the last line read so far is scanned too.
      if (carry && carry.length > 0) this.scanRegion(carry, state);
    }
  }

  report(): ScanReport {
    return { findings: this.findings, summary: { ...this.summary }, errors: this.errors };
  }

  /**
   * Scans `buffer`, which ends at a line boundary or the end of the input — or, with `midLine`,
   * inside a line longer than MAX_CARRY, whose rest the next region starts with (that line is
   * counted once, by the region that ends it).
   */
  private scanRegion(buffer: Buffer, state: FileState, midLine = false): void {
    const text = buffer.toString('latin1');
    if (this.perLine) this.scanEveryLine(buffer, text, state, midLine);
    else this.scanTriggeredLines(buffer, text, state, midLine);
  }

  private scanTriggeredLines(buffer: Buffer, text: string, state: FileState, midLine: boolean): void {
    // Pairs of (line start, detector index), found detector by detector, then visited in line order.
    const hits: number[] = [];
    for (const { trigger, detectors } of this.triggers) {
      let at = nextTrigger(text, trigger, 0);
      while (at >= 0) {
        const lineStart = text.lastIndexOf('\n', at - 1) + 1;
        for (const index of detectors) hits.push(lineStart, index);
        const lineEnd = text.indexOf('\n', at);
        if (lineEnd < 0) break;
        at = nextTrigger(text, trigger, lineEnd + 1);
      }
    }
    const order: number[] = [];
    for (let i = 0; i < hits.length; i += 2) order.push(i);
    order.sort((a, b) => (hits[a]! - hits[b]!) || (hits[a + 1]! - hits[b + 1]!));
    const firstLine = state.line;
    let counted = 0;
    for (let k = 0; k < order.length; ) {
      const lineStart = hits[order[k]!]!;
      const triggered: Detector[] = [];
      while (k < order.length && hits[order[k]!] === lineStart) {
        const detector = this.detectors[hits[order[k]! + 1]!]!;
        if (triggered[triggered.length - 1] !== detector) triggered.push(detector);
        k++;
      }
      let lineEnd = text.indexOf('\n', lineStart);
      if (lineEnd < 0) lineEnd = text.length;
      state.line += countNewlines(text, counted, lineStart);
      counted = lineStart;
      this.detect(buffer.toString('utf8', lineStart, lineEnd), state, triggered);
    }
    const lines = state.line - firstLine + countNewlines(text, counted, text.length);
    state.line = firstLine + lines;
    this.summary.lines += lines + (text.endsWith('\n') || midLine ? 0 : 1);
  }

  private scanEveryLine(buffer: Buffer, text: string, state: FileState, midLine: boolean): void {
    const { since, match } = this.options;
    let start = 0;
    while (start < text.length) {
      let lineEnd = text.indexOf('\n', start);
      if (lineEnd < 0) lineEnd = text.length;
      const raw = text.slice(start, lineEnd);
      const time = timestampOfLine(raw);
      if (time !== undefined) state.lastTime = time;
      const inWindow = since === undefined || state.lastTime === undefined || state.lastTime >= since;
      // The unfinished piece of a long line: counted (and its number advanced) with its end.
      const piece = midLine && lineEnd === text.length;
      if (inWindow) {
        if (!piece) this.summary.lines++;
        const line = buffer.toString('utf8', start, lineEnd);
        if (match) {
          match.lastIndex = 0;
          if (match.test(line)) this.summary.matches++;
        }
        const triggered = triggeredDetectors(raw, this.detectors);
        if (triggered.length > 0) this.detect(line, state, triggered);
      }
      if (!piece) state.line++;
      start = lineEnd + 1;
    }
  }

  private detect(line: string, state: FileState, detectors: readonly Detector[]): void {
    for (const m of findSecrets(line, detectors)) {
      const secret = line.slice(m.secretStart, m.secretEnd);
      const whole = line.slice(m.start, m.end);
      if (isAllowed(this.allow, { file: state.file, value: secret, match: whole })) continue;
      this.summary.findings++;
      if (this.findings.length >= this.maxFindings) continue;
      this.findings.push({
        file: state.file,
        line: state.line,
        column: m.start + 1,
        detector: m.detector,
        match: maskedMatch(line, m),
      });
    }
  }
}

interface FileState {
  file: string;
  line: number;
  lastTime: number | undefined;
}

/** Bytes scanned between two yields to the event loop. */
const SLICE_SIZE = 256 << 10;

/** The end of the slice starting at `start`: at most SLICE_SIZE on, after a newline (or `limit`, which follows one). */
function sliceEnd(bytes: Buffer, start: number, limit: number): number {
  if (limit - start <= SLICE_SIZE) return limit;
  const newline = bytes.lastIndexOf(10, start + SLICE_SIZE - 1);
  if (newline >= start) return newline + 1;
  // One line longer than a slice: it goes whole.
  return bytes.indexOf(10, start + SLICE_SIZE) + 1;
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  let at = text.indexOf('\n', from);
  while (at >= 0 && at < to) {
    n++;
    at = text.indexOf('\n', at + 1);
  }
  return n;
}
