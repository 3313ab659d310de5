import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { readSchemaShape, rehearseRollbacks } from '../../src/deploy/rollback-rehearsal.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

let target: TestDatabase;
let db: Db;

beforeAll(async () => {
  target = await createTestDatabase('rollback_rehearsal');
  await target.sql(`CREATE TABLE items (id int PRIMARY KEY, kind text NOT NULL CHECK (kind IN ('a', 'b', 'c')));
                    INSERT INTO items SELECT g, 'a' FROM generate_series(1, 10) g;`);
  db = await openDb(target.url);
});
afterAll(() => db?.close());

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-rehearse-'));
  mkdirSync(path.join(dir, 'db'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, 'db', name), text);
  return dir;
}

describe('rollback rehearsal: up then down in one rolled-back transaction', () => {
  it('a down that restores the schema passes; one that leaves an index, or rebuilds a CHECK differently, is named', async () => {
    const dir = project({
      '1_notes.up.sql': 'ALTER TABLE items ADD COLUMN notes text;',
      '1_notes.down.sql': 'ALTER TABLE items DROP COLUMN notes;',
      '2_index.up.sql': 'CREATE INDEX items_kind ON items (kind);',
      '2_index.down.sql': '-- forgot the index\nSELECT 1;',
      '3_check.up.sql': "ALTER TABLE items DROP CONSTRAINT items_kind_check; ALTER TABLE items ADD CONSTRAINT items_kind_check CHECK (kind IN ('a', 'b'));",
      '3_check.down.sql': "ALTER TABLE items DROP CONSTRAINT items_kind_check; ALTER TABLE items ADD CONSTRAINT items_kind_check CHECK (kind IN ('a', 'c'));",
      '4_table.up.sql': 'CREATE TABLE extra (id int);',
    });
    const files = await discoverMigrations(['db'], { cwd: dir });
    const before = await readSchemaShape(db);
    const report = await rehearseRollbacks(db, files, { projectDir: dir });
    expect(report.ok).toBe(false);
    expect(report.migrations.map((m) => [path.basename(m.path), m.status])).toEqual([
      ['1_notes.up.sql', 'restored'],
      ['2_index.up.sql', 'differs'],
      ['3_check.up.sql', 'differs'],
      ['4_table.up.sql', 'no-down'],
    ]);
    expect(report.migrations[1]!.differences).toEqual(['left over after rollback: index CREATE INDEX items_kind ON public.items USING btree (kind)']);
    expect(report.migrations[2]!.differences).toEqual([
      "missing after rollback: constraint items_kind_check on public.items: CHECK ((kind = ANY (ARRAY['a'::text, 'b'::text, 'c'::text])))",
      "left over after rollback: constraint items_kind_check on public.items: CHECK ((kind = ANY (ARRAY['a'::text, 'c'::text])))",
    ]);
    // Nothing of it stayed: the transaction was rolled back.
    expect(await readSchemaShape(db)).toEqual(before);
  });

  it('an up that fails stops the rehearsal; later migrations are not run', async () => {
    const dir = project({
      '1_bad.up.sql': 'ALTER TABLE nowhere ADD COLUMN x int;',
      '1_bad.down.sql': 'ALTER TABLE nowhere DROP COLUMN x;',
      '2_ok.up.sql': 'ALTER TABLE items ADD COLUMN y int;',
      '2_ok.down.sql': 'ALTER TABLE items DROP COLUMN y;',
    });
    const report = await rehearseRollbacks(db, await discoverMigrations(['db'], { cwd: dir }), { projectDir: dir });
    expect(report.migrations.map((m) => m.status)).toEqual(['up-failed', 'not-run']);
    expect(report.migrations[0]!.error).toContain('relation "nowhere" does not exist');
  });
});
