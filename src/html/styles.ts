/** The dashboard's and reports' stylesheet, inlined into every page (no external assets). */
export const STYLES = `
:root { color-scheme: light dark; --bg: #f7f7f8; --fg: #1b1d21; --muted: #60646c; --card: #fff; --line: #dcdde1;
  --pass: #1a7f37; --warn: #9a6700; --fail: #cf222e; --info: #0969da; --bar: #0969da; --loss-bg: #ffebe9; }
@media (prefers-color-scheme: dark) {
  :root { --bg: #0d1117; --fg: #e6edf3; --muted: #8d96a0; --card: #161b22; --line: #30363d;
    --pass: #3fb950; --warn: #d29922; --fail: #f85149; --info: #58a6ff; --bar: #58a6ff; --loss-bg: #3d1418; }
}
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; align-items: center; gap: 16px; padding: 10px 20px; border-bottom: 1px solid var(--line); background: var(--card); flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0; }
header .meta { color: var(--muted); font-size: 12px; margin-left: auto; }
nav { display: flex; gap: 4px; flex-wrap: wrap; }
nav a { padding: 6px 10px; border-radius: 6px; color: var(--fg); text-decoration: none; }
nav a.active { background: var(--info); color: #fff; }
main { padding: 16px 20px; max-width: 1200px; }
h2 { font-size: 18px; margin: 8px 0 12px; }
h3 { font-size: 15px; margin: 16px 0 8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 12px; }
.card { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; margin-bottom: 12px; }
.row { display: flex; gap: 12px; flex-wrap: wrap; align-items: flex-start; }
.row > .card { flex: 1 1 340px; }
.toolbar { align-items: baseline; }
.big { font-size: 32px; font-weight: 600; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px; font-weight: 600; border: 1px solid currentColor; }
.pass, .ok, .open, .unchanged, .grew { color: var(--pass); }
.warn, .expected, .skip { color: var(--warn); }
.not-run { color: var(--muted); }
.fail, .loss, .closed, .error { color: var(--fail); }
.running, .pending { color: var(--info); }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.loss-row { background: var(--loss-bg); }
.phases { display: flex; gap: 4px; flex-wrap: wrap; }
.phase { font-size: 12px; padding: 1px 6px; border-radius: 4px; border: 1px solid currentColor; }
pre, code { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 8px; overflow: auto; }
.doc { border-left: 3px solid var(--info); padding-left: 12px; }
.alert { border-left: 4px solid var(--fail); }
.notice { border-left: 4px solid var(--warn); }
svg text { fill: var(--muted); font: 11px system-ui, sans-serif; }
svg .bar { fill: var(--bar); }
svg .bar.stale { fill: var(--fail); }
svg .line { stroke: var(--bar); fill: none; stroke-width: 2; }
svg .dot { fill: var(--bar); }
svg .axis { stroke: var(--line); }
select { font: inherit; padding: 3px 6px; }
.live { font-size: 12px; }
.live::before { content: "●"; margin-right: 4px; }
button.link { background: none; border: none; color: var(--info); cursor: pointer; padding: 0; font: inherit; text-decoration: underline; }
`;
