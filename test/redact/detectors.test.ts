import { describe, expect, it } from 'vitest';
import { DETECTOR_IDS, type DetectorId, ibanValid, luhnValid, selectDetectors } from '../../src/redact/detectors.js';
import { Readable } from 'node:stream';
import { findSecrets, maskSecret } from '../../src/redact/find.js';
import { scanLogs } from '../../src/scan/scan.js';

const ALL = selectDetectors({ ipv4: true, ipv6: true });

function detect(text: string): { detector: DetectorId; secret: string }[] {
  return findSecrets(text, ALL).map((m) => ({ detector: m.detector, secret: text.slice(m.secretStart, m.secretEnd) }));
}

/** True positives: each line holds exactly this secret for this detector. */
const POSITIVES: Record<DetectorId, [line: string, secret: string][]> = {
  email: [
    ['user alice.smith+tag@example.co.uk logged in', 'alice.smith+tag@example.co.uk'],
    ['{"email":"BOB@Example.COM"}', 'BOB@Example.COM'],
  ],
  phone: [
    ['call +1 415 555 2671 now', '+1 415 555 2671'],
    ['{"phone":"+4915123456789"}', '+4915123456789'],
    ['support: (415) 555-2671', '(415) 555-2671'],
    ['tel 415-555-2671', '415-555-2671'],
    ['Rufnummer 030 12345678', '030 12345678'],
  ],
  card: [
    ['paid with 4111 1111 1111 1111', '4111 1111 1111 1111'],
    ['card=5500-0000-0000-0004', '5500-0000-0000-0004'],
    ['amex 378282246310005', '378282246310005'],
  ],
  iban: [
    ['iban DE89370400440532013000 ok', 'DE89370400440532013000'],
    ['GB29 NWBK 6016 1331 9268 19', 'GB29 NWBK 6016 1331 9268 19'],
  ],
  ipv4: [['from 203.0.113.42 port 22', '203.0.113.42']],
  ipv6: [['client 2001:db8:85a3::8a2e:370:7334 connected', '2001:db8:85a3::8a2e:370:7334']],
  jwt: [
    [
      'token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U end',
      'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
    ],
  ],
  'auth-header': [
    ['Authorization: Bearer abc123.def456-ghi789', 'abc123.def456-ghi789'],
    ['authorization: Basic dXNlcjpodW50ZXIy', 'dXNlcjpodW50ZXIy'],
    ['Authorization: Bearer abcdefghijKLMNOPQRSTuvwxyz', 'abcdefghijKLMNOPQRSTuvwxyz'],
  ],
  'aws-access-key': [['key AKIAIOSFODNN7EXAMPLE used', 'AKIAIOSFODNN7EXAMPLE']],
  'aws-secret-key': [['aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY']],
  'github-token': [['GITHUB ghp_16C7e42F292c6912E7710c838347Ae178B4a ok', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a']],
  'gitlab-token': [['glpat-Zx9yW8vU7tS6rQ5pO4nM used', 'glpat-Zx9yW8vU7tS6rQ5pO4nM']],
  'slack-token': [
    ['xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx'],
    ['app token xapp-1-A0123456789-1234567890123-abcdef0123456789', 'xapp-1-A0123456789-1234567890123-abcdef0123456789'],
    ['hook https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX', 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'],
  ],
  'stripe-key': [['sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc']],
  'google-api-key': [['key=AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe', 'AIzaSyDaGmWKa4JsXZ-HjGw7ISLn_3namBGewQe']],
  'npm-token': [['//registry.npmjs.org/:_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789', 'npm_abcdefghijklmnopqrstuvwxyz0123456789']],
  'private-key': [['-----BEGIN RSA PRIVATE KEY-----', '-----BEGIN RSA PRIVATE KEY-----']],
  'url-password': [
    ['connecting to postgres://app:S3cr3t!@db.internal:5432/shop', 'S3cr3t!'],
    ['{"url":"redis://:r3dispass@cache:6379"}', 'r3dispass'],
    ['postgres://app:pa,ss@h/db', 'pa,ss'],
  ],
  'secret-pair': [
    ['login password=hunter2 ok', 'hunter2'],
    ['{"user":"x","api_key":"k-123456"}', 'k-123456'],
    ['client_secret: abc.def', 'abc.def'],
    ['{"dbPassword":"with \\"quote\\""}', 'with \\"quote\\"'],
    ['login password="hunter2 x" ok', 'hunter2 x'],
    ["login password='hunter2' ok", 'hunter2'],
    ['password: "hunter2"', 'hunter2'],
    ["{'password': 'hunter2'}", 'hunter2'],
    ['{:password=>"hunter2"}', 'hunter2'],
    ['{"password":12345678}', '12345678'],
    ['{"password":["hunter2"]}', '["hunter2"]'],
    ['{"body":"{\\"password\\":\\"hunter2\\"}"}', 'hunter2'],
    ['{"msg":"password=hunter2\\nnext line"}', 'hunter2'],
  ],
};

/** Near misses: nothing here is a finding. */
const NEGATIVES: string[] = [
  // Luhn-invalid and non-card digit runs
  'order 4111 1111 1111 1112 placed',
  'id 1234567890123456',
  '{"time":1763700000000,"pid":48213}',
  // Timestamps and versions that look like phone numbers
  '2024-01-15 10:30:45.123 request done',
  '2024-01-15T10:30:45+01:00 ok',
  'build 20240115 103045',
  'version 1.22.333',
  // UUIDs and hashes
  'request 550e8400-e29b-41d4-a716-446655440000 done',
  'sha256 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
  'commit 3f786850e387550fdab836ed7e6dc881de23001b',
  // Mod-97-invalid IBAN
  'DE89370400440532013001',
  // Prose around the keywords
  'Bearer authentication required',
  'basic information about the user',
  'password reset requested for user 42',
  'the secret sauce',
  '"password_required": true',
  '{"password": true, "token": null}',
  'if [BODY].token == x then',
  'password= / secret= / token= -',
  // File names with @2x and the like
  'GET /img/logo@2x.png 200',
  'GET /fonts/icons@1.0.woff2 and /a/b@3x.jpeg',
  'Bearer authentication is required for this endpoint',
  // Already redacted
  'password=*** and secret=[REDACTED] and token=[REDACTED:jwt]',
  'postgres://app:***@db/shop',
  'Authorization: Bearer [REDACTED]',
  // Addresses are off by default in scans, but with them on these are not addresses
  'version 1.2.3.4.5',
  'time 10:30:45',
];

describe('detectors', () => {
  it.each(DETECTOR_IDS)('%s has true positives', (id) => {
    const cases = POSITIVES[id];
    expect(cases.length).toBeGreaterThan(0);
    for (const [line, secret] of cases) {
      const found = detect(line);
      expect(found, line).toContainEqual({ detector: id, secret });
    }
  });

  it.each(NEGATIVES)('no finding in %s', (line) => {
    expect(detect(line)).toEqual([]);
  });

  it('IP addresses are off by default', () => {
    expect(findSecrets('from 203.0.113.42', selectDetectors())).toEqual([]);
    expect(findSecrets('from 203.0.113.42', selectDetectors({ ipv4: true })).map((m) => m.detector)).toEqual(['ipv4']);
  });

  it('rejects unknown detector switches', () => {
    expect(() => selectDetectors({ nope: true } as never)).toThrow(/unknown detector "nope"/);
  });

  it('checks Luhn and mod-97', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(ibanValid('GB82WEST12345698765432')).toBe(true);
    expect(ibanValid('GB82WEST12345698765433')).toBe(false);
  });

  it('masks never reproduce the secret', () => {
    for (const cases of Object.values(POSITIVES)) {
      for (const [, secret] of cases) {
        const masked = maskSecret(secret);
        expect(masked).not.toContain(secret);
        expect(masked.replace('***', '').length).toBeLessThanOrEqual(3);
        expect(findSecrets(masked, ALL)).toEqual([]);
      }
    }
  });

  it("scan-logs' printed match never holds a secret, for every detector and in a URL's user part", async () => {
    const lines: [string, string][] = [
      ...Object.values(POSITIVES).flat(),
      ['git https://ghp_16C7e42F292c6912E7710c838347Ae178B4a:x-oauth-basic@github.com/o/r.git', 'ghp_16C7e42F292c6912E7710c838347Ae178B4a'],
      ['copy s3://AKIAIOSFODNN7EXAMPLE:x@bucket/key', 'AKIAIOSFODNN7EXAMPLE'],
      ['mail via smtp://alice%40example.com:pw@smtp.example.com', 'alice%40example.com'],
    ];
    for (const [line, secret] of lines) {
      const report = await scanLogs([{ name: '-', source: Readable.from([`${line}\n`]) }], { detectors: { ipv4: true, ipv6: true } });
      expect(report.findings.length, line).toBeGreaterThan(0);
      for (const finding of report.findings) {
        expect(finding.match, line).not.toContain(secret);
        expect(findSecrets(finding.match, ALL), `${line} → ${finding.match}`).toEqual([]);
      }
    }
  });

  it('stays linear on long lines (no catastrophic backtracking)', () => {
    // Before the email regex started only at the start of a run, 150k letters without an @ took ~40 s.
    const tail = ' @ :// eyJa.eyJ Bearer password= secret: AKIA -----BEGIN RSA PRIVATE KEY----- +49 DE89 4111';
    for (const fill of ['x', 'a1', 'x@', 'a.', 'x@a.', '1-', '1 ', 'a:', 'ab://', 'a:b@', 'ff:', '"token":"', '-----BEGIN PRIVATE KEY-----', '-----BEGIN RSA PRIVATE KEY----- ']) {
      const line = fill.repeat(Math.ceil(100_000 / fill.length)) + tail;
      for (const detector of ALL) {
        const started = performance.now();
        findSecrets(line, [detector]);
        expect(performance.now() - started, `${detector.id} on ${JSON.stringify(fill)}`).toBeLessThan(1_000);
      }
    }
  });
});
