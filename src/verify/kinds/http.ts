/** `http`: one request; STATUS, BODY (parsed JSON, else text), HEADERS, RESPONSE_TIME. */
import type { VerifyCheck } from '../schema.js';
import { causeOf, type MeasureContext, type Measurement, resolved, Unmeasurable } from './common.js';

export async function measureHttp(check: VerifyCheck, ctx: MeasureContext): Promise<Measurement> {
  const http = check.http!;
  const url = resolved(http.url, 'http.url');
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(http.headers)) headers[k] = resolved(v, `http.headers.${k}`);
  let body: string | undefined;
  if (typeof http.body === 'string') body = http.body;
  else if (http.body !== undefined) {
    body = JSON.stringify(http.body);
    headers['content-type'] ??= 'application/json';
  }
  // Start the clock after a turn of the event loop: time another check kept the loop busy
  // before this request could even be sent is not this endpoint's response time.
  await new Promise((resolve) => setImmediate(resolve));
  const started = performance.now();
  let response: Response;
  try {
    response = await fetch(url, { method: http.method.toUpperCase(), headers, body, signal: ctx.signal, redirect: 'manual' });
  } catch (error) {
    throw new Unmeasurable(`request failed: ${causeOf(error)}`);
  }
  const text = await response.text();
  const elapsed = Math.round(performance.now() - started);
  let parsed: unknown = text;
  try {
    parsed = text === '' ? text : JSON.parse(text);
  } catch {
    // Not JSON: conditions compare the text.
  }
  const responseHeaders: Record<string, string> = {};
  response.headers.forEach((value, key) => (responseHeaders[key] = value));
  return { values: { STATUS: response.status, BODY: parsed, HEADERS: responseHeaders, RESPONSE_TIME: elapsed }, detail: `HTTP ${response.status} in ${elapsed} ms` };
}

