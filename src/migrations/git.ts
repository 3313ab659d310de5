/**
 * `--since GIT_REF`: the files added, changed or renamed since a ref (the usual CI use: lint only
 * the new migrations), plus uncommitted and untracked files.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { MissingBinaryError, UsageError } from '../errors.js';

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

function git(args: string[], cwd: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    execFile('git', args, { cwd, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' }, (error, stdout, stderr) => {
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        reject(
          new MissingBinaryError('git', '--since needs git, and git is not installed or not on PATH', {
            hint: 'Install git, or lint the paths without --since.',
          }),
        );
        return;
      }
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

function splitZ(output: string): string[] {
  return output.split('\0').filter((entry) => entry.length > 0);
}

/**
 * The real path of the top of the git repository that contains `cwd`.
 *
 * @throws UsageError (`PRODGUARD_NOT_A_GIT_REPOSITORY`) when `cwd` is not in one.
 */
async function repositoryRoot(cwd: string): Promise<string> {
  const top = await git(['rev-parse', '--show-toplevel'], cwd);
  if (top.code !== 0) {
    throw new UsageError(`--since needs a git repository, and ${cwd} is not inside one`, {
      code: 'PRODGUARD_NOT_A_GIT_REPOSITORY',
    });
  }
  return realpath(top.stdout.trim());
}

/**
 * The root already found for `dir`'s parent chain, if no directory between them has a `.git` of
 * its own (which would make it another repository's work tree).
 */
function knownTop(dir: string, known: Map<string, string>): string | undefined {
  let at = path.resolve(dir);
  for (;;) {
    const root = known.get(at);
    if (root !== undefined) return root;
    if (existsSync(path.join(at, '.git'))) return undefined;
    const parent = path.dirname(at);
    if (parent === at) return undefined;
    at = parent;
  }
}

function checkRef(ref: string): void {
  if (ref.trim() === '' || ref.startsWith('-')) {
    throw new UsageError(`--since: "${ref}" is not a git ref`, { code: 'PRODGUARD_UNKNOWN_GIT_REF' });
  }
}

/** The changed files of the repository whose top is `root` (see `changedFilesIn`). */
async function changedInRepository(ref: string, root: string): Promise<Set<string>> {
  const verify = await git(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], root);
  if (verify.code !== 0) {
    throw new UsageError(`--since: unknown git ref "${ref}" in ${root}`, {
      code: 'PRODGUARD_UNKNOWN_GIT_REF',
      hint: 'Give a branch, tag or commit that exists here (in CI, fetch it first: git fetch origin main).',
    });
  }

  let committed = await git(['diff', '--name-only', '--diff-filter=AMR', '-z', `${ref}...HEAD`, '--'], root);
  if (committed.code !== 0) {
    // No merge base (unrelated histories): compare the two trees directly.
    committed = await git(['diff', '--name-only', '--diff-filter=AMR', '-z', ref, 'HEAD', '--'], root);
  }
  if (committed.code !== 0) {
    throw new UsageError(`--since ${ref}: git diff failed: ${committed.stderr.trim()}`, {
      code: 'PRODGUARD_UNKNOWN_GIT_REF',
    });
  }
  const uncommitted = await git(['diff', '--name-only', '--diff-filter=AMR', '-z', 'HEAD', '--'], root);
  const untracked = await git(['ls-files', '--others', '--exclude-standard', '-z'], root);

  const files = new Set<string>();
  for (const result of [committed, uncommitted, untracked]) {
    if (result.code !== 0) continue;
    for (const entry of splitZ(result.stdout)) files.add(path.join(root, entry));
  }
  return files;
}

/**
 * Absolute real paths of the files that already existed at `ref` (at the merge base of `ref` and
 * HEAD, as `git diff REF...HEAD` compares), in the repositories that hold `dirs`: a migration
 * that is there has been applied wherever `ref` was deployed, even when it was edited since.
 */
export async function filesAt(ref: string, dirs: Iterable<string>): Promise<Set<string>> {
  checkRef(ref);
  const files = new Set<string>();
  for (const root of await repositoryRoots(dirs)) {
    const base = await git(['merge-base', ref, 'HEAD'], root);
    const tree = base.code === 0 ? base.stdout.trim() : ref;
    const listed = await git(['ls-tree', '-r', '-z', '--name-only', tree, '--'], root);
    if (listed.code !== 0) continue;
    for (const entry of splitZ(listed.stdout)) files.add(path.join(root, entry));
    // A migration renamed since (git mv 1_init.sql 001_init.sql) is the same migration.
    const renames = await git(['diff', '-M', '--name-status', '-z', tree, '--'], root);
    if (renames.code !== 0) continue;
    const fields = splitZ(renames.stdout);
    for (let i = 0; i < fields.length; ) {
      const status = fields[i] ?? '';
      if (status.startsWith('R') || status.startsWith('C')) {
        if (status.startsWith('R')) files.add(path.join(root, fields[i + 2] ?? ''));
        i += 3;
      } else i += 2;
    }
  }
  return files;
}

/**
 * Absolute real paths of the files in the repositories holding `dirs` that were added, modified or
 * renamed since `ref`: committed changes since the merge base of `ref` and HEAD (`git diff
 * REF...HEAD`), uncommitted changes to tracked files, and untracked files that are not ignored.
 * Git runs in the repository that holds each directory, not in the process's working directory, so `cd /tmp && prodguard lint /repo/migrations --since
 * main` asks /repo. Directories of one repository cost one set of git calls; the paths linted may
 * also span several repositories (a submodule, two checkouts), each asked about its own files.
 *
 * @throws MissingBinaryError when git is not installed.
 * @throws UsageError when a directory is not in a git repository or `ref` is not a commit there.
 * @example
 * const changed = await changedFilesIn('origin/main', ['/repo/prisma/migrations']);
 */
export async function changedFilesIn(ref: string, dirs: Iterable<string>): Promise<Set<string>> {
  checkRef(ref);
  const files = new Set<string>();
  for (const root of await repositoryRoots(dirs)) for (const file of await changedInRepository(ref, root)) files.add(file);
  return files;
}

/** The work trees that hold `dirs`, each found once. */
async function repositoryRoots(dirs: Iterable<string>): Promise<Set<string>> {
  const roots = new Set<string>();
  // Directories under a work tree found before share its root: a Prisma history has a folder per
  // migration, and asking git for each one's root took a process per folder. A directory that
  // holds its own .git (a submodule, a nested checkout) is asked on its own.
  const known = new Map<string, string>();
  for (const dir of new Set(dirs)) {
    const top = knownTop(dir, known);
    const root = top ?? (await repositoryRoot(dir));
    roots.add(root);
    // The directories from `dir` up to its work tree's top (the one holding .git) share the root.
    for (let at = path.resolve(dir); !known.has(at); at = path.dirname(at)) {
      known.set(at, root);
      if (existsSync(path.join(at, '.git')) || path.dirname(at) === at) break;
    }
  }
  return roots;
}
