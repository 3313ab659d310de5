/** Finding the config file (no schema, no zod: cheap enough to run before deciding to load them). */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const CONFIG_FILE_NAMES = [
  'prodguard.config.ts',
  'prodguard.config.mts',
  'prodguard.config.js',
  'prodguard.config.mjs',
  'prodguard.config.cjs',
  'prodguard.config.json',
  'prodguard.config.yaml',
  'prodguard.config.yml',
] as const;

/** Finds the nearest config file from `cwd` upward. Returns every candidate in the first directory that has one. */
export function findConfigFiles(cwd: string): string[] {
  let dir = path.resolve(cwd);
  for (;;) {
    const found = CONFIG_FILE_NAMES.map((name) => path.join(dir, name)).filter((file) => existsSync(file));
    if (found.length > 0) return found;
    const parent = path.dirname(dir);
    if (parent === dir) return [];
    dir = parent;
  }
}
