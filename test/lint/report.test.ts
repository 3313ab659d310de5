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

  it('adds metadata for a rule it was not told about', () => {
    const sarif = JSON.parse(renderLintSarif(result, { rules: [] })) as { runs: { tool: { driver: { rules: { id: string }[] } }; results: { ruleIndex: number }[] }[] };
    expect(sarif.runs[0]!.tool.driver.rules.map((r) => r.id)).toEqual(['ban-drop-column', 'ban-drop-table']);
    expect(sarif.runs[0]!.results.map((r) => r.ruleIndex)).toEqual([0, 1]);
  });
});
