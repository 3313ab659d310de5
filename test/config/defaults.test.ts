import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load.js';
import { configSchema } from '../../src/config/schema.js';
import { runCli } from '../helpers/cli.js';

describe('defaultConfig (the config without a file, built without zod)', () => {
  it('equals what the schema gives for an empty config', () => {
    expect(defaultConfig()).toEqual(configSchema.parse({}));
  });

  it('is a fresh object each time', () => {
    const a = defaultConfig();
    a.lint.rules['ban-drop-table'] = 'off';
    expect(defaultConfig().lint.rules).toEqual({});
  });

  it('is what loadConfig and the CLI use when no config file is found', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-noconfig-'));
    expect(await loadConfig({ cwd: dir })).toEqual({ file: undefined, dir, config: configSchema.parse({}), warnings: [] });
    // Without a file the CLI takes the same defaults: warnings pass (failOn error), errors fail.
    writeFileSync(path.join(dir, 'warn.sql'), 'CREATE INDEX i ON t (a);\n');
    writeFileSync(path.join(dir, 'error.sql'), 'DROP TABLE t;\n');
    const warn = await runCli(['lint', 'warn.sql'], { cwd: dir });
    expect(warn.stdout).toContain('create-index-not-concurrently');
    expect(warn.code).toBe(0);
    expect((await runCli(['lint', 'error.sql'], { cwd: dir })).code).toBe(1);
  });
});
