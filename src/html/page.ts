/**
 * The one HTML page behind both the live dashboard and the `--report FILE.html` files: inline CSS,
 * the inline page script (src/html/client.ts) and, for reports, the data. No external asset, no
 * CDN: a report opens from disk with the network off.
 */
import { dashboardClient } from './client.js';
import { clientKit } from './client-kit.js';
import { STYLES } from './styles.js';
import { type PageConfig, VIEW_NAMES, type ViewData, type ViewName } from './types.js';

/**
 * JSON that is safe inside a `<script>` element: `<` is escaped so no `</script>` or `<!--` in the
 * data can end the element, and U+2028/U+2029 are escaped for older parsers.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The page script as source text: the toolkit, then the views that use it. */
export function clientScript(): string {
  // Some bundlers and test transforms wrap named functions in a `__name` helper; define it so the
  // function text runs on its own in the browser.
  return `var __name = function (fn) { return fn; };\n(${dashboardClient.toString()})((${clientKit.toString()})());`;
}

export interface PageOptions {
  /** A CSP nonce for the inline script and style (the live server sends a matching header). */
  nonce?: string;
}

/** Renders the complete HTML document for a page config. */
export function renderPage(config: PageConfig, options: PageOptions = {}): string {
  const nonce = options.nonce ? ` nonce="${escapeHtml(options.nonce)}"` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(config.title)}</title>
<style${nonce}>${STYLES}</style>
</head>
<body>
<header><h1>${escapeHtml(config.title)}</h1><nav id="nav"></nav><span class="meta" id="meta"></span></header>
<main id="view"><noscript>This page needs JavaScript to draw its views; the data is in the prodguard-config element.</noscript></main>
<script type="application/json" id="prodguard-config">${scriptJson(config)}</script>
<script${nonce}>${clientScript()}</script>
</body>
</html>
`;
}

export interface ReportInput {
  title: string;
  views: ViewData;
  /** Defaults to now. */
  generatedAt?: string;
}

/**
 * A self-contained report: the views that have data, in dashboard order, with the data inline.
 * Secrets must already be gone from `views` (the CLI also redacts the whole page when writing).
 */
export function renderReport(input: ReportInput): string {
  const views = VIEW_NAMES.filter((v) => input.views[v] !== undefined) as ViewName[];
  return renderPage({
    mode: 'report',
    title: input.title,
    generatedAt: input.generatedAt ?? new Date().toISOString(),
    views,
    data: input.views,
    environments: [],
    refreshMs: 0,
  });
}
