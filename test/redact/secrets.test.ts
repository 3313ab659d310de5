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
