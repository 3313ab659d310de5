/** The verify renderers on a report whose messages quote what a service answered. */
import { describe, expect, it } from 'vitest';
import { createColors } from '../../src/report/colors.js';
import type { VerifyReport } from '../../src/verify/run.js';
import { renderVerifyGithub, renderVerifyText } from '../../src/verify/render.js';

const hostile = 'body \u001b]0;pwned\u0007 and \u001b[2J';

const report: VerifyReport = {
  environment: 'staging',
  startedAt: '2026-11-22T00:00:00.000Z',
  finishedAt: '2026-11-22T00:00:01.000Z',
  durationMs: 1000,
  verdict: 'fail',
  summary: { pass: 0, warn: 0, fail: 1, error: 0 },
  checks: [
    {
      name: 'api\u001b[31m',
      kind: 'http',
      status: 'fail',
      target: `GET https://api.example.com/health ${hostile}`,
      message: `[BODY] == ok (got ${hostile})`,
      durationMs: 12,
      samples: 1,
      failedSamples: 1,
      conditions: [],
    },
  ],
};

describe('verify renderers', () => {
  it('show control characters from the checked services instead of sending them to the terminal or the log', () => {
    for (const out of [renderVerifyText(report, createColors(false)), renderVerifyGithub(report)]) {
      expect(out).not.toMatch(/[\u001b\u0007]/);
      expect(out).toContain('\u241b]0;pwned\u2407');
    }
  });
});
