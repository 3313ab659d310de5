/**
 * A small strict XML reader for tests: enough to prove a JUnit report is well-formed (one root,
 * balanced tags, quoted attributes, only the five predefined entities or character references)
 * and to walk its structure. No XML package is available; this refuses anything it does not
 * understand rather than guessing.
 */
export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = '[A-Za-z_][A-Za-z0-9_.:-]*';
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function decode(text: string, where: string): string {
  const stripped = text.replace(ENTITY, '');
  if (stripped.includes('&')) throw new Error(`bad entity in ${where}: ${text.slice(0, 60)}`);
  if (stripped.includes('<')) throw new Error(`raw < in ${where}`);
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#x([0-9a-fA-F]+);/g, (_m, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&amp;/g, '&');
}

/** @throws Error describing the first well-formedness problem. */
export function parseXml(source: string): XmlElement {
  let at = 0;
  const decl = /^<\?xml[^?]*\?>\s*/.exec(source);
  if (decl) at = decl[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const tag = new RegExp(`<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*"[^"<]*")*)\\s*(/?)>`, 'y');
  while (at < source.length) {
    const lt = source.indexOf('<', at);
    const text = source.slice(at, lt < 0 ? source.length : lt);
    if (text.trim() !== '') {
      if (stack.length === 0) throw new Error(`text outside the root element: ${text.slice(0, 40)}`);
      stack[stack.length - 1]!.text += decode(text, 'text');
    }
    if (lt < 0) break;
    tag.lastIndex = lt;
    const m = tag.exec(source);
    if (!m) throw new Error(`malformed tag at offset ${lt}: ${source.slice(lt, lt + 60)}`);
    const [whole, closing, name = '', attrText = '', selfClosing] = m;
    at = lt + whole.length;
    if (closing) {
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      if (stack.length === 0) root = open;
      continue;
    }
    if (root) throw new Error('more than one root element');
    const attributes: Record<string, string> = {};
    for (const a of attrText.matchAll(new RegExp(`(${NAME})\\s*=\\s*"([^"<]*)"`, 'g'))) {
      if (a[1]! in attributes) throw new Error(`duplicate attribute ${a[1]} on <${name}>`);
      attributes[a[1]!] = decode(a[2]!, `attribute ${a[1]}`);
    }
    const element: XmlElement = { name, attributes, children: [], text: '' };
    stack[stack.length - 1]?.children.push(element);
    if (selfClosing) {
      if (stack.length === 0) root = element;
    } else stack.push(element);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}
