/**
 * Reading a log line's time, for the `since` window of the verify logs check. Formats: pino and
 * other JSON loggers (`"time": 1700000000000`, `"timestamp": "2026-..."`, `"@timestamp"`), and
 * lines that start with an ISO-8601 or `[YYYY-MM-DD HH:MM:SS]` time (Laravel, Rails, Python).
 * A time without an offset is read as UTC.
 */

const JSON_TIME = /"(?:time|timestamp|@timestamp|ts|datetime)"\s*:\s*(?:(\d{10,13})(?:\.\d+)?\b|"([^"]{10,40})")/;
const LEADING_TIME = /^\[?(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?)/;

/** The line's time in epoch milliseconds, or undefined when it has none. Never throws. */
export function timestampOfLine(line: string): number | undefined {
  const head = line.length > 400 ? line.slice(0, 400) : line;
  const json = head.charCodeAt(0) === 123 /* { */ ? JSON_TIME.exec(head) : null;
  if (json) {
    if (json[1]) {
      const n = Number(json[1]);
      return json[1].length <= 10 ? n * 1000 : n;
    }
    return parseTime(json[2] ?? '');
  }
  const leading = LEADING_TIME.exec(head);
  return leading ? parseTime(leading[1] ?? '') : undefined;
}

function parseTime(text: string): number | undefined {
  let iso = text.replace(' ', 'T').replace(',', '.');
  if (!/(?:Z|[+-]\d\d:?\d\d)$/.test(iso)) iso += 'Z';
  const ms = Date.parse(iso);
  return Number.isNaN(ms) ? undefined : ms;
}
