/// <reference lib="dom" />
/**
 * The page script's toolkit: DOM and SVG element builders, number and time formats, the SVG
 * charts and a small Markdown renderer for rule docs. Like `dashboardClient`, `clientKit` runs in
 * the browser from its own source text, so it must not reference anything outside its body.
 * Everything is built with DOM nodes and textContent, never innerHTML.
 */
export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

export function clientKit() {
  const SVG_NS = 'http://www.w3.org/2000/svg';

  function append(parent: Element, children: Child[]): void {
    for (const child of children) {
      if (child === null || child === undefined || child === false) continue;
      parent.append(typeof child === 'number' ? String(child) : child);
    }
  }

  function h(tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (typeof value === 'function') el.addEventListener(key.replace(/^on/, ''), value);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
    append(el, children);
    return el;
  }

  function s(tag: string, attrs: Record<string, string | number> = {}, ...children: Child[]): SVGElement {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
    append(el, children);
    return el;
  }

  const fmt = (n: number | null | undefined): string => (n === null || n === undefined ? '–' : n.toLocaleString('en-US'));
  const ms = (n: number | null | undefined): string =>
    n === null || n === undefined ? '–' : n < 1000 ? `${Math.round(n)} ms` : n < 120_000 ? `${(n / 1000).toFixed(1)} s` : `${(n / 60_000).toFixed(1)} min`;
  const bytes = (n: number | null | undefined): string => {
    if (n === null || n === undefined) return '–';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let v = n;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
  };
  const when = (iso: string | null | undefined): string => (iso ? iso.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '–');
  const badge = (status: string, text?: string): HTMLElement => h('span', { class: `badge ${status.replace(/\s+/g, '-')}` }, text ?? status.toUpperCase());
  const card = (...children: Child[]): HTMLElement => h('div', { class: 'card' }, ...children);
  const note = (text: string): HTMLElement => h('p', { class: 'muted' }, text);
  const slug = (text: string): string => text.replace(/[^A-Za-z0-9_.-]+/g, '_');

  // ---------------------------------------------------------------- charts (plain SVG)

  function barChart(items: { label: string; count: number; cls?: string }[], testId: string, title: string): SVGElement {
    const width = 420;
    const height = 180;
    const left = 36;
    const bottom = 24;
    const top = 16;
    const max = Math.max(1, ...items.map((i) => i.count));
    const slot = (width - left) / Math.max(1, items.length);
    const chart = s('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': title, 'data-testid': testId });
    chart.append(s('title', {}, title));
    chart.append(s('line', { class: 'axis', x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
    chart.append(s('text', { x: left - 4, y: top + 4, 'text-anchor': 'end' }, fmt(max)));
    chart.append(s('text', { x: left - 4, y: height - bottom, 'text-anchor': 'end' }, '0'));
    items.forEach((item, index) => {
      const barHeight = ((height - bottom - top) * item.count) / max;
      const x = left + index * slot + slot * 0.15;
      const y = height - bottom - barHeight;
      chart.append(
        s(
          'rect',
          { class: `bar ${item.cls ?? ''}`.trim(), x, y, width: slot * 0.7, height: Math.max(barHeight, item.count > 0 ? 1 : 0), 'data-label': item.label, 'data-value': item.count },
          s('title', {}, `${item.label}: ${fmt(item.count)}`),
        ),
      );
      if (item.count > 0) chart.append(s('text', { x: x + slot * 0.35, y: y - 3, 'text-anchor': 'middle' }, fmt(item.count)));
      chart.append(s('text', { x: x + slot * 0.35, y: height - 8, 'text-anchor': 'middle' }, item.label));
    });
    return chart;
  }

  function trendChart(points: { hour: string; count: number }[], testId: string, title: string): SVGElement {
    const width = 420;
    const height = 180;
    const left = 36;
    const bottom = 24;
    const top = 16;
    const max = Math.max(1, ...points.map((p) => p.count));
    const step = (width - left - 8) / Math.max(1, points.length - 1);
    const chart = s('svg', { viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img', 'aria-label': title, 'data-testid': testId });
    chart.append(s('title', {}, title));
    chart.append(s('line', { class: 'axis', x1: left, y1: height - bottom, x2: width, y2: height - bottom }));
    chart.append(s('text', { x: left - 4, y: top + 4, 'text-anchor': 'end' }, fmt(max)));
    chart.append(s('text', { x: left - 4, y: height - bottom, 'text-anchor': 'end' }, '0'));
    const coords = points.map((p, i) => [left + i * step, height - bottom - ((height - bottom - top) * p.count) / max] as const);
    if (coords.length > 0) chart.append(s('polyline', { class: 'line', points: coords.map(([x, y]) => `${x.toFixed(1)},${y.toFixed(1)}`).join(' ') }));
    points.forEach((p, i) => {
      const [x, y] = coords[i] ?? [0, 0];
      chart.append(s('circle', { class: 'dot', cx: x, cy: y, r: 2.5, 'data-hour': p.hour, 'data-value': p.count }, s('title', {}, `${when(p.hour)}: ${fmt(p.count)}`)));
      if (i % 6 === 0 || i === points.length - 1) {
        chart.append(s('text', { x, y: height - 8, 'text-anchor': i === points.length - 1 ? 'end' : 'middle' }, p.hour.slice(11, 16)));
      }
    });
    return chart;
  }

  // ---------------------------------------------------------------- Markdown (rule docs)

  function inline(text: string): Child[] {
    return text.split(/(`[^`]+`)/).map((part) => (part.startsWith('`') && part.endsWith('`') && part.length > 1 ? h('code', {}, part.slice(1, -1)) : part));
  }

  function markdown(text: string): HTMLElement {
    const root = h('div', { class: 'doc' });
    const lines = text.split('\n');
    let paragraph: string[] = [];
    let list: HTMLElement | undefined;
    const flush = () => {
      if (paragraph.length > 0) root.append(h('p', {}, ...inline(paragraph.join(' '))));
      paragraph = [];
      list = undefined;
    };
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] ?? '';
      if (line.startsWith('```')) {
        flush();
        const code: string[] = [];
        for (i++; i < lines.length && !(lines[i] ?? '').startsWith('```'); i++) code.push(lines[i] ?? '');
        root.append(h('pre', {}, code.join('\n')));
        continue;
      }
      const heading = /^(#{1,4})\s+(.*)$/.exec(line);
      if (heading) {
        flush();
        root.append(h(`h${Math.min(6, (heading[1] ?? '#').length + 2)}`, {}, ...inline(heading[2] ?? '')));
        continue;
      }
      const item = /^\s*[-*]\s+(.*)$/.exec(line);
      if (item) {
        if (paragraph.length > 0) flush();
        if (!list) {
          list = h('ul');
          root.append(list);
        }
        list.append(h('li', {}, ...inline(item[1] ?? '')));
        continue;
      }
      if (line.trim() === '') flush();
      else paragraph.push(line.trim());
    }
    flush();
    return root;
  }

  return { h, s, fmt, ms, bytes, when, badge, card, note, slug, barChart, trendChart, markdown };
}

export type ClientKit = ReturnType<typeof clientKit>;
