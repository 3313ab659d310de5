/**
 * The condition language of verify checks, after Gatus: `[STATUS] == 200`, `[BODY].status == ok`,
 * `[RESPONSE_TIME] < 500`, `[ROWS][0].n > 0`, `len([BODY].items) >= 1`, `[STATUS] == any(200, 204)`,
 * `[STDOUT] == pat(*ready*)`, `has([BODY].id) == true`.
 *
 *   condition := operand OP operand        OP := == | != | <= | >= | < | >
 *   operand   := placeholder | len(placeholder) | has(placeholder) | any(v, ...) | pat(glob) | literal
 *   placeholder := [NAME] ( .key | [index] )*
 *
 * A literal is a number, true/false/null, a "quoted string", or the bare text up to the end.
 */

export type Operator = '==' | '!=' | '<' | '<=' | '>' | '>=';

export type Operand =
  | { type: 'placeholder'; name: string; path: (string | number)[] }
  | { type: 'len' | 'has'; inner: Extract<Operand, { type: 'placeholder' }> }
  | { type: 'any'; values: string[] }
  | { type: 'pat'; glob: string }
  | { type: 'literal'; value: string | number | boolean | null };

export interface Condition {
  source: string;
  left: Operand;
  op: Operator;
  right: Operand;
}

/** A condition that does not parse, with what is wrong in it. */
export class ConditionSyntaxError extends Error {}

const OPERATORS: readonly Operator[] = ['==', '!=', '<=', '>=', '<', '>'];

/** @throws ConditionSyntaxError with a message that quotes the bad part. */
export function parseCondition(source: string, placeholders?: readonly string[]): Condition {
  const at = findOperator(source);
  if (!at) throw new ConditionSyntaxError(`no comparison operator (==, !=, <, <=, >, >=) in "${source}"`);
  const leftText = source.slice(0, at.index).trim();
  const rightText = source.slice(at.index + at.op.length).trim();
  if (leftText === '') throw new ConditionSyntaxError(`nothing before "${at.op}" in "${source}"`);
  if (rightText === '') throw new ConditionSyntaxError(`nothing after "${at.op}" in "${source}"`);
  const left = parseOperand(leftText, source, false);
  const right = parseOperand(rightText, source, true);
  if ((right.type === 'any' || right.type === 'pat') && at.op !== '==' && at.op !== '!=') {
    throw new ConditionSyntaxError(`${right.type}() only works with == or != in "${source}"`);
  }
  if (!usesPlaceholder(left) && !usesPlaceholder(right)) {
    throw new ConditionSyntaxError(`"${source}" compares two constants; use a placeholder such as [STATUS]`);
  }
  if (placeholders) {
    for (const operand of [left, right]) {
      const name = placeholderOf(operand)?.name;
      if (name !== undefined && !placeholders.includes(name)) {
        throw new ConditionSyntaxError(`unknown placeholder [${name}] in "${source}" (this check has ${placeholders.map((p) => `[${p}]`).join(', ')})`);
      }
    }
  }
  return { source, left, op: at.op, right };
}

function findOperator(source: string): { index: number; op: Operator } | undefined {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '(') depth++;
    else if (c === ']' || c === ')') depth--;
    else if (depth === 0) {
      const op = OPERATORS.find((o) => source.startsWith(o, i));
      if (op) return { index: i, op };
    }
  }
  return undefined;
}

function parseOperand(text: string, source: string, rightSide: boolean): Operand {
  const fn = /^(len|has|any|pat)\((.*)\)$/s.exec(text);
  if (fn) {
    const [, name, body = ''] = fn;
    if (name === 'any' || name === 'pat') {
      if (!rightSide) throw new ConditionSyntaxError(`${name}() belongs on the right of the operator in "${source}"`);
      if (name === 'pat') return { type: 'pat', glob: unquote(body.trim()) };
      return { type: 'any', values: splitArgs(body).map((v) => unquote(v.trim())) };
    }
    const inner = parseOperand(body.trim(), source, false);
    if (inner.type !== 'placeholder') throw new ConditionSyntaxError(`${name}() takes a placeholder such as [BODY].items, in "${source}"`);
    return { type: name as 'len' | 'has', inner };
  }
  if (text.startsWith('[')) return parsePlaceholder(text, source);
  return { type: 'literal', value: parseLiteral(text) };
}

function parsePlaceholder(text: string, source: string): Extract<Operand, { type: 'placeholder' }> {
  const head = /^\[([A-Z_]+)\]/.exec(text);
  if (!head) throw new ConditionSyntaxError(`bad placeholder "${text}" in "${source}" (expected e.g. [STATUS] or [BODY].field)`);
  const path: (string | number)[] = [];
  let rest = text.slice(head[0].length);
  while (rest.length > 0) {
    const key = /^\.([A-Za-z0-9_$-]+)/.exec(rest);
    const index = /^\[(\d+)\]/.exec(rest);
    const quoted = /^\[(["'])(.*?)\1\]/.exec(rest);
    if (key) path.push(key[1]!);
    else if (index) path.push(Number(index[1]));
    else if (quoted) path.push(quoted[2]!);
    else throw new ConditionSyntaxError(`cannot read "${rest}" after [${head[1]}] in "${source}" (use .key or [0])`);
    rest = rest.slice((key ?? index ?? quoted)![0].length);
  }
  return { type: 'placeholder', name: head[1]!, path };
}

function parseLiteral(text: string): string | number | boolean | null {
  if (/^(["']).*\1$/s.test(text)) return unquote(text);
  // Numbers stay as written: `1.10` compares as text against a string, as a number against a number.
  if (/^-?\d+(\.\d+)?$/.test(text)) return text;
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (text === 'null') return null;
  return text;
}

function unquote(text: string): string {
  const m = /^(["'])(.*)\1$/s.exec(text);
  return m ? m[2]!.replace(/\\(.)/g, '$1') : text;
}

function splitArgs(body: string): string[] {
  const out: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (const c of body) {
    if (quote) {
      if (c === quote) quote = undefined;
      current += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      current += c;
    } else if (c === ',') {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

export function placeholderOf(operand: Operand): Extract<Operand, { type: 'placeholder' }> | undefined {
  if (operand.type === 'placeholder') return operand;
  if (operand.type === 'len' || operand.type === 'has') return operand.inner;
  return undefined;
}

function usesPlaceholder(operand: Operand): boolean {
  return placeholderOf(operand) !== undefined;
}

/** The placeholder names a condition reads. */
export function placeholdersOf(condition: Condition): string[] {
  return [condition.left, condition.right].map(placeholderOf).filter((p) => p !== undefined).map((p) => p.name);
}

export interface ConditionOutcome {
  ok: boolean;
  /** Set when the condition cannot be decided (has() on a body that is not JSON): an ERROR, not a pass. */
  unmeasurable?: string;
  /** The measured value the condition looked at, for the report (short, unredacted: redact before printing). */
  actual: string;
}

/**
 * Evaluates against the measured values (`{ STATUS: 200, BODY: {...} }`). Never throws.
 * `present` turns the measured value into what `actual` shows (the runner masks secrets with it
 * before the value is cut short, so a cut never hides a secret from the detectors).
 */
export function evaluateCondition(
  condition: Condition,
  values: Readonly<Record<string, unknown>>,
  present: (value: unknown, operand: Operand) => unknown = (value) => value,
): ConditionOutcome {
  if (condition.left.type === 'has') {
    const blocked = resolvePath(condition.left.inner, values).blocked;
    if (blocked) return { ok: false, actual: blocked, unmeasurable: `${condition.source}: ${blocked}` };
  }
  const left = resolve(condition.left, values);
  const right = resolve(condition.right, values);
  const shownOperand = condition.left.type === 'literal' ? condition.right : condition.left;
  const shown = condition.left.type === 'literal' ? right : left;
  const actual = describe(shown === undefined ? shown : present(shown, shownOperand));
  // A missing value satisfies nothing, != any(...) and != pat(...) included.
  if (condition.right.type === 'any') {
    const hit = condition.right.values.some((v) => looselyEqual(left, parseLiteral(v)));
    return { ok: left !== undefined && (condition.op === '==' ? hit : !hit), actual };
  }
  if (condition.right.type === 'pat') {
    const hit = left !== undefined && globMatch(condition.right.glob, describe(left, Infinity));
    return { ok: left !== undefined && (condition.op === '==' ? hit : !hit), actual };
  }
  switch (condition.op) {
    case '==':
      return { ok: looselyEqual(left, right), actual };
    case '!=':
      return { ok: left !== undefined && !looselyEqual(left, right), actual };
    default: {
      const a = toNumber(left);
      const b = toNumber(right);
      if (a === undefined || b === undefined) return { ok: false, actual: `${actual} (not a number)` };
      const ok = condition.op === '<' ? a < b : condition.op === '<=' ? a <= b : condition.op === '>' ? a > b : a >= b;
      return { ok, actual };
    }
  }
}

function resolve(operand: Operand, values: Readonly<Record<string, unknown>>): unknown {
  switch (operand.type) {
    case 'literal':
      return operand.value;
    case 'placeholder':
      return resolvePath(operand, values).value;
    case 'len': {
      const v = resolve(operand.inner, values);
      if (typeof v === 'string' || Array.isArray(v)) return v.length;
      if (v !== null && typeof v === 'object') return Object.keys(v).length;
      return undefined;
    }
    case 'has':
      return resolve(operand.inner, values) !== undefined;
    default:
      return undefined;
  }
}

/**
 * The value at a placeholder's path; `blocked` says why the path cannot be read at all (a key
 * of a string: the body was not JSON), as opposed to a key that is simply missing.
 */
function resolvePath(operand: Extract<Operand, { type: 'placeholder' }>, values: Readonly<Record<string, unknown>>): { value: unknown; blocked?: string } {
  let current: unknown = values[operand.name];
  let where = `[${operand.name}]`;
  for (const key of operand.path) {
    if (current === null || current === undefined) return { value: undefined };
    if (typeof current !== 'object') return { value: undefined, blocked: `${where} is ${typeof current === 'string' ? 'text, not JSON' : `a ${typeof current}`}` };
    current = (current as Record<string | number, unknown>)[key];
    where += typeof key === 'number' ? `[${key}]` : `.${key}`;
  }
  return { value: current };
}

/** A plain decimal (`12`, `-3.5`): hex, exponents, `Infinity` and blanks are text. */
const DECIMAL = /^\s*-?\d+(?:\.\d+)?\s*$/;

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && DECIMAL.test(value)) return Number(value);
  if (typeof value === 'bigint') return Number(value);
  return undefined;
}

/**
 * Equality: numerically when one side was measured as a number (`[STATUS]`, a JSON number) and
 * the other is a plain decimal; otherwise as text, so `1.10` is not `1.1` and `16` is not `0x10`.
 */
function looselyEqual(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false;
  if (typeof a === 'number' || typeof b === 'number' || typeof a === 'bigint' || typeof b === 'bigint') {
    const na = toNumber(a);
    const nb = toNumber(b);
    if (na !== undefined && nb !== undefined) return na === nb;
  }
  return describe(a, Infinity) === describe(b, Infinity);
}

function describe(value: unknown, max = 80): string {
  let text: string;
  if (value === undefined) text = '(missing)';
  else if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = String(value);
    }
  }
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function globMatch(glob: string, text: string): boolean {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 's').test(text);
}
