import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { selectDetectors } from '../../src/redact/detectors.js';
import { findSecrets } from '../../src/redact/find.js';
import { redactText, redactUrl, secretsOfUrl } from '../../src/redact/secrets.js';

describe('redactUrl', () => {
  it('replaces the password and keeps everything else', () => {
    expect(redactUrl('postgresql://app:Sup3rSecret@db.internal:5432/shop?sslmode=require')).toBe(
      'postgresql://app:***@db.internal:5432/shop?sslmode=require',
    );
  });

  it('redacts password and token query parameters', () => {
    expect(redactUrl('postgres://db/x?password=hunter22&application_name=a&api_token=abc123')).toBe(
      'postgres://db/x?password=***&application_name=a&api_token=***',
    );
  });

  it('leaves a URL without credentials alone', () => {
    expect(redactUrl('postgresql://postgres@127.0.0.1:5432/postgres')).toBe('postgresql://postgres@127.0.0.1:5432/postgres');
    expect(redactUrl('pglite://memory')).toBe('pglite://memory');
  });

  it('handles passwords containing @ and : (percent-encoded or not)', () => {
    expect(redactUrl('postgresql://u:p%40ss:w@h/db')).toBe('postgresql://u:***@h/db');
    expect(redactUrl('postgresql://u:p@ss@h/db')).toBe('postgresql://u:***@h/db');
  });
});

describe('redactText', () => {
  it('finds URLs with credentials inside free text', () => {
    const text = 'connect failed for postgresql://app:Sup3rSecret@db:5432/x (timeout); retry redis://:r3dis-pass@cache:6379';
    const out = redactText(text);
    expect(out).not.toContain('Sup3rSecret');
    expect(out).not.toContain('r3dis-pass');
    expect(out).toContain('postgresql://app:***@db:5432/x');
  });

  it('redacts keyword DSN passwords and known secrets anywhere', () => {
    expect(redactText("host=db user=app password='s3 cret' dbname=x")).toBe('host=db user=app password=*** dbname=x');
    expect(redactText('the password is Sup3rSecret, really', ['Sup3rSecret'])).toBe('the password is ***, really');
  });

  it('property: no password put into a URL survives redactUrl or redactText', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0),
        fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/),
        (password, user) => {
          const encoded = encodeURIComponent(password);
          const url = `postgresql://${user}:${encoded}@db.example:5432/app`;
          const asUrl = redactUrl(url);
          const asText = redactText(`error: cannot reach ${url} now`, secretsOfUrl(url));
          for (const out of [asUrl, asText]) {
            expect(out).not.toContain(`:${encoded}@`);
          }
          if (password.length >= 4) expect(asText).not.toContain(password);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('uses the scanner\'s url-password rule: the two agree on commas, quotes and JSON lines', () => {
    expect(redactText('postgres://app:pa,ss@h/db')).toBe('postgres://app:***@h/db');
    expect(redactText("mysql://app:it's@h/db")).toBe('mysql://app:***@h/db');
    const json = '{"a":"http://x:8080/p","b":"redis://:r3dis-pass@cache:6379"}';
    expect(redactText(json)).toBe('{"a":"http://x:8080/p","b":"redis://:***@cache:6379"}');
    for (const line of ['postgres://app:pa,ss@h/db', "mysql://app:it's@h/db", json]) {
      expect(findSecrets(redactText(line), selectDetectors())).toEqual([]);
    }
  });

  it('secretsOfUrl returns the decoded password and secret parameters', () => {
    expect(secretsOfUrl('postgresql://u:p%40ss@h/db?password=two&sslmode=disable')).toEqual(['p@ss', 'two']);
  });
});

describe('redactText on JSON text', () => {
  /** Whole-text redaction of serialised JSON, as the CLI's output writer and HTML report do it. */
  const redactJson = (value: unknown, known: string[] = []): string => redactText(JSON.stringify(value), known);

  it('stops a bare value before an escaped quote or control character, so JSON stays JSON', () => {
    for (const text of ['drop "password=abc" now', 'password=a\tb', 'x\n"password=abc"', 'go to https://h/p?token=abc"&x=1', '"password=abc\\"']) {
      const out = redactJson({ text });
      expect(() => JSON.parse(out) as unknown, out).not.toThrow();
      expect(out, out).not.toContain('abc');
    }
    expect(redactJson('drop "password=abc" now')).toBe('"drop \\"password=***\\" now"');
  });

  it('still takes a libpq escape (\\\' and \\\\) into the value in plain text', () => {
    expect(redactText("password=ab\\'cd\\\\ef dbname=x")).toBe('password=*** dbname=x');
  });

  it('property: redacting any JSON string leaves valid JSON without the known secret', () => {
    const piece = fc.constantFrom('password=', 'sslpassword = ', '?token=', '&sig=', 'a', 'Zq9', '"', "'", '\\', '\t', '\n', '\u001b', ' ', '=', 'u0041', 'nfoo1', 'abc', 'x"y<z');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 16 }), fc.constantFrom('Zq9a', 'nfoo1', 'abc\\', '\\nfo', 'x"y<z'), (pieces, secret) => {
        const out = redactJson({ message: pieces.join('') }, [secret]);
        const parsed = JSON.parse(out) as { message: string };
        expect(parsed.message).not.toContain(secret);
      }),
      { numRuns: 2000 },
    );
  });

  it('replaces a known secret that follows an escape without cutting the escape in two', () => {
    // `\nfoo1` is a newline and `foo1`, but the text holds `nfoo1` too.
    expect(JSON.parse(redactText(JSON.stringify('a\nfoo1 b'), ['nfoo1']))).toBe('a*** b');
    expect(JSON.parse(redactText(JSON.stringify('a\u001bcdef b'), ['1bcdef']))).toBe('a*** b');
    // A secret ending in a backslash: its JSON form goes whole; as it is, it matches the start of `\n`.
    expect(JSON.parse(redactText(JSON.stringify('tail abc\\"'), ['abc\\']))).toBe('tail ***"');
    expect(JSON.parse(redactText(JSON.stringify('x abc\ny'), ['abc\\']))).toBe('x ***y');
  });

  it('finds a known secret escaped for a GitHub workflow command (the runner decodes it back)', () => {
    expect(redactText('::error file=Pw%259x%3AQ.sql::drop "Pw%259x:Q"', ['Pw%9x:Q'])).toBe('::error file=***.sql::drop "***"');
  });
});

describe('secretsOfUrl of a keyword/value connection string', () => {
  it('returns the password of a libpq keyword/value string', () => {
    expect(secretsOfUrl('host=db user=app password=Zq9LongSecret dbname=x')).toEqual(['Zq9LongSecret']);
    expect(secretsOfUrl("host=db password = 'quoted \\' value' sslpassword=k\\ ey port=5432")).toEqual(["quoted ' value", 'k ey']);
    expect(secretsOfUrl("dbname=x password=it's")).toEqual(["it's"]);
  });

  it('finds nothing in one without a password', () => {
    expect(secretsOfUrl('host=db user=app dbname=x')).toEqual([]);
  });
});
