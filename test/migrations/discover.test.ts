import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MissingBinaryError, UsageError } from '../../src/errors.js';
import { discoverMigrations, globToRegExp } from '../../src/migrations/discover.js';
import { changedFilesIn } from '../../src/migrations/git.js';

let root: string;

function write(relative: string, text = 'SELECT 1;\n'): void {
  const file = path.join(root, relative);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

function paths(files: { path: string }[]): string[] {
  return files.map((file) => file.path.split(path.sep).join('/'));
}

beforeAll(() => {
  root = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'prodguard-discover-')));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('discoverMigrations: layouts', () => {
  it('Prisma: folders in name order, one query per file (implicit transaction)', async () => {
    write('p1/prisma/migrations/20240102000000_second/migration.sql');
    write('p1/prisma/migrations/20240101000000_init/migration.sql');
    write('p1/prisma/migrations/migration_lock.toml', 'provider = "postgresql"');
    const files = await discoverMigrations(['p1/prisma/migrations'], { cwd: root });
    expect(paths(files)).toEqual([
      'p1/prisma/migrations/20240101000000_init/migration.sql',
      'p1/prisma/migrations/20240102000000_second/migration.sql',
    ]);
    expect(files.map((f) => [f.layout, f.transaction, f.name])).toEqual([
      ['prisma', 'implicit', 'init'],
      ['prisma', 'implicit', 'second'],
    ]);
  });

  it('a project root is searched for prisma/migrations', async () => {
    const files = await discoverMigrations(['p1'], { cwd: root });
    expect(files).toHaveLength(2);
    expect(files[0]!.layout).toBe('prisma');
  });

  it('Drizzle: journal order, breakpoints, per-file transaction', async () => {
    write('drizzle/0001_b.sql', 'CREATE TABLE b (id int);\n--> statement-breakpoint\nCREATE TABLE c (id int);');
    write('drizzle/0000_a.sql', 'CREATE TABLE a (id int);');
    write(
      'drizzle/meta/_journal.json',
      JSON.stringify({ entries: [{ idx: 1, tag: '0001_b' }, { idx: 0, tag: '0000_a' }] }),
    );
    const files = await discoverMigrations(['drizzle'], { cwd: root });
    expect(paths(files)).toEqual(['drizzle/0000_a.sql', 'drizzle/0001_b.sql']);
    expect(files.every((f) => f.layout === 'drizzle' && f.transaction === 'per-file')).toBe(true);
  });

  it('Supabase: timestamped files in order', async () => {
    write('supa/supabase/migrations/20240201000000_b.sql');
    write('supa/supabase/migrations/20240101000000_a.sql');
    write('supa/supabase/migrations/notes.sql');
    const files = await discoverMigrations(['supa/supabase/migrations'], { cwd: root });
    expect(paths(files).map((p) => path.basename(p))).toEqual(['20240101000000_a.sql', '20240201000000_b.sql']);
    expect(files[0]!.layout).toBe('supabase');
    expect(files[0]!.transaction).toBe('per-file');
  });

  it('Flyway: numeric version order, repeatables last, executeInTransaction=false', async () => {
    for (const name of ['V10__ten.sql', 'V2__two.sql', 'V1.2__one_two.sql', 'V1__one.sql', 'R__views.sql', 'V1_1__one_one.sql', 'U2__undo.sql']) {
      write(`flyway/${name}`);
    }
    write('flyway/V10__ten.sql.conf', 'executeInTransaction=false\n');
    const files = await discoverMigrations(['flyway'], { cwd: root });
    expect(files.map((f) => path.basename(f.path))).toEqual([
      'V1__one.sql',
      'V1_1__one_one.sql',
      'V1.2__one_two.sql',
      'V2__two.sql',
      'V10__ten.sql',
      'R__views.sql',
    ]);
    expect(files.map((f) => f.transaction)).toEqual(['per-file', 'per-file', 'per-file', 'per-file', 'none', 'per-file']);
    expect(files[1]!.version).toBe('1.1');
  });

  it('golang-migrate: up files by numeric version, down files ignored, one query per file (implicit transaction)', async () => {
    for (const name of ['10_c.up.sql', '10_c.down.sql', '2_b.up.sql', '2_b.down.sql', '1_a.up.sql']) write(`gm/${name}`);
    const files = await discoverMigrations(['gm'], { cwd: root });
    expect(files.map((f) => path.basename(f.path))).toEqual(['1_a.up.sql', '2_b.up.sql', '10_c.up.sql']);
    expect(files.every((f) => f.layout === 'golang-migrate' && f.transaction === 'implicit')).toBe(true);
  });

  it('dbmate files in a plain folder: up section only, transaction per file', async () => {
    write('db/migrations/20240101_a.sql', '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n');
    write('db/migrations/20240102_b.sql', '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON a (id);\n-- migrate:down\n');
    const files = await discoverMigrations(['db/migrations'], { cwd: root });
    expect(files.map((f) => [f.layout, f.transaction, f.upOffset])).toEqual([
      ['dbmate', 'per-file', 14],
      ['dbmate', 'implicit', 32],
    ]);
    expect(files[0]!.upText).toBe('CREATE TABLE a (id int);\n');
  });

  it('plain SQL: name order, no transaction', async () => {
    write('plain/002.sql');
    write('plain/001.sql');
    write('plain/readme.md', '# no');
    const files = await discoverMigrations(['plain'], { cwd: root });
    expect(paths(files)).toEqual(['plain/001.sql', 'plain/002.sql']);
    expect(files.every((f) => f.layout === 'plain' && f.transaction === 'none')).toBe(true);
  });

  it('plain SQL: numbers in names in natural order (2 before 10)', async () => {
    for (const name of ['10_c.sql', '1_a.sql', '2_b.sql', 'x10.sql', 'x9.sql']) write(`natural/${name}`);
    const files = await discoverMigrations(['natural'], { cwd: root });
    expect(files.map((f) => path.basename(f.path))).toEqual(['1_a.sql', '2_b.sql', '10_c.sql', 'x9.sql', 'x10.sql']);
    const named = await discoverMigrations(['natural/10_c.sql', 'natural/2_b.sql'], { cwd: root });
    expect(named.map((f) => path.basename(f.path))).toEqual(['2_b.sql', '10_c.sql']);
  });

  it('config overrides the layout and the transaction mode', async () => {
    const files = await discoverMigrations(['plain'], { cwd: root, layout: 'flyway', transaction: 'per-file' });
    expect(files.map((f) => [f.layout, f.transaction])).toEqual([]);
    const plain = await discoverMigrations(['plain'], { cwd: root, transaction: 'per-file' });
    expect(plain.every((f) => f.transaction === 'per-file')).toBe(true);
  });

  it('strips a UTF-8 byte order mark', async () => {
    write('bom/001.sql', '\uFEFFSELECT 1;');
    const [file] = await discoverMigrations(['bom'], { cwd: root });
    expect(file!.text).toBe('SELECT 1;');
  });
});

describe('discoverMigrations: inputs', () => {
  it('single files keep their layout and tool order within their folder', async () => {
    const files = await discoverMigrations(['flyway/V10__ten.sql', 'flyway/V2__two.sql', 'gm/2_b.down.sql'], { cwd: root });
    expect(files.map((f) => [path.basename(f.path), f.layout])).toEqual([
      ['V2__two.sql', 'flyway'],
      ['V10__ten.sql', 'flyway'],
      ['2_b.down.sql', 'golang-migrate'],
    ]);
  });

  it('a Prisma migration.sql given alone is recognised', async () => {
    const [file] = await discoverMigrations(['p1/prisma/migrations/20240101000000_init/migration.sql'], { cwd: root });
    expect(file!.layout).toBe('prisma');
  });

  it('a Prisma migration folder given alone or matched by a glob keeps layout prisma (its down.sql left out)', async () => {
    write('p2/prisma/migrations/20240101000000_init/migration.sql', 'CREATE TABLE a (id int);');
    write('p2/prisma/migrations/20240102000000_idx/migration.sql', 'CREATE INDEX i ON a (id);');
    write('p2/prisma/migrations/20240102000000_idx/down.sql', 'DROP INDEX i;');
    write('p2/prisma/migrations/migration_lock.toml', 'provider = "postgresql"');
    const expected = [['p2/prisma/migrations/20240102000000_idx/migration.sql', 'prisma', 'implicit', 'idx']];
    const folder = await discoverMigrations(['p2/prisma/migrations/20240102000000_idx'], { cwd: root });
    expect(folder.map((f) => [paths([f])[0], f.layout, f.transaction, f.name])).toEqual(expected);
    const forced = await discoverMigrations(['p2/prisma/migrations/20240102000000_idx'], { cwd: root, layout: 'prisma' });
    expect(forced.map((f) => [paths([f])[0], f.layout, f.transaction, f.name])).toEqual(expected);
    const glob = await discoverMigrations(['p2/prisma/migrations/*'], { cwd: root });
    expect(glob.map((f) => [f.layout, f.transaction, f.name])).toEqual([
      ['prisma', 'implicit', 'init'],
      ['prisma', 'implicit', 'idx'],
    ]);
    // Baselining's `0_init` outside a `migrations` directory counts too.
    write('p3/db/0_init/migration.sql');
    expect((await discoverMigrations(['p3/db/0_init'], { cwd: root })).map((f) => f.layout)).toEqual(['prisma']);
  });

  it('a directory holding migration.sql among plain SQL files is not taken for a Prisma folder', async () => {
    write('mixed/db/sql/migration.sql');
    write('mixed/db/sql/002_more.sql');
    const files = await discoverMigrations(['mixed/db/sql'], { cwd: root });
    expect(files.map((f) => [path.basename(f.path), f.layout])).toEqual([
      ['002_more.sql', 'plain'],
      ['migration.sql', 'plain'],
    ]);
  });

  it('globs, with ** and braces, skip files the tool would not run', async () => {
    const files = await discoverMigrations(['gm/*.sql', 'flyway/V{1,2}__*.sql'], { cwd: root });
    expect(files.map((f) => path.basename(f.path))).toEqual(['1_a.up.sql', '2_b.up.sql', '10_c.up.sql', 'V1__one.sql', 'V2__two.sql']);
    const deep = await discoverMigrations(['p1/**/migration.sql'], { cwd: root });
    expect(deep).toHaveLength(2);
  });

  it('deduplicates files named twice', async () => {
    const files = await discoverMigrations(['plain', 'plain/001.sql'], { cwd: root });
    expect(paths(files)).toEqual(['plain/001.sql', 'plain/002.sql']);
  });

  it('reads `-` from stdin', async () => {
    const files = await discoverMigrations(['-'], { cwd: root, readStdin: async () => 'DROP TABLE x;' });
    expect(files).toEqual([
      expect.objectContaining({ path: '-', layout: 'stdin', transaction: 'none', text: 'DROP TABLE x;', upOffset: 0 }),
    ]);
  });

  it('stdin with dbmate or node-pg-migrate sections gets the transaction it gets from disk', async () => {
    const texts = ['-- migrate:up\nCREATE INDEX i ON t (a);\n-- migrate:down\n', '-- Up Migration\nCREATE INDEX i ON t (a);\n'];
    for (const [i, text] of texts.entries()) {
      write(`stdin-sections/${i}.sql`, text);
      const [disk] = await discoverMigrations([`stdin-sections/${i}.sql`], { cwd: root });
      const [stdin] = await discoverMigrations(['-'], { cwd: root, readStdin: async () => text });
      expect([stdin!.layout, stdin!.transaction, stdin!.upText]).toEqual(['stdin', 'per-file', disk!.upText]);
      expect(disk!.transaction).toBe('per-file');
    }
  });

  it('a missing path or an empty glob is a usage error', async () => {
    await expect(discoverMigrations(['nope'], { cwd: root })).rejects.toMatchObject({ code: 'PRODGUARD_NO_SUCH_PATH' });
    await expect(discoverMigrations(['nope/*.sql'], { cwd: root })).rejects.toBeInstanceOf(UsageError);
  });

  it('globToRegExp', () => {
    expect(globToRegExp('**/*.sql').test('a/b/c.sql')).toBe(true);
    expect(globToRegExp('**/*.sql').test('c.sql')).toBe(true);
    expect(globToRegExp('*.sql').test('a/c.sql')).toBe(false);
    expect(globToRegExp('V[0-9]__x.{sql,txt}').test('V3__x.txt')).toBe(true);
  });
});

describe('symbolic links', () => {
  it('are followed to files and directories; a link to a directory named *.sql is not a file', async () => {
    write('links-target/real.sql', 'SELECT 2;');
    write('links/1.sql');
    symlinkSync('../links-target/real.sql', path.join(root, 'links/2.sql'));
    symlinkSync('../links-target', path.join(root, 'links/3.sql'));
    const files = await discoverMigrations(['links'], { cwd: root });
    expect(files.map((f) => [path.basename(f.path), f.text])).toEqual([
      ['1.sql', 'SELECT 1;\n'],
      ['2.sql', 'SELECT 2;'],
    ]);
  });

  it('a linked Prisma migration folder is linted in its place', async () => {
    write('linked-prisma/migrations/20240101000000_a/migration.sql', 'SELECT 1;');
    write('linked-prisma/migrations/20240103000000_c/migration.sql', 'SELECT 3;');
    write('linked-prisma/elsewhere/b/migration.sql', 'SELECT 2;');
    symlinkSync('../elsewhere/b', path.join(root, 'linked-prisma/migrations/20240102000000_b'));
    const files = await discoverMigrations(['linked-prisma/migrations'], { cwd: root });
    expect(files.map((f) => [f.name, f.layout, f.text])).toEqual([
      ['a', 'prisma', 'SELECT 1;'],
      ['b', 'prisma', 'SELECT 2;'],
      ['c', 'prisma', 'SELECT 3;'],
    ]);
  });

  it('a dangling link the tool would read is a usage error naming it; one it would not read is ignored', async () => {
    write('dangling/1.sql');
    symlinkSync('nowhere.md', path.join(root, 'dangling/README.md'));
    expect(await discoverMigrations(['dangling'], { cwd: root })).toHaveLength(1);

    symlinkSync('nowhere.sql', path.join(root, 'dangling/2.sql'));
    for (const input of ['dangling', 'dangling/*.sql', 'dangling/2.sql']) {
      const error = await discoverMigrations([input], { cwd: root }).catch((caught: unknown) => caught);
      expect(error, input).toBeInstanceOf(UsageError);
      expect(error, input).toMatchObject({ code: 'PRODGUARD_NO_SUCH_PATH', exitCode: 2 });
      expect((error as Error).message, input).toMatch(/broken symbolic link: .*2\.sql -> nowhere\.sql/);
    }

    write('dangling-prisma/migrations/20240101000000_a/migration.sql');
    symlinkSync('../gone', path.join(root, 'dangling-prisma/migrations/20240102000000_b'));
    await expect(discoverMigrations(['dangling-prisma/migrations'], { cwd: root })).rejects.toThrow(
      /broken symbolic link: .*20240102000000_b -> \.\.\/gone/,
    );
  });
});

describe('--since', () => {
  let repo: string;
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo, encoding: 'utf8' });

  beforeAll(() => {
    repo = path.join(root, 'repo');
    mkdirSync(path.join(repo, 'migrations'), { recursive: true });
    git('init', '-q', '-b', 'main');
    writeFileSync(path.join(repo, 'migrations', '001_old.sql'), 'SELECT 1;');
    writeFileSync(path.join(repo, 'migrations', '002_changed.sql'), 'SELECT 1;');
    git('add', '.');
    git('commit', '-q', '-m', 'base');
    git('checkout', '-q', '-b', 'feature');
    writeFileSync(path.join(repo, 'migrations', '002_changed.sql'), 'SELECT 2;');
    writeFileSync(path.join(repo, 'migrations', '003_new.sql'), 'SELECT 3;');
    git('add', '.');
    git('commit', '-q', '-m', 'feature');
    writeFileSync(path.join(repo, 'migrations', '004_untracked.sql'), 'SELECT 4;');
  });

  it('lists files added, changed or untracked since the ref', async () => {
    const changed = await changedFilesIn('main', [repo]);
    expect([...changed].map((f) => path.relative(repo, f)).sort()).toEqual([
      'migrations/002_changed.sql',
      'migrations/003_new.sql',
      'migrations/004_untracked.sql',
    ]);
  });

  it('filters discovery to those files, keeping the order', async () => {
    const files = await discoverMigrations(['migrations'], { cwd: repo, since: 'main' });
    expect(paths(files)).toEqual(['migrations/002_changed.sql', 'migrations/003_new.sql', 'migrations/004_untracked.sql']);
  });

  it('runs git in the repository of the paths, not in the working directory', async () => {
    const outside = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'prodguard-nogit-')));
    try {
      const files = await discoverMigrations([path.join(repo, 'migrations')], { cwd: outside, since: 'main' });
      expect(files.map((f) => path.basename(f.path))).toEqual(['002_changed.sql', '003_new.sql', '004_untracked.sql']);
      const changed = await changedFilesIn('main', [path.join(repo, 'migrations'), repo]);
      expect(changed.size).toBe(3);
      // Paths outside any repository are still an error, naming the directory.
      writeFileSync(path.join(outside, '001.sql'), 'SELECT 1;');
      await expect(discoverMigrations([outside], { cwd: repo, since: 'main' })).rejects.toMatchObject({
        code: 'PRODGUARD_NOT_A_GIT_REPOSITORY',
        message: expect.stringContaining(outside),
      });
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('an unknown ref is a usage error', async () => {
    await expect(changedFilesIn('no-such-branch', [repo])).rejects.toMatchObject({ code: 'PRODGUARD_UNKNOWN_GIT_REF' });
    await expect(changedFilesIn('--output=x', [repo])).rejects.toBeInstanceOf(UsageError);
  });

  it('outside a repository is a usage error', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'prodguard-nogit-'));
    try {
      await expect(changedFilesIn('main', [outside])).rejects.toBeInstanceOf(UsageError);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });

  it('without git installed it raises MissingBinaryError', async () => {
    const saved = process.env['PATH'];
    process.env['PATH'] = path.join(root, 'empty-bin');
    try {
      await expect(changedFilesIn('main', [repo])).rejects.toBeInstanceOf(MissingBinaryError);
    } finally {
      process.env['PATH'] = saved;
    }
  });
});
