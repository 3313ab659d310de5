/**
 * Templated SQL: `{{ ... }}` (Go templates, as in golang-migrate or Atlas setups), `${...}`
 * (shell/JS style) and psql variables (`:name`, `:'name'`, `:"name"`, as `psql -v` and tools such
 * as graphile-worker fill in). With values from config they are substituted; the map of replaced
 * segments keeps positions pointing at the real file.
 */

const PLACEHOLDER = /\{\{[\s\S]*?\}\}|\$\{[^}\n]*\}/g;
const PLACEHOLDER_TEST = /\{\{[\s\S]*?\}\}|\$\{[^}\n]*\}/;
/** A psql variable at a position: `:name`, `:'name'` (as a literal), `:"name"` (as an identifier). */
const PSQL_VARIABLE_AT = /:(?:'([A-Za-z_][A-Za-z0-9_]*)'|"([A-Za-z_][A-Za-z0-9_]*)"|([A-Za-z_][A-Za-z0-9_]*))/y;
/** A quick test for a psql variable anywhere (a cast `::type` and `x[1:n]` are not). */
const PSQL_VARIABLE_TEST = /(?<![:\w\]]):['"]?[A-Za-z_]/;

export function hasPlaceholder(text: string): boolean {
  return ((text.includes('{{') || text.includes('${')) && PLACEHOLDER_TEST.test(text)) || (text.includes(':') && PSQL_VARIABLE_TEST.test(text));
}

interface PsqlVariable {
  start: number;
  end: number;
  name: string;
  form: 'value' | 'literal' | 'identifier';
}

/** The psql variable that starts at `i` in SQL code, if one does (not `::`, not after a word). */
function psqlVariableAt(text: string, i: number): PsqlVariable | undefined {
  if (text[i] !== ':' || text[i + 1] === ':' || (i > 0 && /[:\w\]]/.test(text[i - 1]!))) return undefined;
  PSQL_VARIABLE_AT.lastIndex = i;
  const match = PSQL_VARIABLE_AT.exec(text);
  if (match === null) return undefined;
  const form = match[1] !== undefined ? 'literal' : match[2] !== undefined ? 'identifier' : 'value';
  return { start: i, end: i + match[0].length, name: match[1] ?? match[2] ?? match[3]!, form };
}

const PLACEHOLDER_AT = /\{\{[\s\S]*?\}\}|\$\{[^}\n]*\}/y;
const DOLLAR_TAG_AT = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;

/** End of a `'...'` / `"..."` literal opened at `start` (doubled quotes and E'' backslashes skipped). */
function quotedEnd(text: string, start: number): number {
  const quote = text[start];
  const backslashes = quote === "'" && (text[start - 1] === 'E' || text[start - 1] === 'e');
  let i = start + 1;
  while (i < text.length) {
    const c = text[i];
    if (backslashes && c === '\\') i += 2;
    else if (c === quote) {
      if (text[i + 1] !== quote) return i + 1;
      i += 2;
    } else i++;
  }
  return text.length;
}

/**
 * End of a `/* ... *\/` comment opened at `start` (PostgreSQL nests them), or -1 when it is never
 * closed (it then runs to the end of the text).
 */
export function blockCommentEnd(text: string, start: number): number {
  let depth = 1;
  let i = start + 2;
  while (i < text.length && depth > 0) {
    if (text[i] === '/' && text[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (text[i] === '*' && text[i + 1] === '/') {
      depth--;
      i += 2;
    } else i++;
  }
  return depth > 0 ? -1 : i;
}

/**
 * Whether a placeholder stands where SQL code is, not inside a string literal, a quoted
 * identifier, a comment or a dollar-quoted body. Only a placeholder in code can be why a
 * statement fails to parse: `VALUES ('Hello {{ name }}'),` is a real syntax error, and calling it
 * templated SQL would hide it behind a warning. A placeholder is matched before any quote inside
 * it, so `{{ index .Options "Namespace" }}` counts as one.
 */
export function hasPlaceholderInCode(text: string): boolean {
  if (!hasPlaceholder(text)) return false;
  return scanCode(text, (i) => {
    const c = text[i];
    if (c === ':') return psqlVariableAt(text, i) !== undefined;
    PLACEHOLDER_AT.lastIndex = i;
    return (c === '{' || c === '$') && PLACEHOLDER_AT.test(text);
  });
}

/** The psql variables in SQL code (psql does not look inside literals, quoted names or comments). */
function psqlVariables(text: string): PsqlVariable[] {
  const found: PsqlVariable[] = [];
  if (!text.includes(':')) return found;
  scanCode(text, (i) => {
    const variable = psqlVariableAt(text, i);
    if (variable !== undefined) found.push(variable);
    return false;
  });
  return found;
}

/** The `/* ... *\/` comments of SQL text (not those inside literals or dollar-quoted bodies), unclosed ones to the end. */
export function blockComments(text: string): { start: number; end: number }[] {
  const found: { start: number; end: number }[] = [];
  if (!text.includes('/*')) return found;
  scanCode(text, (i) => {
    if (text[i] === '/' && text[i + 1] === '*') {
      const end = blockCommentEnd(text, i);
      found.push({ start: i, end: end === -1 ? text.length : end });
    }
    return false;
  });
  return found;
}

/**
 * Calls `atCode` at each position of SQL code, outside string literals, quoted identifiers,
 * comments and dollar-quoted bodies, until it returns true (then returns true).
 */
function scanCode(text: string, atCode: (i: number) => boolean): boolean {
  const length = text.length;
  let i = 0;
  while (i < length) {
    const c = text[i];
    if (atCode(i)) return true;
    if (c === "'" || c === '"') i = quotedEnd(text, i);
    else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      i = end === -1 ? length : end + 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = blockCommentEnd(text, i);
      i = end === -1 ? length : end;
    }
    else if (c === '$' && !(i > 0 && WORD_CHAR.test(text[i - 1]!))) {
      DOLLAR_TAG_AT.lastIndex = i;
      const tag = DOLLAR_TAG_AT.exec(text);
      if (tag === null) i++;
      else {
        const close = text.indexOf(tag[0], i + tag[0].length);
        i = close === -1 ? length : close + tag[0].length;
      }
    } else i++;
  }
  return false;
}

interface Segment {
  /** Range in the substituted text. */
  outStart: number;
  outEnd: number;
  /** Range in the original text. */
  inStart: number;
  inEnd: number;
}

export interface Substitution {
  text: string;
  /** Maps an offset of the substituted text back to the original text. */
  toOriginal(offset: number): number;
}

const identity: (offset: number) => number = (offset) => offset;

/** The key a placeholder is looked up by: `{{ .Schema }}` → `.Schema`, then `Schema`; `${db}` → `db`. */
function lookup(placeholder: string, values: Record<string, string>): string | undefined {
  const inner = placeholder.startsWith('{{') ? placeholder.slice(2, -2).trim() : placeholder.slice(2, -1).trim();
  if (Object.hasOwn(values, inner)) return values[inner];
  if (inner.startsWith('.') && Object.hasOwn(values, inner.slice(1))) return values[inner.slice(1)];
  return undefined;
}

/**
 * Replaces every placeholder that has a value; placeholders without one are left in place (their
 * statements then fail to parse and are reported as templated SQL).
 */
export function substitutePlaceholders(text: string, values: Record<string, string> | undefined): Substitution {
  if (values === undefined || !hasPlaceholder(text)) return { text, toOriginal: identity };
  let keys = 0;
  for (const _ in values) keys++;
  if (keys === 0) return { text, toOriginal: identity };

  // Every placeholder with a value, in text order: {{ }} and ${} anywhere, psql variables in code.
  const replacements: { start: number; end: number; value: string }[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    const value = lookup(match[0], values);
    if (value !== undefined) replacements.push({ start: match.index, end: match.index + match[0].length, value });
  }
  for (const variable of psqlVariables(text)) {
    if (!Object.hasOwn(values, variable.name)) continue;
    const value = values[variable.name]!;
    const sql =
      variable.form === 'literal' ? `'${value.replaceAll("'", "''")}'` : variable.form === 'identifier' ? `"${value.replaceAll('"', '""')}"` : value;
    replacements.push({ start: variable.start, end: variable.end, value: sql });
  }
  replacements.sort((a, b) => a.start - b.start);

  const segments: Segment[] = [];
  let out = '';
  let last = 0;
  for (const replacement of replacements) {
    if (replacement.start < last) continue;
    out += text.slice(last, replacement.start);
    const outStart = out.length;
    out += replacement.value;
    segments.push({ outStart, outEnd: out.length, inStart: replacement.start, inEnd: replacement.end });
    last = replacement.end;
  }
  if (segments.length === 0) return { text, toOriginal: identity };
  out += text.slice(last);

  return {
    text: out,
    toOriginal(offset: number): number {
      let low = 0;
      let high = segments.length - 1;
      let found = -1;
      while (low <= high) {
        const mid = (low + high) >> 1;
        if ((segments[mid] as Segment).outStart <= offset) {
          found = mid;
          low = mid + 1;
        } else high = mid - 1;
      }
      if (found === -1) return offset;
      const segment = segments[found] as Segment;
      // Inside a substituted value: point at the placeholder itself.
      if (offset < segment.outEnd) return segment.inStart;
      return offset - segment.outEnd + segment.inEnd;
    },
  };
}
