import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LintResult } from '../../src/lint/engine.js';
import {
  lintJson,
  lintJsonStream,
  renderLintGithub,
  renderLintJson,
  renderLintSarif,
  renderLintText,
} from '../../src/lint/report/index.js';
import type { Finding } from '../../src/lint/types.js';
import { redactText } from '../../src/redact/secrets.js';

const sql = 'SELECT 1;\n  ALTER TABLE users DROP COLUMN email;\nDROP TABLE\n  t;\n';

const result: LintResult = {
  pgVersion: 14,
  files: [
    { path: 'prisma/migrations/1_a/migration.sql', layout: 'prisma', transaction: 'per-file', level: 3, statements: 3 },
    { path: 'prisma/migrations/2_b/migration.sql', layout: 'prisma', transaction: 'per-file', level: 1, statements: 1 },
  ],
  findings: [
    {
      rule: 'ban-drop-column',
      severity: 'error',
      file: 'prisma/migrations/1_a/migration.sql',
      line: 2,
      column: 3,
      endLine: 2,
      endColumn: 38,
      message: 'Dropping a column breaks clients, 100% sure: it loses data',
      help: 'Stop reading the column first.',
      fix: 'ALTER TABLE users\n  ALTER COLUMN email DROP NOT NULL;',
    },
    {
      rule: 'ban-drop-table',
      severity: 'warning',
      file: 'prisma/migrations/1_a/migration.sql',
      line: 3,
      column: 1,
      endLine: 4,
      endColumn: 4,
      message: 'Dropping a table',
      help: 'Keep it.',
    },
  ],
  summary: { files: 2, statements: 4, errors: 1, warnings: 1 },
};

/** A stream's report decoded, as it reaches stdout. */
function streamed(stream: ReturnType<typeof lintJsonStream>, run: LintResult): string {
  const bytes: Buffer[] = [];
  for (const part of stream.parts(run)) bytes.push(typeof part === 'string' ? Buffer.from(part) : Buffer.from(part));
  return Buffer.concat(bytes).toString('utf8');
}

describe('renderLintText', () => {
  it('prints location, severity, rule, the SQL line underlined, help, fix, levels and the summary', () => {
    const text = renderLintText(result, { color: false, sources: { 'prisma/migrations/1_a/migration.sql': sql } });
    expect(text).toBe(
      [
        'prisma/migrations/1_a/migration.sql:2:3 error ban-drop-column Dropping a column breaks clients, 100% sure: it loses data',
        '  2 |   ALTER TABLE users DROP COLUMN email;',
        '    |   ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^',
        '  help: Stop reading the column first.',
        '  fix:  ALTER TABLE users',
        '          ALTER COLUMN email DROP NOT NULL;',
        '',
        'prisma/migrations/1_a/migration.sql:3:1 warning ban-drop-table Dropping a table',
        '  3 | DROP TABLE',
        '    | ^^^^^^^^^^ ... (1 more line)',
        '  help: Keep it.',
        '',
        'prisma/migrations/1_a/migration.sql: level 3 (modifies or removes), 3 statements, transaction per-file',
        '',
        'prisma/migrations/2_b/migration.sql: level 1 (no schema or data change), 1 statement, transaction per-file',
        '',
        '✖ 1 error, 1 warning in 1 of 2 files (4 statements); target PostgreSQL 14 (the default, oldest supported; set --pg-version or pgVersion)',
        '',
      ].join('\n'),
    );
  });

  it('colours only when asked, and works without sources', () => {
    const plain = renderLintText(result, { color: false });
    expect(plain).not.toContain('\u001b[');
    expect(plain).not.toContain(' | ');
    const coloured = renderLintText(result, { color: true, sources: new Map([['prisma/migrations/1_a/migration.sql', sql]]) });
    expect(coloured).toContain('\u001b[');
  });

  it('says so when there is nothing to report', () => {
    const clean: LintResult = { ...result, pgVersion: 16, findings: [], summary: { files: 2, statements: 4, errors: 0, warnings: 0 } };
    expect(renderLintText(clean, { color: false })).toMatch(/✔ no problems in 2 files \(4 statements\); target PostgreSQL 16\n$/);
  });
});

describe('renderLintJson', () => {
  it('keeps the documented shape', () => {
    const parsed = JSON.parse(renderLintJson(result)) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['pgVersion', 'files', 'findings', 'summary']);
    expect((parsed['findings'] as object[])[1]).toEqual(result.findings[1]);
    expect(Object.keys((parsed['findings'] as object[])[0]!)).toEqual([
      'rule', 'severity', 'file', 'line', 'column', 'endLine', 'endColumn', 'message', 'help', 'fix',
    ]);
  });

  it('writes exactly what JSON.stringify(lintJson(result), null, 2) writes, for any text in the findings', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 40 });
    const finding: fc.Arbitrary<Finding> = fc.record(
      {
        rule: fc.constantFrom('ban-drop-column', 'set-not-null'),
        severity: fc.constantFrom('error' as const, 'warning' as const),
        file: fc.oneof(text, fc.constant('prisma/migrations/1_a/migration.sql')),
        line: fc.nat(),
        column: fc.nat(),
        endLine: fc.nat(),
        endColumn: fc.nat(),
        message: fc.oneof(text, fc.string({ unit: 'binary', maxLength: 20 })),
        help: fc.oneof(text, fc.constant('Keep it.')),
        fix: text,
      },
      { requiredKeys: ['rule', 'severity', 'file', 'line', 'column', 'endLine', 'endColumn', 'message', 'help'] },
    );
    fc.assert(
      fc.property(fc.array(finding, { maxLength: 8 }), fc.boolean(), (findings, noFiles) => {
        const run: LintResult = { ...result, files: noFiles ? [] : result.files, findings };
        expect(renderLintJson(run)).toBe(`${JSON.stringify(lintJson(run), null, 2)}\n`);
      }),
    );
  });

  it('streams the same text, findings handed over file by file, as renderLintJson writes', () => {
    const text = fc.string({ unit: 'grapheme', maxLength: 40 });
    const finding: fc.Arbitrary<Finding> = fc.record(
      {
        rule: fc.constantFrom('ban-drop-column', 'set-not-null'),
        severity: fc.constantFrom('error' as const, 'warning' as const),
        file: fc.constant('prisma/migrations/1_a/migration.sql'),
        line: fc.nat(),
        column: fc.nat(),
        endLine: fc.nat(),
        endColumn: fc.nat(),
        message: fc.oneof(text, fc.constant('postgres://app:Sup3rSecret@db/app'), fc.string({ unit: 'binary', maxLength: 20 })),
        help: fc.oneof(text, fc.constant('Keep it.')),
        fix: text,
      },
      { requiredKeys: ['rule', 'severity', 'file', 'line', 'column', 'endLine', 'endColumn', 'message', 'help'] },
    );
    const redact = (value: string): string => redactText(value, ['hunter22']);
    fc.assert(
      fc.property(fc.array(fc.array(finding, { maxLength: 5 }), { maxLength: 5 }), (perFile) => {
        const findings = perFile.flat();
        const stream = lintJsonStream(redact);
        for (const group of perFile) stream.add(group);
        expect(streamed(stream, { ...result, findings: [] })).toBe(renderLintJson({ ...result, findings }, redact));
      }),
    );
  });

  it('streams a report of many MB across its byte blocks without splitting a character', () => {
    const findings: Finding[] = Array.from({ length: 6000 }, (_, i) => ({
      ...result.findings[0]!,
      line: i,
      message: `${'é€𝄞 '.repeat(i % 97)}row ${i}: "quoted" \\ back`,
    }));
    const stream = lintJsonStream();
    for (let i = 0; i < findings.length; i += 700) stream.add(findings.slice(i, i + 700));
    const out = streamed(stream, { ...result, findings: [] });
    expect(out.length).toBeGreaterThan(2 << 20);
    expect(out).toBe(renderLintJson({ ...result, findings }));
  });

  it('passes every string value through the redactor it is given', () => {
    const url = 'postgresql://app:Sup3rSecret-t0ken@db.internal:5432/app?sslmode=require';
    const withSecrets: LintResult = {
      ...result,
      files: [{ ...result.files[0]!, path: `migrations/${url}.sql` }],
      findings: [
        { ...result.findings[0]!, message: `reads ${url}`, help: 'set password=hunter22 in the DSN', fix: `-- ${url}` },
      ],
    };
    const out = renderLintJson(withSecrets, (value) => redactText(value, ['hunter22']));
    expect(out).not.toContain('Sup3rSecret-t0ken');
    expect(out).not.toContain('hunter22');
    const parsed = JSON.parse(out) as { findings: Finding[]; files: { path: string }[] };
    expect(parsed.findings[0]!.message).toBe('reads postgresql://app:***@db.internal:5432/app?sslmode=require');
    expect(parsed.findings[0]!.fix).toBe('-- postgresql://app:***@db.internal:5432/app?sslmode=require');
    expect(parsed.files[0]!.path).toContain('app:***@');
  });

  it('redacts a URL password with a control character in it, as a scan of the escaped text would', () => {
    const withTab: LintResult = {
      ...result,
      findings: [{ ...result.findings[1]!, message: 'reads postgres://u:pa\tss-S3cret@db/app' }],
    };
    const out = renderLintJson(withTab, (value) => redactText(value));
    expect(out).not.toContain('S3cret');
    expect(() => JSON.parse(out) as unknown).not.toThrow();
  });

  it('stays JSON when a value with a control character holds a password= pair next to a quote', () => {
    const quoted = 'Dropping column "password=a\tb" of "users"';
    const withTab: LintResult = {
      ...result,
      files: [{ ...result.files[0]!, path: 'm/"password=a\tb".sql' }],
      findings: [{ ...result.findings[0]!, message: quoted, help: `stop using ${quoted}`, fix: `-- ${quoted}\n-- "token=x\u001by"` }],
    };
    const out = renderLintJson(withTab, (value) => redactText(value, ['hunter22']));
    const parsed = JSON.parse(out) as { findings: Finding[] };
    expect(parsed.findings[0]!.message).toBe('Dropping column "password=***\tb" of "users"');
  });
});

describe('renderLintGithub', () => {
  it('writes annotations with escaped data and properties', () => {
    const out = renderLintGithub({
      ...result,
      findings: [{ ...result.findings[0]!, file: 'a,b:c.sql' }, result.findings[1]!],
    });
    expect(out.split('\n')).toEqual([
      '::error file=a%2Cb%3Ac.sql,line=2,col=3,endLine=2,endColumn=38,title=ban-drop-column::Dropping a column breaks clients, 100%25 sure: it loses data%0Ahelp: Stop reading the column first.',
      '::warning file=prisma/migrations/1_a/migration.sql,line=3,col=1,endLine=4,endColumn=4,title=ban-drop-table::Dropping a table%0Ahelp: Keep it.',
      '',
    ]);
  });
});

describe('renderLintGithub redaction and control characters', () => {
  it('redacts values before escaping them, so a secret with % in it cannot pass as %25', () => {
    const withSecret: LintResult = {
      ...result,
      findings: [{ ...result.findings[0]!, file: 'm/Pw%9x:Q.sql', message: 'Dropping column "Pw%9x:Q"', help: 'password=Pw%9x:Q' }],
    };
    const out = renderLintGithub(withSecret, (value) => redactText(value, ['Pw%9x:Q']));
    expect(out).not.toContain('Pw%259x');
    expect(out).toContain('file=m/***.sql,');
    expect(out).toContain('::Dropping column "***"%0Ahelp: password=***');
  });

  it('shows escape sequences and other control characters instead of sending them to the log', () => {
    const name = 'a\u001b[2J\u001b]0;pwned\u0007b\rc';
    const out = renderLintGithub({ ...result, findings: [{ ...result.findings[0]!, message: `Dropping column "${name}"`, help: `stop using "${name}"` }] });
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(out).toContain('Dropping column "a␛[2J␛]0;pwned␇b␍c"%0Ahelp: stop using "a␛[2J␛]0;pwned␇b␍c"');
  });
});

describe('renderLintText control characters', () => {
  it('shows escape sequences in the message, the SQL line, the help and the fix, and keeps the underline aligned', () => {
    const line = 'ALTER TABLE "a\u001b[2J\u202eb" DROP COLUMN x;';
    const column = line.indexOf('DROP') + 1;
    const finding: Finding = {
      ...result.findings[0]!,
      file: 'm.sql',
      line: 1,
      column,
      endLine: 1,
      endColumn: line.length,
      message: 'on "a\u001b[2J\u202eb"',
      help: 'help \u001b]0;pwned\u0007',
      fix: 'fix \u009b2J',
    };
    const text = renderLintText({ ...result, files: [], findings: [finding] }, { color: false, sources: { 'm.sql': `${line}\n` } });
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    const lines = text.split('\n');
    expect(lines[0]).toBe(`m.sql:1:${column} error ban-drop-column on "a␛[2J<U+202E>b"`);
    expect(lines[1]).toBe('  1 | ALTER TABLE "a␛[2J<U+202E>b" DROP COLUMN x;');
    // The carets start under DROP and end before the `;`, as on the shown line.
    expect(lines[2]!.indexOf('^')).toBe(lines[1]!.indexOf('DROP'));
    expect(lines[2]!.lastIndexOf('^')).toBe(lines[1]!.indexOf(';') - 1);
    expect(text).toContain('help: help ␛]0;pwned␇');
    expect(text).toContain('fix:  fix <U+009B>2J');
  });
});

describe('renderLintSarif', () => {
  it('is SARIF 2.1.0 with rule metadata, help links and results', () => {
    const sarif = JSON.parse(
      renderLintSarif(result, {
        rules: [
          { id: 'ban-drop-column', severity: 'error', summary: 'Flags DROP COLUMN', level: 3, docsUrl: 'docs/rules/ban-drop-column.md' },
          { id: 'ban-drop-table', severity: 'error', summary: 'Flags DROP TABLE', level: 3 },
        ],
        docsBaseUrl: 'https://example.com/prodguard/blob/main',
        toolVersion: '0.1.0',
      }),
    ) as { version: string; runs: { tool: { driver: { rules: Record<string, unknown>[]; version: string } }; results: Record<string, unknown>[] }[] };
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0]!;
    expect(run.tool.driver.version).toBe('0.1.0');
    expect(run.tool.driver.rules.map((r) => [r['id'], r['helpUri']])).toEqual([
      ['ban-drop-column', 'https://example.com/prodguard/blob/main/docs/rules/ban-drop-column.md'],
      ['ban-drop-table', 'https://example.com/prodguard/blob/main/docs/rules/ban-drop-table.md'],
    ]);
    expect(run.results[1]).toMatchObject({
      ruleId: 'ban-drop-table',
      ruleIndex: 1,
      level: 'warning',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'prisma/migrations/1_a/migration.sql' },
            region: { startLine: 3, startColumn: 1, endLine: 4, endColumn: 4 },
          },
        },
      ],
    });
  });

  it('gives each file a valid artifactLocation: relative and encoded, absolute as file://, stdin apart', () => {
    const files = ['m/a#1?.sql', 'm/100% x.sql', 'c:drive.sql', '/tmp/out side/a.sql', '-'];
    const sarif = JSON.parse(
      renderLintSarif({ ...result, findings: files.map((file) => ({ ...result.findings[1]!, file })) }, { rules: [] }),
    ) as { runs: { results: { locations: { physicalLocation: { artifactLocation: Record<string, string> } }[] }[] }[] };
    expect(sarif.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation)).toEqual([
      { uri: 'm/a%231%3F.sql', uriBaseId: '%SRCROOT%' },
      { uri: 'm/100%25%20x.sql', uriBaseId: '%SRCROOT%' },
      { uri: 'c%3Adrive.sql', uriBaseId: '%SRCROOT%' },
      { uri: 'file:///tmp/out%20side/a.sql' },
      { uri: 'stdin' },
    ]);
    for (const { uri } of sarif.runs[0]!.results.map((r) => r.locations[0]!.physicalLocation.artifactLocation)) {
      // A relative reference resolves to the same path (no query or fragment swallowing part of it).
      const resolved = new URL(uri!, 'file:///src/');
      expect(resolved.search + resolved.hash).toBe('');
    }
  });

  it('redacts every string value before serialising, and whole-text redaction keeps it JSON too', () => {
    const withSecrets: LintResult = {
      ...result,
      findings: [
        {
          ...result.findings[0]!,
          file: 'm/"password=abc".sql',
          message: 'WHERE password = "legacy" AND "password=abc" AND "Pa\"ss<9word"',
          help: 'see postgres://app:Sup3rSecret@db/x',
          fix: '-- "password=a\tb"',
        },
      ],
    };
    const redact = (value: string): string => redactText(value, ['Pa"ss<9word']);
    const out = renderLintSarif(withSecrets, { rules: [] }, redact);
    const parsed = JSON.parse(out) as { runs: { results: { message: { text: string }; properties: { fix: string } }[] }[] };
    expect(out).not.toMatch(/abc|Sup3rSecret|9word/);
    expect(parsed.runs[0]!.results[0]!.message.text).toContain('AND "password=***" AND "***"');
    expect(parsed.runs[0]!.results[0]!.properties.fix).toBe('-- "password=***\tb"');
    // The CLI's output writer redacts whole texts: a SARIF log must survive that as JSON.
    const unredacted = renderLintSarif(withSecrets, { rules: [] });
    expect(() => JSON.parse(redactText(unredacted, ['Pa"ss<9word'])) as unknown).not.toThrow();
  });

  it('adds metadata for a rule it was not told about', () => {
    const sarif = JSON.parse(renderLintSarif(result, { rules: [] })) as { runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleIndex: number }[] }[] };
    expect(sarif.runs[0]!.tool.driver.rules.map((r) => r.id)).toEqual(['ban-drop-column', 'ban-drop-table']);
    expect(sarif.runs[0]!.results.map((r) => r.ruleIndex)).toEqual([0, 1]);
  });
});
