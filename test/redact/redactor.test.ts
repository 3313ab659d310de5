import { Readable, Writable } from 'node:stream';
import fc from 'fast-check';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createRedactor, redact } from '../../src/redact/index.js';
import { pinoRedaction } from '../../src/redact/pino.js';
import { findSecrets } from '../../src/redact/find.js';
import { selectDetectors } from '../../src/redact/detectors.js';
import { scanLogs } from '../../src/scan/scan.js';

const DEFAULT = selectDetectors();

async function scanText(text: string) {
  return scanLogs([{ name: 'mem', source: Readable.from([Buffer.from(text)]) }]);
}

// --- generators of valid secrets -------------------------------------------------------------

const alnum = (min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'), minLength: min, maxLength: max });
const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });

function withLuhn(body: string): string {
  for (let d = 0; d < 10; d++) {
    const candidate = body + d;
    let sum = 0;
    for (let i = 0; i < candidate.length; i++) {
      let v = Number(candidate[candidate.length - 1 - i]);
      if (i % 2 === 1) v = v * 2 > 9 ? v * 2 - 9 : v * 2;
      sum += v;
    }
    if (sum % 10 === 0) return candidate;
  }
  throw new Error('unreachable');
}

function iban(country: string, bban: string): string {
  const numeric = (bban + country + '00').replace(/[A-Z]/g, (c) => String(c.charCodeAt(0) - 55));
  let rem = 0;
  for (const ch of numeric) rem = (rem * 10 + Number(ch)) % 97;
  return `${country}${String(98 - rem).padStart(2, '0')}${bban}`;
}

const secrets = fc.oneof(
  fc.tuple(alnum(1, 10), alnum(1, 10), fc.constantFrom('com', 'io', 'de', 'co.uk')).map(([l, d, t]) => `${l}@${d}.${t}`),
  digits(14).map((d) => withLuhn(`4${d}`)),
  digits(13).map((d) => withLuhn(`53${d}`).replace(/(\d{4})(?=\d)/g, '$1 ')),
  digits(18).map((d) => iban('DE', d)),
  digits(10).map((d) => `+49${d}`),
  fc.tuple(alnum(8, 20), alnum(8, 20), alnum(16, 40)).map(([a, b, c]) => `eyJ${a}.eyJ${b}.${c}`),
  alnum(12, 30).map((t) => `Bearer 1${t}`),
  fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'), minLength: 16, maxLength: 16 }).map((s) => `AKIA${s}`),
  alnum(36, 36).map((s) => `ghp_${s}`),
  alnum(20, 30).map((s) => `glpat-${s}`),
  alnum(24, 30).map((s) => `xoxb-1234-${s}`),
  alnum(24, 30).map((s) => `sk_live_${s}`),
  alnum(35, 35).map((s) => `AIza${s}`),
  alnum(36, 36).map((s) => `npm_${s}`),
  alnum(1, 16).map((s) => `postgres://app:${s}@db.internal/shop`),
  fc.tuple(fc.constantFrom('password', 'secret', 'api_key', 'DB_PASSWORD', 'access_token'), alnum(1, 20)).map(([k, v]) => `${k}=${v}`),
  alnum(40, 40).map((s) => `aws_secret_access_key=${s}`),
  fc.constant('-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA7\n-----END RSA PRIVATE KEY-----'),
);

const filler = fc.string({ unit: fc.constantFrom(...'abcdefghij klmnop '), maxLength: 30 });

describe('redact', () => {
  it('redacts strings', () => {
    expect(redact('mail alice@example.com and card 4111 1111 1111 1111')).toBe('mail [REDACTED] and card [REDACTED]');
    expect(redact('Authorization: Bearer abc123.def456-ghi')).toBe('Authorization: Bearer [REDACTED]');
    expect(redact('postgres://app:S3cret@db/x')).toBe('postgres://app:[REDACTED]@db/x');
    expect(redact('nothing here')).toBe('nothing here');
  });

  it('redacts values in objects recursively, by value and by key, without touching the input', () => {
    const input = { user: { email: 'bob@example.com', name: 'Bob' }, password: 'hunter2', items: ['ok', 'call +4915123456789'], n: 3 };
    const out = redact(input);
    expect(out).toEqual({ user: { email: '[REDACTED]', name: 'Bob' }, password: '[REDACTED]', items: ['ok', 'call [REDACTED]'], n: 3 });
    expect(input.user.email).toBe('bob@example.com');
  });

  it('is safe with cycles, errors, maps and dates', () => {
    const a: Record<string, unknown> = { email: 'x@example.com' };
    a.self = a;
    const when = new Date(0);
    const out = redact({ a, err: new Error('failed for x@example.com'), map: new Map([['token', 'abc']]), when });
    expect(out.a).toEqual({ email: '[REDACTED]', self: '[Circular]' });
    expect((out.err as unknown as { message: string }).message).toBe('failed for [REDACTED]');
    expect(out.map.get('token')).toBe('[REDACTED]');
    expect(out.when).toBe(when);
  });

  it('redacts every spelling of a password field, keeping JSON valid', () => {
    const cases = [
      'password="hunter2 x"',
      "password='hunter2'",
      'password: "hunter2"',
      "{'password': 'hunter2'}",
      '{:password=>"hunter2"}',
      '{"password":12345678}',
      '{"password":["hunter2"]}',
      '{"body":"{\\"password\\":\\"hunter2\\"}"}',
    ];
    for (const text of cases) {
      const out = redact(text);
      expect(out, text).not.toMatch(/hunter2|12345678/);
      expect(findSecrets(out, DEFAULT), text).toEqual([]);
      if (text.startsWith('{"')) expect(() => JSON.parse(out), out).not.toThrow();
    }
    expect(JSON.parse(redact('{"password":12345678}'))).toEqual({ password: '[REDACTED]' });
  });

  it('value(): keys, Map keys, bytes, numbers, secret subtrees, toJSON, causes and aggregate errors', () => {
    const r = createRedactor();
    const bytes = Buffer.from('mail alice@example.com');
    const out = r.value({
      'alice@example.com': 1,
      map: new Map([['bob@example.com', 'x']]),
      buf: bytes,
      u8: new Uint8Array(Buffer.from('bob@example.com')),
      card: 4111111111111111,
      big: 4111111111111111n,
      password: { value: 'hunter2', list: ['hunter2'] },
      tokens: ['ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
      auth: { toJSON: () => ({ note: 'carol@example.com' }) },
      pwd: 'hunter2',
      pass: 'hunter2',
      passphrase: 'hunter2',
      Authorization: 'Token abc',
      cookie: 'sid=abc',
      'set-cookie': ['sid=abc'],
      error: new Error('outer', { cause: new Error('inner dave@example.com') }),
      many: new AggregateError([new Error('erin@example.com')], 'several'),
      port: 5432,
    });
    const text = JSON.stringify(out, (_k, v) => (v instanceof Map ? [...v] : v instanceof Uint8Array ? Buffer.from(v).toString() : typeof v === 'bigint' ? String(v) : v));
    for (const secret of ['alice@', 'bob@', 'carol@', 'dave@', 'erin@', '4111111111111111', 'hunter2', 'ghp_', 'abc']) expect(text, secret).not.toContain(secret);
    expect(Buffer.isBuffer((out as { buf: unknown }).buf)).toBe(true);
    expect((out as { port: number }).port).toBe(5432);
    expect((out as { password: unknown }).password).toBe('[REDACTED]');
    expect(bytes.toString()).toBe('mail alice@example.com');
  });

  it('removes private key bodies: real and escaped line breaks, with or without an END line', async () => {
    const body = 'MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj';
    const cases = [
      `-----BEGIN PRIVATE KEY-----\n${body}\n-----END PRIVATE KEY-----`,
      `{"key":"-----BEGIN PRIVATE KEY-----\\r\\n${body}\\r\\n${body}\\r\\n-----END PRIVATE KEY-----\\r\\n","ok":1}`,
      `{"key":"-----BEGIN PRIVATE KEY-----\\n${body}\\n${body}\\n-----END PRIVATE KEY-----\\n"}`,
      `key -----BEGIN RSA PRIVATE KEY-----\\r\\n${body}\\r\\n${body}`,
      `key -----BEGIN EC PRIVATE KEY-----\r\n${body}\r\n${body}\r\n`,
    ];
    for (const text of cases) {
      const out = redact(text);
      expect(out, text).not.toContain(body.slice(0, 20));
      expect(out).not.toContain('PRIVATE KEY');
      expect((await scanText(`${out}\n`)).summary.findings, out).toBe(0);
    }
    expect(JSON.parse(redact(cases[1]!))).toEqual({ key: '[REDACTED]\r\n', ok: 1 });
  });

  it('takes a censor and per-detector switches', () => {
    const r = createRedactor({ censor: (_v, id) => `<${id}>`, detectors: { phone: false, ipv4: true } });
    expect(r.string('a@b.io from 10.0.0.1 tel +4915123456789')).toBe('<email> from <ipv4> tel +4915123456789');
    expect(createRedactor({ censor: '###' }).string('x a@b.io')).toBe('x ###');
  });

  it('a censor that returns the secret itself is overridden', () => {
    const r = createRedactor({ censor: (value) => value });
    expect(findSecrets(r.string('mail a@example.com'), DEFAULT)).toEqual([]);
  });

  it('property: a line the redactor wrote has no findings, and the secret is gone', async () => {
    const redactor = createRedactor();
    await fc.assert(
      fc.asyncProperty(filler, secrets, filler, fc.boolean(), async (before, secret, after, asJson) => {
        const raw = `${before} ${secret} ${after}`;
        const line = asJson ? JSON.stringify({ level: 30, time: 1763700000000, msg: raw }) : raw;
        expect(findSecrets(line, DEFAULT).length, `generated secret not detected: ${line}`).toBeGreaterThan(0);
        const clean = redactor.string(line);
        expect(findSecrets(clean, DEFAULT)).toEqual([]);
        const report = await scanText(`${clean}\n`);
        expect(report.summary.findings).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});

/** A pino logger with the redaction hook, writing its lines into an array. */
function redactingLogger() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  return { lines, logger: pino({ level: 'info', ...pinoRedaction() }, sink) };
}

describe('prodguard/pino', () => {
  it('sanitises every line pino writes; output stays JSON and scan-logs finds nothing', async () => {
    const { lines, logger } = redactingLogger();
    logger.info({ user: { email: 'alice@example.com' }, password: 'hunter2' }, 'login from alice@example.com');
    logger.error(new Error('db postgres://app:S3cret@db/x refused'), 'connect failed');
    logger.info({ headers: { authorization: 'Bearer abc123.def456-ghi789' }, card: '4111 1111 1111 1111' }, 'payment');
    logger.child({ apiKey: 'k-123456' }).warn('child logger with sk_live_4eC39HqLyjWDarjtT1zdp7dc');
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(4);
    const all = lines.join('\n');
    for (const secret of ['alice@example.com', 'hunter2', 'S3cret', 'abc123.def456-ghi789', '4111 1111 1111 1111', 'k-123456', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc']) {
      expect(all).not.toContain(secret);
    }
    for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
    expect(JSON.parse(lines[0]!).msg).toBe('login from [REDACTED]');
    expect((await scanText(`${all}\n`)).summary.findings).toBe(0);
  });

  it('every line stays valid JSON: quoted values, JSON escapes, numbers', async () => {
    const { lines, logger } = redactingLogger();
    logger.info('login password=%s', '"quoted pw"');
    logger.info({ card: 4111111111111111, cards: [5500000000000004] }, 'paid');
    logger.info({ password: 12345678, nested: { list: ['a@example.com'] } });
    logger.info('multi\nline password=hunter2\nnext');
    logger.info({ body: JSON.stringify({ password: 'hunter2', token: 'tok-123456' }) });
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    const all = lines.join('\n');
    for (const secret of ['quoted pw', '4111111111111111', '5500000000000004', '12345678', 'a@example.com', 'hunter2', 'tok-123456']) expect(all).not.toContain(secret);
    expect(JSON.parse(lines[1]!).card).toBe('[REDACTED]');
    expect(JSON.parse(lines[3]!).msg).toBe('multi\nline password=[REDACTED]\nnext');
    expect((await scanText(`${all}\n`)).summary.findings).toBe(0);
  });

  it('keeps the JSON valid with a censor holding quotes', () => {
    const { hooks } = pinoRedaction({ censor: '"x"' });
    const out = hooks.streamWrite('{"msg":"a@example.com"}\n');
    expect(JSON.parse(out).msg).toBe('"x"');
  });
});
