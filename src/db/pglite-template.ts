import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/**
 * A new PGlite database runs initdb inside WASM, which takes 20–45 s on a small machine, while
 * opening an existing data directory takes a few seconds. So the first use initialises one
 * template directory in the cache, and every new database (including `pglite://memory`) starts
 * as a copy of it. Data directories are relocatable, so a copy is an ordinary fresh cluster.
 */

function pgliteVersion(): string {
  try {
    const require = createRequire(import.meta.url);
    const pkgPath = require.resolve('@electric-sql/pglite/package.json');
    return (JSON.parse(readFileSync(pkgPath, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.PRODGUARD_CACHE_DIR) return env.PRODGUARD_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return path.join(env.XDG_CACHE_HOME, 'prodguard');
  return path.join(os.homedir(), '.cache', 'prodguard');
}

function isEmptyDir(dir: string): boolean {
  return !existsSync(dir) || readdirSync(dir).length === 0;
}

/** Path of the initialised template, creating it on first use (safe when several processes race). */
export async function ensureTemplate(create: (dir: string) => Promise<void>, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const root = cacheDir(env);
  const template = path.join(root, `pglite-template-${pgliteVersion()}`);
  if (existsSync(path.join(template, 'PG_VERSION'))) return template;
  mkdirSync(root, { recursive: true });
  const building = mkdtempSync(path.join(root, '.building-'));
  try {
    await create(building);
    try {
      renameSync(building, template);
    } catch {
      // Another process finished first; its template is as good as ours.
      rmSync(building, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    throw error;
  }
  return template;
}

/** Copies the template into `dir` when `dir` is missing or empty. Returns true when it copied. */
export function seedFromTemplate(template: string, dir: string): boolean {
  if (!isEmptyDir(dir)) return false;
  mkdirSync(dir, { recursive: true });
  cpSync(template, dir, { recursive: true });
  return true;
}

/** A fresh temporary directory for an in-memory database, removed by the caller on close. */
export function scratchDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'prodguard-pglite-'));
}
