import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { promotionOrderProblems } from '../../src/deploy/gate.js';
import { migrationSetHash } from '../../src/deploy/plan.js';
import { findRollbackScript } from '../../src/migrations/rollback-scripts.js';
import type { MigrationRecord } from '../../src/deploy/types.js';
import { discoverMigrations } from '../../src/migrations/discover.js';

const record = fc.record({
  path: fc.string({ minLength: 1, maxLength: 30 }).filter((s) => !s.includes('\u0000') && !s.includes('\n')),
  sha256: fc.stringMatching(/^[0-9a-f]{64}$/),
  layout: fc.constant('plain'),
  version: fc.constant(''),
});

describe('migration-set hash', () => {
  it('depends on exactly the paths, contents and order of the files', () => {
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 6 }), fc.nat(), (records: MigrationRecord[], pick) => {
        const hash = migrationSetHash(records);
        expect(migrationSetHash(records.map((r) => ({ ...r })))).toBe(hash);
        const i = pick % records.length;
        const changed = records.map((r, j) => (j === i ? { ...r, sha256: r.sha256.replace(/^./, (c) => (c === 'a' ? 'b' : 'a')) } : r));
        expect(migrationSetHash(changed)).not.toBe(hash);
        expect(migrationSetHash(records.slice(0, -1))).not.toBe(hash);
        if (records.length > 1 && JSON.stringify(records[0]) !== JSON.stringify(records[1])) {
          expect(migrationSetHash([records[1]!, records[0]!, ...records.slice(2)])).not.toBe(hash);
        }
      }),
    );
  });
});

describe('promotion order', () => {
  it('names an environment of a later kind listed before an earlier one', () => {
    expect(promotionOrderProblems([{ name: 'test', kind: 'test' }, { name: 'staging', kind: 'staging' }, { name: 'prod', kind: 'production' }])).toEqual([]);
    expect(promotionOrderProblems([{ name: 'prod', kind: 'production' }, { name: 'staging', kind: 'staging' }])).toEqual([
      '"staging" (staging) comes after "prod" (production)',
    ]);
    expect(promotionOrderProblems([{ name: 'qa', kind: undefined }, { name: 'dev', kind: 'development' }])).toEqual([]);
  });
});

describe('rollback scripts in each layout', () => {
  function dir(files: Record<string, string>): string {
    const root = mkdtempSync(path.join(os.tmpdir(), 'prodguard-down-'));
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
      writeFileSync(path.join(root, name), text);
    }
    return root;
  }
  async function downs(files: Record<string, string>): Promise<Record<string, string | null>> {
    const root = dir(files);
    const found = await discoverMigrations(['db'], { cwd: root });
    return Object.fromEntries(found.map((f) => [f.path, findRollbackScript(f, root)?.path ?? null]));
  }

  it('golang-migrate .down.sql, flyway U scripts, prisma down.sql, dbmate sections', async () => {
    expect(await downs({ 'db/1_a.up.sql': 'CREATE TABLE a (id int);', 'db/1_a.down.sql': 'DROP TABLE a;', 'db/2_b.up.sql': 'CREATE TABLE b (id int);' })).toEqual({
      'db/1_a.up.sql': 'db/1_a.down.sql',
      'db/2_b.up.sql': null,
    });
    expect(await downs({ 'db/V1__a.sql': 'CREATE TABLE a (id int);', 'db/U1__a.sql': 'DROP TABLE a;', 'db/V2__b.sql': 'CREATE TABLE b (id int);' })).toMatchObject({
      'db/V1__a.sql': 'db/U1__a.sql',
      'db/V2__b.sql': null,
    });
    expect(
      await downs({
        'db/20260101000000_a/migration.sql': 'CREATE TABLE a (id int);',
        'db/20260101000000_a/down.sql': 'DROP TABLE a;',
        'db/20260102000000_b/migration.sql': 'CREATE TABLE b (id int);',
        'db/migration_lock.toml': 'provider = "postgresql"',
      }),
    ).toEqual({ 'db/20260101000000_a/migration.sql': 'db/20260101000000_a/down.sql', 'db/20260102000000_b/migration.sql': null });
    expect(
      await downs({
        'db/20260101_a.sql': '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n',
        'db/20260102_b.sql': '-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\n-- nothing to undo\n',
      }),
    ).toEqual({ 'db/20260101_a.sql': 'db/20260101_a.sql', 'db/20260102_b.sql': null });
  });

  it('a golang-migrate file not named .up.sql does not find itself as its down', () => {
    const root = dir({ 'db/3_c.sql': 'CREATE TABLE c (id int);' });
    const file = { path: 'db/3_c.sql', text: 'CREATE TABLE c (id int);', upText: 'CREATE TABLE c (id int);', upOffset: 0, layout: 'golang-migrate', transaction: 'auto', version: '3' } as unknown as Parameters<typeof findRollbackScript>[0];
    expect(findRollbackScript(file, root)).toBeUndefined();
  });
});
