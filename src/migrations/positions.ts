/**
 * Offsets and positions. libpg-query reports UTF-8 byte offsets (statement and node locations,
 * scanner tokens) and code-point offsets (a syntax error's cursor position); editors and our
 * findings use 1-based lines and columns counted in UTF-16 code units, as JavaScript strings are.
 */
import type { Position, Span } from './types.js';

/** Line starts of a text, for offset → line/column lookups by binary search. */
export class LineIndex {
  private readonly starts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    let at = text.indexOf('\n');
    while (at !== -1) {
      starts.push(at + 1);
      at = text.indexOf('\n', at + 1);
    }
    this.starts = starts;
  }

  /** 0-based index of the line holding `offset`. */
  lineOf(offset: number): number {
    const starts = this.starts;
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] as number) <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** Character offset where the 0-based line starts. */
  lineStart(line: number): number {
    return this.starts[line] ?? this.text.length;
  }

  /** Character offset of the end of the 0-based line (before `\r\n` or `\n`). */
  lineEnd(line: number): number {
    const next = this.starts[line + 1];
    if (next === undefined) return this.text.length;
    return this.text.charCodeAt(next - 2) === 13 ? next - 2 : next - 1;
  }

  get lineCount(): number {
    return this.starts.length;
  }

  position(offset: number): Position {
    const line = this.lineOf(offset);
    return { line: line + 1, column: offset - (this.starts[line] as number) + 1 };
  }

  span(startOffset: number, endOffset: number): Span {
    return { start: this.position(startOffset), end: this.position(endOffset), startOffset, endOffset };
  }
}

/** True when every character is ASCII, so byte, code-point and UTF-16 offsets coincide. */
export function isAscii(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[^\x00-\x7f]/.test(text);
}

/**
 * Maps UTF-8 byte offsets of `text` to UTF-16 offsets. For ASCII text this is the identity and
 * allocates nothing.
 */
export class ByteOffsets {
  private readonly table: Uint32Array | undefined;
  /** UTF-8 length of the text in bytes. */
  readonly byteLength: number;

  constructor(text: string) {
    if (isAscii(text)) {
      this.table = undefined;
      this.byteLength = text.length;
      return;
    }
    this.byteLength = Buffer.byteLength(text, 'utf8');
    const table = new Uint32Array(this.byteLength + 1);
    let byte = 0;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x80) {
        table[byte++] = i;
      } else if (code < 0x800) {
        table[byte++] = i;
        table[byte++] = i;
      } else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
        const low = text.charCodeAt(i + 1);
        if (low >= 0xdc00 && low <= 0xdfff) {
          for (let k = 0; k < 4; k++) table[byte++] = i;
          i++;
          continue;
        }
        for (let k = 0; k < 3; k++) table[byte++] = i;
      } else {
        for (let k = 0; k < 3; k++) table[byte++] = i;
      }
    }
    table[byte] = text.length;
    this.table = table;
  }

  /** UTF-16 offset of the character that holds this byte offset (clamped to the text). */
  toChar(byteOffset: number): number {
    const table = this.table;
    if (table === undefined) return byteOffset;
    if (byteOffset <= 0) return 0;
    return table[Math.min(byteOffset, table.length - 1)] as number;
  }
}

/** UTF-16 offset of the `codePoints`-th code point of `text`, starting at `from`. */
export function codePointsToChars(text: string, codePoints: number, from = 0): number {
  let i = from;
  let left = codePoints;
  while (left > 0 && i < text.length) {
    const code = text.charCodeAt(i);
    i += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
    left--;
  }
  return Math.min(i, text.length);
}
