/**
 * Splits and parses migration text with the real PostgreSQL parser (libpg-query, WASM).
 *
 * Each file's up text is parsed once. When the whole text does not parse, it is split into
 * statements at top-level `;` (with the scanner's tokens, so dollar-quoted bodies and strings
 * stay whole) and each piece is parsed on its own: a bad statement becomes one ParsedStatement
 * with `syntaxError` and the rest of the file is still linted.
 */
import { loadPgWasm, type PgWasm, type ScanToken } from './pg-wasm.js';
import { ByteOffsets, LineIndex, codePointsToChars } from './positions.js';
import { blockCommentEnd, hasPlaceholderInCode, substitutePlaceholders, type Substitution } from './templates.js';
import type { MigrationFile, ParsedFile, ParsedStatement, PgNode } from './types.js';

let loading: Promise<PgWasm> | undefined;
let wasm: PgWasm | undefined;

/** Loads the WASM parser once; `parseMigration` needs it awaited first. */
export async function ensureParser(): Promise<void> {
  loading ??= loadPgWasm().then((loaded) => (wasm = loaded));
  await loading;
}

export interface ParseOptions {
  /** Values for `{{ key }}` / `${key}` placeholders (config `lint.templateValues`). */
  templateValues?: Record<string, string> | undefined;
}

/** A parsed file plus what is needed to turn parser locations into positions of the real file. */
export interface ParsedMigration extends ParsedFile {
  lines: LineIndex;
  /**
   * Character offset in `file.text` of a libpg-query byte `location` found in the node of
   * statement `index` (locations are relative to that statement's parse input).
   */
  offsetOfLocation(index: number, location: number): number;
}

interface RawStmt {
  stmt?: PgNode;
  stmt_location?: number;
  stmt_len?: number;
}

interface Piece {
  startChar: number;
  endChar: number;
  /** Byte offset of `startChar` in the parse input. */
  startByte: number;
}

/** A piece of a file that did not parse as a whole: its parse tree (JSON) or its error. */
export interface RawPiece extends Piece {
  json?: string | undefined;
  error?: { message: string; cursor: number | undefined } | undefined;
}

/**
 * What the WASM parser says about one parse input (a file's up text after placeholder
 * substitution). Plain data, so a worker thread can compute it and post it back: the parse
 * trees stay JSON text until the thread that lints them parses them.
 */
export type RawParse =
  | { kind: 'blank' }
  | { kind: 'whole'; json: string }
  | { kind: 'pieces'; pieces: RawPiece[] };

const BREAKPOINT = '--> statement-breakpoint';

function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 13 || code === 9 || code === 12 || code === 11;
}

function firstKey(node: PgNode): string {
  for (const key in node) return key;
  return 'Unknown';
}

/**
 * Runs the WASM parser over a parse input: the whole text at once, or, when that fails, each
 * statement piece on its own (split at top-level `;` and Drizzle breakpoints).
 */
export function parseRaw(parser: PgWasm, input: string, drizzle: boolean): RawParse {
  if (!/\S/.test(input)) return { kind: 'blank' };
  const whole = parser.parseJson(input);
  if (whole.json !== undefined) return { kind: 'whole', json: whole.json };
  const pieces: RawPiece[] = [];
  for (const piece of splitPieces(parser, input, new ByteOffsets(input), drizzle)) {
    const result = parser.parseJson(input.slice(piece.startChar, piece.endChar));
    pieces.push(result.json !== undefined ? { ...piece, json: result.json } : { ...piece, error: result.error });
  }
  return { kind: 'pieces', pieces };
}

/** The parse input of a file: its up text with configured placeholder values filled in. */
export function parseInput(file: MigrationFile, options: ParseOptions = {}): Substitution {
  return substitutePlaceholders(file.upText, options.templateValues);
}

/**
 * Parses the up text of a migration file.
 *
 * Never throws for bad SQL: statements that do not parse carry `syntaxError` (and `templated`
 * when they hold unsubstituted placeholders). `ensureParser()` must have resolved before.
 */
export function parseMigration(file: MigrationFile, options: ParseOptions = {}): ParsedMigration {
  if (wasm === undefined) throw new Error('the SQL parser is not loaded: await ensureParser() first');
  const substitution = parseInput(file, options);
  return assembleMigration(file, substitution, parseRaw(wasm, substitution.text, file.layout === 'drizzle'));
}

/** Builds the parsed file from the parser's raw answer for `substitution.text`. */
export function assembleMigration(file: MigrationFile, substitution: Substitution, raw: RawParse): ParsedMigration {
  const lines = new LineIndex(file.text);
  const input = substitution.text;
  const bytes = new ByteOffsets(input);
  const upOffset = file.upOffset;
  const toFile = (inputChar: number): number => substitution.toOriginal(inputChar) + upOffset;

  const statements: ParsedStatement[] = [];
  const baseBytes: number[] = [];
  let previousEnd = upOffset;

  const push = (
    startChar: number,
    endChar: number,
    baseByte: number,
    node: PgNode | undefined,
    failure?: { message: string; at: number; templated: boolean },
  ): void => {
    while (endChar > startChar && isSpace(input.charCodeAt(endChar - 1))) endChar--;
    const startOffset = toFile(startChar);
    const endOffset = toFile(endChar);
    const statement: ParsedStatement = {
      index: statements.length,
      kind: node === undefined ? 'Unparsed' : firstKey(node),
      node,
      sql: file.text.slice(startOffset, endOffset),
      span: lines.span(startOffset, endOffset),
      leadingComments: leadingComments(lines, startOffset, previousEnd),
    };
    if (failure !== undefined) {
      statement.syntaxError = { message: failure.message, position: lines.position(toFile(failure.at)) };
      if (failure.templated) statement.templated = true;
    }
    statements.push(statement);
    baseBytes.push(baseByte);
    previousEnd = endOffset;
  };

  if (raw.kind === 'whole') {
    const raws = (JSON.parse(raw.json) as { stmts?: RawStmt[] }).stmts ?? [];
    const inputBytes = bytes.byteLength;
    for (const stmt of raws) {
      const startByte = stmt.stmt_location ?? 0;
      const endByte = stmt.stmt_len ? startByte + stmt.stmt_len : inputBytes;
      let endChar = bytes.toChar(endByte);
      if (!stmt.stmt_len) endChar = trimTrailingComments(input, bytes.toChar(startByte), endChar);
      push(bytes.toChar(startByte), endChar, 0, stmt.stmt);
    }
  } else if (raw.kind === 'pieces') {
    for (const piece of raw.pieces) {
      const text = input.slice(piece.startChar, piece.endChar);
      if (piece.json !== undefined) {
        const pieceRaws = (JSON.parse(piece.json) as { stmts?: RawStmt[] }).stmts ?? [];
        const pieceBytes = new ByteOffsets(text);
        for (const stmt of pieceRaws) {
          const startByte = stmt.stmt_location ?? 0;
          const endByte = stmt.stmt_len ? startByte + stmt.stmt_len : pieceBytes.byteLength;
          push(
            piece.startChar + pieceBytes.toChar(startByte),
            piece.startChar + pieceBytes.toChar(endByte),
            piece.startByte,
            stmt.stmt,
          );
        }
      } else {
        const message = piece.error?.message ?? 'syntax error';
        const cursor = piece.error?.cursor;
        const at = piece.startChar + (cursor === undefined ? 0 : codePointsToChars(text, cursor));
        push(piece.startChar, piece.endChar, piece.startByte, undefined, {
          message,
          at: Math.min(at, piece.endChar),
          // A placeholder inside a literal or a comment is not why the statement failed.
          templated: hasPlaceholderInCode(text),
        });
      }
    }
  }

  return {
    file,
    statements,
    lines,
    offsetOfLocation(index: number, location: number): number {
      const base = baseBytes[index] ?? 0;
      return toFile(bytes.toChar(base + Math.max(0, location)));
    },
  };
}

/** Removes comment-only lines (and whitespace) from the end of the last statement of a text. */
function trimTrailingComments(input: string, startChar: number, endChar: number): number {
  for (;;) {
    while (endChar > startChar && isSpace(input.charCodeAt(endChar - 1))) endChar--;
    const lineStart = input.lastIndexOf('\n', endChar - 1) + 1;
    if (lineStart <= startChar) return endChar;
    let first = lineStart;
    while (first < endChar && isSpace(input.charCodeAt(first))) first++;
    if (input.startsWith('--', first)) endChar = lineStart;
    else return endChar;
  }
}

/**
 * Comment lines (`-- ...`) directly above the statement that starts at `startOffset`, top down,
 * stopping at a blank line, a code line or the end of the previous statement.
 */
function leadingComments(lines: LineIndex, startOffset: number, previousEnd: number): { line: number; text: string }[] {
  const found: { line: number; text: string }[] = [];
  const text = lines.text;
  let line = lines.lineOf(startOffset) - 1;
  while (line >= 0) {
    const start = lines.lineStart(line);
    if (start < previousEnd) break;
    const content = text.slice(start, lines.lineEnd(line)).trim();
    if (!content.startsWith('--')) break;
    found.push({ line: line + 1, text: content });
    line--;
  }
  return found.reverse();
}

/** Splits text into statement pieces at top-level semicolons (and Drizzle breakpoints). */
function splitPieces(parser: PgWasm, input: string, bytes: ByteOffsets, drizzle: boolean): Piece[] {
  let tokens: ScanToken[];
  try {
    tokens = parser.scan(input).tokens;
  } catch {
    // The scanner fails on unterminated strings, comments and dollar quotes; split by hand.
    return splitByHand(input, drizzle);
  }
  const pieces: Piece[] = [];
  let pieceStart = -1;
  let lastEnd = -1;
  let routine = 0; // 0 = unknown yet, 1 = CREATE FUNCTION/PROCEDURE, 2 = other
  let wordsSeen = 0;
  let atomicDepth = 0;
  const close = (): void => {
    if (pieceStart !== -1) {
      pieces.push({ startChar: bytes.toChar(pieceStart), endChar: bytes.toChar(lastEnd), startByte: pieceStart });
    }
    pieceStart = -1;
    routine = 0;
    wordsSeen = 0;
    atomicDepth = 0;
  };
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const name = token.tokenName;
    if (name === 'SQL_COMMENT' || name === 'C_COMMENT') {
      if (drizzle && atomicDepth === 0 && token.text.startsWith(BREAKPOINT)) close();
      continue;
    }
    if (token.text === ';' && atomicDepth === 0) {
      close();
      continue;
    }
    if (pieceStart === -1) pieceStart = token.start;
    lastEnd = token.end;
    if (token.keywordKind === 0 && name !== 'IDENT') continue;
    const word = token.text.toUpperCase();
    if (routine === 0) {
      wordsSeen++;
      if (word === 'FUNCTION' || word === 'PROCEDURE') routine = 1;
      else if (wordsSeen === 1 ? word !== 'CREATE' : word !== 'OR' && word !== 'REPLACE') routine = 2;
      continue;
    }
    if (routine !== 1) continue;
    if (word === 'BEGIN' && tokens[i + 1]?.text.toUpperCase() === 'ATOMIC') atomicDepth++;
    else if (word === 'CASE' && atomicDepth > 0) atomicDepth++;
    else if (word === 'END' && atomicDepth > 0) atomicDepth--;
  }
  close();
  return pieces;
}

/**
 * Character-level splitter for text the scanner rejects; an unterminated literal or comment runs
 * to the end, in the piece it starts or continues.
 */
function splitByHand(input: string, drizzle: boolean): Piece[] {
  const pieces: Piece[] = [];
  const length = input.length;
  let pieceStart = -1;
  let lastEnd = -1;
  const close = (): void => {
    if (pieceStart !== -1) {
      pieces.push({
        startChar: pieceStart,
        endChar: lastEnd,
        startByte: Buffer.byteLength(input.slice(0, pieceStart), 'utf8'),
      });
    }
    pieceStart = -1;
  };
  let i = 0;
  while (i < length) {
    const c = input[i]!;
    if (isSpace(input.charCodeAt(i))) {
      i++;
      continue;
    }
    if (c === '-' && input[i + 1] === '-') {
      const end = input.indexOf('\n', i);
      if (drizzle && input.startsWith(BREAKPOINT, i)) close();
      i = end === -1 ? length : end + 1;
      continue;
    }
    if (c === '/' && input[i + 1] === '*') {
      const commentStart = i;
      const end = blockCommentEnd(input, i);
      i = end === -1 ? length : end;
      if (end === -1) {
        // Unterminated (PostgreSQL nests comments, so `/* /* */` is too): it runs to the end
        // and PostgreSQL rejects the statement it is in. It must become a piece, so the parser
        // reports the error at the comment instead of the rest of the file silently vanishing.
        if (pieceStart === -1) pieceStart = commentStart;
        lastEnd = length;
      }
      continue;
    }
    if (c === ';') {
      close();
      i++;
      continue;
    }
    if (pieceStart === -1) pieceStart = i;
    if (c === "'" || c === '"') {
      const backslashes = c === "'" && (input[i - 1] === 'E' || input[i - 1] === 'e');
      i++;
      while (i < length) {
        if (backslashes && input[i] === '\\') i += 2;
        else if (input[i] === c) {
          if (input[i + 1] === c) i += 2;
          else break;
        } else i++;
      }
      i = Math.min(i + 1, length);
      lastEnd = i;
      continue;
    }
    if (c === '$') {
      const tag = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(input.slice(i, i + 64));
      const previous = input.charCodeAt(i - 1);
      const afterWord = i > 0 && /[A-Za-z0-9_]/.test(String.fromCharCode(previous));
      if (tag !== null && !afterWord) {
        const close$ = input.indexOf(tag[0], i + tag[0].length);
        i = close$ === -1 ? length : close$ + tag[0].length;
        lastEnd = i;
        continue;
      }
    }
    i++;
    lastEnd = i;
  }
  close();
  return pieces;
}
