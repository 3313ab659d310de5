import { writeFile } from 'node:fs/promises';
import { UsageError } from '../errors.js';

/**
 * Writes a file a command was asked to write (`--out`, `--output`). An existing file when it must
 * be new (flag `wx`) or a path that cannot be written is a usage error (exit 2), not a crash.
 */
export async function writeOutputFile(file: string, text: string, flag: 'w' | 'wx' = 'w'): Promise<void> {
  try {
    await writeFile(file, text, { flag });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'EEXIST' ? `${file} already exists` : `cannot write ${file}: ${(error as Error).message}`, {
      hint: code === 'EEXIST' ? 'prodguard never overwrites a migration' : 'check that the directory exists and is writable',
    });
  }
}
