import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BIN = new URL('../../bin/prodguard.js', import.meta.url).pathname;

async function bin(args: string[], cwd?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('the installed bin (built dist/)', () => {
  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const result = await bin(['--version']);
    expect(result).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it('sets the process exit code: 3 for an unreachable database, without the password', async () => {
    const result = await bin(['preflight', '--db', 'postgresql://postgres:Sup3rSecret@127.0.0.1:1/x']);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('cannot connect to postgresql://postgres:***@127.0.0.1:1/x');
    expect(result.stdout + result.stderr).not.toContain('Sup3rSecret');
  });

  it('sets exit code 2 for a usage error', async () => {
    expect((await bin(['preflight', '--format', 'xml'])).code).toBe(2);
  });

  // The bin runs the bundled CLI (scripts/bundle.mjs): config files of every format load through it.
  for (const [name, text] of [
    ['prodguard.config.yaml', 'lint:\n  rules:\n    ban-drop-table: off\n'],
    ['prodguard.config.json', '{ "lint": { "rules": { "ban-drop-table": "off" } } }'],
    ['prodguard.config.ts', "export default { lint: { rules: { 'ban-drop-table': 'off' as const } } };\n"],
  ] as const) {
    it(`reads ${name}`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'prodguard-bin-'));
      try {
        writeFileSync(path.join(dir, name), text);
        writeFileSync(path.join(dir, 'm.sql'), 'DROP TABLE users;\n');
        const off = await bin(['lint', 'm.sql', '--format', 'json'], dir);
        expect(off.stderr).toBe('');
        expect(off.code).toBe(0);
        rmSync(path.join(dir, name));
        const on = await bin(['lint', 'm.sql', '--format', 'json'], dir);
        expect(on.code).toBe(1);
        expect(on.stdout).toContain('"rule": "ban-drop-table"');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
