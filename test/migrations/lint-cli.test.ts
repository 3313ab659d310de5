/**
 * Discovery and parsing problems as a user of `prodguard lint` sees them: exit codes and messages
 * of the real CLI (in-process, as the bin runs it) over real files, links and git repositories.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

let root: string;

function write(relative: string, text: string): string {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/**
 * A git repository `name` under the temp root whose `files` (paths relative to it) are committed
 * on main; returns its directory and a git runner in it.
 */
function committedRepo(name: string, files: Record<string, string>): { repo: string; git: (...args: string[]) => string } {
  const repo = path.join(root, name);
  for (const [file, text] of Object.entries(files)) write(`${name}/${file}`, text);
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' });
  git('init', '-q', '-b', 'main');
  git('add', '.');
  git('commit', '-q', '-m', 'base');
  return { repo, git };
}

beforeAll(() => {
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'prodguard-lint-cli-')));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

interface JsonReport {
  files: { path: string; layout: string; transaction: string }[];
  findings: { rule: string; line: number; column: number }[];
}

describe('prodguard lint: discovery and parse problems', () => {
  it('an unclosed block comment is a syntax error (exit 1), also when it starts the file', async () => {
    write('comments/c2.sql', 'DROP TABLE a;\n/* unterminated\nDROP TABLE b;\n');
    write('comments/c3.sql', '/* x\nDROP TABLE e;\n');
    for (const [file, line] of [['comments/c2.sql', 2], ['comments/c3.sql', 1]] as const) {
      const run = await runCli(['lint', file, '--format', 'json'], { cwd: root });
      expect(run.code, file).toBe(1);
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.findings.filter((f) => f.rule === 'syntax-error').map((f) => [f.line, f.column]), file).toEqual([[line, 1]]);
    }
  });

  it('a syntax error next to {{ }} inside a string literal is an error, not templated SQL', async () => {
    write('templated/bad.sql', "INSERT INTO emails (body) VALUES ('Hello {{ name }}'),;\n");
    write('templated/real.sql', 'CREATE TABLE {{ .Schema }}.t (id int);\n');
    const bad = await runCli(['lint', 'templated/bad.sql', '--format', 'json'], { cwd: root });
    expect(bad.code).toBe(1);
    expect((JSON.parse(bad.stdout) as JsonReport).findings.map((f) => f.rule)).toEqual(['syntax-error']);
    const real = await runCli(['lint', 'templated/real.sql', '--format', 'json'], { cwd: root });
    expect(real.code).toBe(0);
    expect((JSON.parse(real.stdout) as JsonReport).findings.map((f) => f.rule)).toEqual(['templated-sql']);
  });

  it('a Prisma migration folder, a glob of them and its migration.sql all lint as prisma (implicit transaction)', async () => {
    write('app/prisma/migrations/20240101_idx/migration.sql', 'CREATE INDEX i ON t (a);\n');
    write('app/prisma/migrations/migration_lock.toml', 'provider = "postgresql"\n');
    for (const input of [
      'app/prisma/migrations',
      'app/prisma/migrations/20240101_idx',
      'app/prisma/migrations/*',
      'app/prisma/migrations/20240101_idx/migration.sql',
    ]) {
      const run = await runCli(['lint', input, '--format', 'json'], { cwd: root });
      const report = JSON.parse(run.stdout) as JsonReport;
      expect(report.files.map((f) => [f.layout, f.transaction]), input).toEqual([['prisma', 'implicit']]);
    }
  });

  it('a dangling symbolic link is a usage error naming it (exit 2); a link to a directory named *.sql is not read', async () => {
    write('links/1.sql', 'SELECT 1;\n');
    mkdirSync(path.join(root, 'links-dir'));
    symlinkSync('../links-dir', path.join(root, 'links/3.sql'));
    const ok = await runCli(['lint', 'links'], { cwd: root });
    expect(ok.code).toBe(0);
    expect(ok.stderr).not.toMatch(/crashed/);

    symlinkSync('nowhere.sql', path.join(root, 'links/2.sql'));
    const broken = await runCli(['lint', 'links'], { cwd: root });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toContain('PRODGUARD_NO_SUCH_PATH');
    expect(broken.stderr).toContain(`broken symbolic link: ${path.join(root, 'links/2.sql')} -> nowhere.sql`);
    expect(broken.stderr).not.toMatch(/crashed/);
  });

  it('--since asks the repository of the linted paths, from any working directory', async () => {
    const { repo } = committedRepo('repo', { 'prisma/migrations/20240101_a/migration.sql': 'SELECT 1;\n' });
    write('repo/prisma/migrations/20240102_b/migration.sql', 'DROP TABLE b;\n');
    const elsewhere = path.join(root, 'not-a-repo');
    mkdirSync(elsewhere);
    const run = await runCli(['lint', path.join(repo, 'prisma/migrations'), '--since', 'main', '--format', 'json'], { cwd: elsewhere });
    expect(run.stderr).toBe('');
    const report = JSON.parse(run.stdout) as JsonReport;
    expect(report.files.map((f) => path.basename(path.dirname(f.path)))).toEqual(['20240102_b']);
    expect(run.code).toBe(1);
  });

  it('--since reads the unchanged migrations as the applied schema: known types and enum values, nothing new', async () => {
    const { repo } = committedRepo('context-repo', {
      'prisma/migrations/20240101_init/migration.sql': `CREATE TYPE "Status" AS ENUM ('draft', 'paid', 'void');\nCREATE TABLE "Invoice" ("id" BIGINT PRIMARY KEY, "note" VARCHAR(50), "status" "Status");\n`,
    });
    write(
      'context-repo/prisma/migrations/20240102_change/migration.sql',
      [
        `SET lock_timeout = '1s';`,
        `SET statement_timeout = '1min';`,
        `ALTER TABLE "Invoice" ALTER COLUMN "note" SET DATA TYPE VARCHAR(200);`,
        `CREATE TYPE "Status_new" AS ENUM ('draft', 'paid');`,
        `ALTER TABLE "Invoice" ALTER COLUMN "status" TYPE "Status_new" USING ("status"::text::"Status_new");`,
        `ALTER TYPE "Status" RENAME TO "Status_old";`,
        `ALTER TYPE "Status_new" RENAME TO "Status";`,
        `DROP TYPE "Status_old";`,
        `DROP TABLE "Invoice";`,
      ].join('\n'),
    );
    const run = await runCli(['lint', 'prisma/migrations', '--since', 'main', '--format', 'json'], { cwd: repo });
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout) as { files: JsonReport['files']; findings: { rule: string; line: number; message: string }[] };
    expect(report.files.map((f) => path.basename(path.dirname(f.path)))).toEqual(['20240102_change']);
    const rules = report.findings.map((f) => `${f.line} ${f.rule}`);
    // The widening of a varchar the applied migration declared rewrites nothing.
    expect(rules).not.toContain('3 changing-column-type');
    expect(rules).toContain('9 ban-drop-table');
    expect(report.findings.find((f) => f.rule === 'enum-value-removed')?.message).toContain("'void'");
  });

  it('a path that holds no migration is a usage error (exit 2), not a clean run', async () => {
    mkdirSync(path.join(root, 'empty'), { recursive: true });
    write('notes/readme.txt', 'no SQL here\n');
    for (const input of ['empty', 'notes']) {
      const run = await runCli(['lint', input], { cwd: root });
      expect(run.code, input).toBe(2);
      expect(run.stderr).toContain('no migrations found');
    }
  });

  it('--fail-on error wins over a config that says warning', async () => {
    write('failon/prodguard.config.json', JSON.stringify({ lint: { failOn: 'warning' } }));
    write('failon/m.sql', 'CREATE INDEX i ON t (a);\n');
    expect((await runCli(['lint', 'm.sql'], { cwd: path.join(root, 'failon') })).code).toBe(1);
    expect((await runCli(['lint', 'm.sql', '--fail-on', 'error'], { cwd: path.join(root, 'failon') })).code).toBe(0);
  });

  it('--since: an old migration edited on the branch still ran in production, so its tables are not new', async () => {
    const { repo } = committedRepo('edited-repo', {
      'migrations/001_init.sql': 'CREATE TABLE users (id bigint PRIMARY KEY, email text);\n',
      'migrations/002_orders.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY);\n',
    });
    write('edited-repo/migrations/001_init.sql', '-- prodguard-ignore-file prefer-robust-stmts: old\nCREATE TABLE users (id bigint PRIMARY KEY, email text);\n');
    write('edited-repo/migrations/003_drop.sql', 'ALTER TABLE users DROP COLUMN email;\nDROP TABLE orders;\nDROP TABLE users;\n');
    const run = await runCli(['lint', 'migrations', '--since', 'main', '--layout', 'plain', '--format', 'json'], { cwd: repo });
    const report = JSON.parse(run.stdout) as { files: { path: string }[]; findings: { rule: string; file: string; line: number }[] };
    expect(report.files.map((f) => path.basename(f.path))).toEqual(['001_init.sql', '003_drop.sql']);
    const drops = report.findings.filter((f) => f.file.endsWith('003_drop.sql') && f.rule.startsWith('ban-drop')).map((f) => `${f.line} ${f.rule}`);
    expect(drops).toEqual(['1 ban-drop-column', '2 ban-drop-table', '3 ban-drop-table']);
  });

  it('--since: an old migration renamed on the branch is still the applied one', async () => {
    const { repo, git } = committedRepo('renamed-repo', { 'm/1_init.sql': 'CREATE TABLE orders (id bigint PRIMARY KEY, total numeric NOT NULL);\n' });
    git('mv', 'm/1_init.sql', 'm/001_init.sql');
    write('renamed-repo/m/002_drop.sql', 'DROP TABLE orders;\n');
    const run = await runCli(['lint', 'm', '--since', 'main', '--format', 'json'], { cwd: repo });
    const report = JSON.parse(run.stdout) as { findings: { rule: string; file: string }[] };
    expect(report.findings.filter((f) => f.rule === 'ban-drop-table').map((f) => path.basename(f.file))).toEqual(['002_drop.sql']);
    expect(run.code).toBe(1);
  });
});
