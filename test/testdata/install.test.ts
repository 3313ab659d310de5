import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDb } from '../../src/db/open.js';
import type { Db } from '../../src/db/types.js';
import { lintFiles, lintText } from '../../src/lint/engine.js';
import { discoverMigrations } from '../../src/migrations/discover.js';
import { installFiles, installScript } from '../../src/testdata/install.js';
import { testDataSettings } from '../../src/testdata/settings.js';
import { verifyTestData } from '../../src/testdata/verify.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';
import { runCli } from '../helpers/cli.js';

const TABLES = [
  { table: 'users', keyColumns: ['id'] },
  { table: 'billing."Invoices"', keyColumns: ['tenant', 'number'] },
];

function tempDir(): string {
  return mkdtempSync(path.join(os.tmpdir(), 'prodguard-install-'));
}

describe('testdata install SQL', () => {
  it('the psql script passes prodguard lint with no errors and no warnings', async () => {
    const sql = installScript(TABLES, { column: 'is_test_data' });
    expect(sql).toContain('ADD COLUMN IF NOT EXISTS "is_test_data" boolean NOT NULL DEFAULT false');
    expect(sql).toContain('CREATE INDEX CONCURRENTLY IF NOT EXISTS "Invoices_is_test_data_idx" ON "billing"."Invoices" ("tenant", "number") WHERE "is_test_data"');
    for (const pgVersion of [11, 14, 17]) {
      const result = await lintText(sql, { pgVersion });
      expect(result.findings, `PostgreSQL ${pgVersion}`).toEqual([]);
    }
  });

  it.each(['plain', 'prisma', 'golang-migrate', 'dbmate', 'flyway'] as const)('the %s migration files are found by discovery and lint clean', async (layout) => {
    const dir = tempDir();
    const files = installFiles(layout, TABLES, { column: 'is_test_data' }, new Date('2026-01-02T03:04:05Z'));
    for (const file of files) {
      mkdirSync(path.dirname(path.join(dir, file.path)), { recursive: true });
      writeFileSync(path.join(dir, file.path), file.text);
    }
    const discovered = await discoverMigrations([dir], { layout: layout === 'plain' ? undefined : layout });
    expect(discovered.map((f) => f.layout)).toEqual(discovered.map(() => layout));
    expect(discovered.length).toBe(layout === 'plain' ? 1 : 3);
    const result = await lintFiles(discovered);
    expect(result.summary.errors).toBe(0);
    expect(result.findings.filter((f) => f.severity === 'error')).toEqual([]);
  });

  it('refuses layouts whose tool wraps every file in a transaction', () => {
    expect(() => installFiles('supabase', TABLES, { column: 'is_test_data' })).toThrow(/CONCURRENTLY/);
  });

  describe('applied to a real database', () => {
    let target: TestDatabase;
    let db: Db;
    beforeAll(async () => {
      target = await createTestDatabase('td_install');
      db = await openDb(target.url);
      await target.sql(`CREATE TABLE users (id bigint PRIMARY KEY, created_at timestamptz NOT NULL DEFAULT now());
        INSERT INTO users SELECT g FROM generate_series(1, 100) g`);
    });
    afterAll(() => db?.close());

    it('the CLI reads primary keys, writes a file, and after applying it verify passes', async () => {
      const dir = tempDir();
      const run = await runCli(['testdata', 'install', '--db', target.url, '--tables', 'users', '--out', 'marker.sql'], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      const sql = (await import('node:fs')).readFileSync(path.join(dir, 'marker.sql'), 'utf8');
      for (const statement of sql.split(/;\n/).filter((s) => s.replace(/--.*$/gm, '').trim())) await target.sql(statement);
      const v = await verifyTestData(db, testDataSettings({ tables: ['users'] }));
      expect(v.checks.map((c) => c.status)).toEqual(['pass']);
      expect(v.tablesWithoutIndex).toEqual([]);
      expect((await target.sql(`SELECT count(*)::int AS n FROM users WHERE NOT is_test_data`))[0]!.n).toBe(100);
    });

    it('--write puts Prisma migration folders into the configured directory', async () => {
      const dir = tempDir();
      mkdirSync(path.join(dir, 'prisma', 'migrations', '20250101000000_init'), { recursive: true });
      writeFileSync(path.join(dir, 'prisma', 'migrations', '20250101000000_init', 'migration.sql'), 'CREATE TABLE users (id bigint PRIMARY KEY);\n');
      writeFileSync(path.join(dir, 'prodguard.config.yaml'), 'migrations: prisma/migrations\ntestData:\n  tables: [users]\n');
      const run = await runCli(['testdata', 'install', '--write'], { cwd: dir });
      expect(run.code, run.stderr).toBe(0);
      expect(readdirSync(path.join(dir, 'prisma', 'migrations')).filter((d) => d.includes('prodguard'))).toHaveLength(2);
      const lint = await runCli(['lint', 'prisma/migrations'], { cwd: dir });
      expect(lint.code, lint.stdout).toBe(0);
    });
  });
});
