import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientScript, renderPage, renderReport, scriptJson } from '../../src/html/page.js';
import { selectDetectors } from '../../src/redact/detectors.js';
import { findSecrets } from '../../src/redact/find.js';

function embeddedConfig(html: string): unknown {
  const match = /<script type="application\/json" id="prodguard-config">([\s\S]*?)<\/script>/.exec(html);
  if (!match?.[1]) throw new Error('no config element');
  return JSON.parse(match[1]);
}

describe('the page', () => {
  it('scriptJson never lets data end its <script> element, and reads back to the same value (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = scriptJson(value);
        expect(text).not.toContain('<');
        expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(value)));
      }),
    );
  });

  it('a report embeds hostile strings as data, with one config element and one script', () => {
    const hostile = '</script><script>alert(1)</script><!-- \u2028';
    const html = renderReport({
      title: `</title><script>alert(2)</script>`,
      views: { lint: { lint: null, rules: {}, error: hostile } },
      generatedAt: '2026-11-21T00:00:00Z',
    });
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html).toContain('<title>&lt;/title&gt;&lt;script&gt;alert(2)&lt;/script&gt;</title>');
    expect(embeddedConfig(html)).toMatchObject({ mode: 'report', views: ['lint'], data: { lint: { error: hostile } } });
  });

  it('is self-contained: no URL to load anything from', () => {
    const html = renderReport({ title: 't', views: { lint: { lint: null, rules: {}, error: 'x' } } });
    expect(html).not.toMatch(/\b(src|href)\s*=/);
    expect(html).not.toMatch(/@import|url\(/);
    expect(clientScript()).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  });

  it("the page itself trips none of the project's secret detectors (reports are scanned like all output)", () => {
    const live = renderPage({ mode: 'live', title: 'prodguard', generatedAt: 'now', views: ['overview'], data: {}, environments: ['staging'], refreshMs: 5000 }, { nonce: 'abc' });
    for (const html of [live, renderReport({ title: 't', views: { lint: { lint: null, rules: {}, error: 'x' } } })]) {
      expect(findSecrets(html, selectDetectors()).map((m) => html.slice(m.start, m.end))).toEqual([]);
    }
  });
});
