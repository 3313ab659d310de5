import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { scanLogs } from '../../src/scan/scan.js';
import { parseAllowlist } from '../../src/scan/allowlist.js';
import { runCli } from '../helpers/cli.js';

const SECRETS = {
  email: 'alice.smith@example.com',
  jwt: 'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U',
  aws: 'AKIAIOSFODNN7EXAMPLE',
  password: 'Hunter2Secret',
};

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'prodguard-scan-'));
}

function pinoLine(i: number, msg: string): string {
  return `${JSON.stringify({ level: 30, time: 1763700000000 + i, pid: 4821, hostname: 'web-1', msg })}\n`;
}

function sampleLog(): string {
  return [
    pinoLine(1, 'server started'),
    pinoLine(2, `login ${SECRETS.email}`),
    pinoLine(3, 'request done in 12 ms'),
    pinoLine(4, `token ${SECRETS.jwt} and key ${SECRETS.aws}`),
    pinoLine(5, `connect postgres://app:${SECRETS.password}@db/x`),
  ].join('');
}

describe('prodguard scan-logs', () => {
  it('reports each finding with file, line, column, detector and a masked match; exit 1', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'app.log'), sampleLog());
    const run = await runCli(['scan-logs', 'app.log', '--format', 'json'], { cwd: dir });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.summary).toMatchObject({ files: 1, findings: 4, bytes: Buffer.byteLength(sampleLog()) });
    expect(report.findings.map((f: { line: number; detector: string }) => [f.line, f.detector])).toEqual([
      [2, 'email'],
      [4, 'jwt'],
      [4, 'aws-access-key'],
      [5, 'url-password'],
    ]);
    const email = report.findings[0];
    expect(email.file).toBe('app.log');
    expect(sampleLog().split('\n')[1]!.indexOf(SECRETS.email) + 1).toBe(email.column);
    for (const secret of Object.values(SECRETS)) expect(run.stdout).not.toContain(secret);
  });

  it('text output is masked too, and a clean log exits 0', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'app.log'), sampleLog());
    writeFileSync(path.join(dir, 'clean.log'), pinoLine(1, 'nothing to see'));
    const dirty = await runCli(['scan-logs', 'app.log'], { cwd: dir });
    expect(dirty.stdout).toMatch(/app\.log:2:\d+ {2}email {2}ali\*\*\*/);
    for (const secret of Object.values(SECRETS)) expect(dirty.stdout + dirty.stderr).not.toContain(secret);
    const clean = await runCli(['scan-logs', 'clean.log'], { cwd: dir });
    expect(clean.code).toBe(0);
    expect(clean.stdout).toContain('clean: 1 file');
  });

  it('reads .gz files (by their magic bytes) and directories', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'app.log.1.gz'), gzipSync(sampleLog()));
    writeFileSync(path.join(dir, 'rotated'), gzipSync(pinoLine(1, `mail ${SECRETS.email}`)));
    const run = await runCli(['scan-logs', '.', '--format', 'json'], { cwd: dir });
    const report = JSON.parse(run.stdout);
    expect(report.summary.files).toBe(2);
    expect(report.summary.findings).toBe(5);
  });

  it('reads stdin (-)', () => {
    const bin = path.resolve('bin/prodguard.js');
    const run = spawnSync(process.execPath, [bin, 'scan-logs', '-', '--format', 'json'], { input: sampleLog(), encoding: 'utf8' });
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.findings[0].file).toBe('-');
    expect(report.summary.findings).toBe(4);
  });

  it('decompresses gzip on stdin (by its magic bytes)', async () => {
    const bin = path.resolve('bin/prodguard.js');
    const run = spawnSync(process.execPath, [bin, 'scan-logs', '-', '--format', 'json'], { input: gzipSync(sampleLog()), encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(JSON.parse(run.stdout).summary.findings).toBe(4);
    // In process, with the magic bytes split over two chunks.
    const gz = gzipSync(sampleLog());
    const report = await scanLogs([{ name: '-', source: Readable.from([gz.subarray(0, 1), gz.subarray(1)]) }]);
    expect(report.summary.findings).toBe(4);
  });

  it('a truncated .gz is a warning: its findings so far are kept (exit 1); alone and clean it exits 3', async () => {
    const dir = tempDir();
    const lines: string[] = [pinoLine(0, `mail ${SECRETS.email}`)];
    for (let i = 1; i < 20_000; i++) lines.push(pinoLine(i, `request ${i} done ${i * 7919}`));
    const gz = gzipSync(lines.join(''));
    writeFileSync(path.join(dir, 'cut.log.gz'), gz.subarray(0, Math.floor(gz.length / 2)));
    writeFileSync(path.join(dir, 'clean.log.gz'), gzipSync(pinoLine(1, 'ok')).subarray(0, 12));
    writeFileSync(path.join(dir, 'fine.log'), pinoLine(2, 'ok'));
    const run = await runCli(['scan-logs', 'cut.log.gz', 'fine.log', '--format', 'json'], { cwd: dir });
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.summary.findings).toBe(1);
    expect(report.errors).toEqual([{ file: 'cut.log.gz', message: expect.stringMatching(/unexpected end of file/) }]);
    expect(run.stderr).toMatch(/^warning: cannot read cut\.log\.gz to the end: .*unexpected end of file/m);
    const clean = await runCli(['scan-logs', 'clean.log.gz', 'fine.log'], { cwd: dir });
    expect(clean.code).toBe(3);
    expect(clean.stderr).toMatch(/warning: cannot read clean\.log\.gz to the end/);
    expect(clean.stderr).not.toMatch(/\n\s+at /);
  });

  it('the allowlist removes values, patterns and paths', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'app.log'), sampleLog());
    writeFileSync(path.join(dir, 'fixture.log'), sampleLog());
    writeFileSync(
      path.join(dir, 'allow.txt'),
      `# known test data\nvalue: ${SECRETS.email}\npattern: ^AKIA.*EXAMPLE$\npath: fixture.log\n`,
    );
    const run = await runCli(['scan-logs', 'app.log', 'fixture.log', '--allow', 'allow.txt', '--format', 'json'], { cwd: dir });
    const report = JSON.parse(run.stdout);
    expect(report.findings.map((f: { detector: string }) => f.detector)).toEqual(['jwt', 'url-password']);
    expect(report.findings.every((f: { file: string }) => f.file === 'app.log')).toBe(true);
  });

  it('SARIF locations are valid URIs: # and ? percent-encoded, a path outside the directory as file://', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'a#1?.log'), sampleLog());
    const other = tempDir();
    writeFileSync(path.join(other, 'b.log'), sampleLog());
    const run = await runCli(['scan-logs', 'a#1?.log', path.join(other, 'b.log'), '--format', 'sarif'], { cwd: dir });
    const locations = (JSON.parse(run.stdout) as { runs: { results: { locations: { physicalLocation: { artifactLocation: unknown } }[] }[] }[] }).runs[0]!.results.map(
      (r) => r.locations[0]!.physicalLocation.artifactLocation,
    );
    expect(locations).toContainEqual({ uri: 'a%231%3F.log', uriBaseId: '%SRCROOT%' });
    expect(locations).toContainEqual({ uri: pathToFileURL(path.join(other, 'b.log')).href });
  });

  it('text output shows control characters in file names instead of sending them to the terminal', async () => {
    const dir = tempDir();
    const name = 'app\u001b]0;pwned\u0007.log';
    writeFileSync(path.join(dir, name), sampleLog());
    const run = await runCli(['scan-logs', name], { cwd: dir, env: { NO_COLOR: '1' } });
    expect(run.stdout).not.toContain('\u001b');
    expect(run.stdout).toContain('app\u241b]0;pwned\u2407.log:2:');
  });

  it('SARIF output names the detector as rule and the location', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'app.log'), sampleLog());
    const run = await runCli(['scan-logs', 'app.log', '--format', 'sarif'], { cwd: dir });
    const sarif = JSON.parse(run.stdout);
    expect(sarif.version).toBe('2.1.0');
    const result = sarif.runs[0].results[0];
    expect(result.ruleId).toBe('email');
    expect(result.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: 'app.log', uriBaseId: '%SRCROOT%' },
      region: { startLine: 2, startColumn: expect.any(Number) },
    });
    expect(sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toContain('jwt');
    expect(run.stdout).not.toContain(SECRETS.email);
  });

  it('bad input: missing file, bad allowlist, unknown detector → exit 2', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'app.log'), sampleLog());
    writeFileSync(path.join(dir, 'bad-allow.txt'), 'pattern: ([\n');
    expect((await runCli(['scan-logs', 'missing.log'], { cwd: dir })).code).toBe(2);
    const bad = await runCli(['scan-logs', 'app.log', '--allow', 'bad-allow.txt'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('bad-allow.txt:1: invalid pattern');
    expect((await runCli(['scan-logs', 'app.log', '--enable', 'nope'], { cwd: dir })).code).toBe(2);
    expect(() => parseAllowlist('allow everything', 'f')).toThrow(/f:1: expected/);
  });

  it('a line longer than the 16 MB carry is counted once, and the next line keeps its number', async () => {
    const piece = Buffer.alloc(1 << 20, 'x');
    const chunks = () => [...Array.from({ length: 17 }, () => piece), Buffer.from(`\nmail ${SECRETS.email}\n`)];
    for (const options of [{}, { match: /mail/ }]) {
      const report = await scanLogs([{ name: 'long', source: Readable.from(chunks()) }], options);
      expect(report.summary.lines, JSON.stringify(options)).toBe(2);
      expect(report.findings.map((f) => [f.line, f.detector])).toEqual([[2, 'email']]);
    }
  });

  it('counts lines across chunk boundaries and streams big inputs', async () => {
    // ~3 MB of lines with a finding at a known late line: line numbers must survive 1 MB chunks.
    const lines: string[] = [];
    for (let i = 1; i <= 30_000; i++) lines.push(pinoLine(i, i === 29_999 ? `mail ${SECRETS.email}` : `request ${i} done`));
    const chunks = lines.join('').match(/[\s\S]{1,65521}/g)!.map((s) => Buffer.from(s));
    const report = await scanLogs([{ name: 'big', source: Readable.from(chunks) }]);
    expect(report.findings).toEqual([{ file: 'big', line: 29_999, column: expect.any(Number), detector: 'email', match: 'ali***' }]);
    expect(report.summary.lines).toBe(30_000);
  });

  it('a line spread over several chunks is scanned whole', async () => {
    const long = `${'x'.repeat(150_000)} mail ${SECRETS.email}\nnext\n`;
    const chunks = long.match(/[\s\S]{1,40000}/g)!.map((s) => Buffer.from(s));
    const report = await scanLogs([{ name: 'long', source: Readable.from([Buffer.from('first\n'), ...chunks]) }]);
    expect(report.findings).toEqual([{ file: 'long', line: 2, column: 150_007, detector: 'email', match: 'ali***' }]);
    expect(report.summary.lines).toBe(3);
  });

  it('a time window skips older lines; lines without a time take the previous one', async () => {
    const text = [
      pinoLine(0, `old ${SECRETS.email}`),
      '{"level":50,"time":1763700600000,"msg":"ERROR new"}\n',
      `  at stack frame ${SECRETS.aws}\n`,
      '[2025-11-21 06:00:00] production.ERROR: also new\n',
    ].join('');
    const report = await scanLogs([{ name: 'x', source: Readable.from([Buffer.from(text)]) }], {
      since: 1763700300000,
      match: /ERROR/,
    });
    expect(report.findings.map((f) => f.detector)).toEqual(['aws-access-key']);
    expect(report.summary.matches).toBe(2);
    expect(report.summary.lines).toBe(3);
  });
});
