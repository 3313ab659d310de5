/**
 * The phases that call other capabilities, end to end on real PostgreSQL: check (live data,
 * read-only on production, rollback rehearsal with deploy.requireRollback), verify, and
 * `prodguard check --rollback`.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ADD_NOTES, history, project, psql, readReport } from './project.js';

describe('deploy: the check phase', () => {
  it('stops a CHECK rebuilt without a value a trigger still writes, before anything is backed up or migrated', async () => {
    const p = await project();
    await p.dbs.test.sql(`
      ALTER TABLE customers ADD COLUMN tier text NOT NULL DEFAULT 'basic';
      ALTER TABLE customers ADD CONSTRAINT customers_tier_check CHECK (tier IN ('basic', 'gold', 'legacy'));
      CREATE FUNCTION make_legacy() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        NEW.tier := 'legacy';
        RETURN NEW;
      END $$;
      CREATE TRIGGER customers_legacy BEFORE INSERT ON customers FOR EACH ROW WHEN (NEW.id < 0) EXECUTE FUNCTION make_legacy();`);
    p.write(
      'migrations/001_tiers.sql',
      `SET lock_timeout = '2s';
ALTER TABLE customers DROP CONSTRAINT customers_tier_check;
-- prodguard-ignore replacing-check-constraint: legacy is gone
ALTER TABLE customers ADD CONSTRAINT customers_tier_check CHECK (tier IN ('basic', 'gold')) NOT VALID;
`,
    );
    const run = await p.run(['deploy', '--env', 'test', '--report', 'r.json', '--', ...psql('migrations/001_tiers.sql')]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+check\s+1 migration \(rehearsed, rolled back\): 1 error/);
    expect(run.stdout).toMatch(/error check-value-removed migrations\/001_tiers\.sql:4: .*no longer allows 'legacy'.*still written by function make_legacy\(\)/);
    const report = readReport(p, 'r.json');
    expect(report.failedPhase).toBe('check');
    expect(report.backup).toBeNull();
    expect(report.phases.find((ph) => ph.phase === 'migrate')?.status).toBe('not-run');
    expect(report.rollback).toBeNull();
    expect(await p.dbs.test.sql(`SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE conname = 'customers_tier_check'`)).toEqual([
      { d: "CHECK ((tier = ANY (ARRAY['basic'::text, 'gold'::text, 'legacy'::text])))" },
    ]);
  });

  it('runs only the read-only pre-checks on production', async () => {
    const p = await project({ config: 'deploy:\n  promotion: [staging, production]\n' });
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    expect((await p.run(['deploy', '--env', 'staging', '--', ...psql('migrations/001_add_notes.sql')])).code).toBe(0);
    const run = await p.run(['deploy', '--env', 'production', '--', ...psql('migrations/001_add_notes.sql')]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/PASS\s+check\s+1 migration \(read-only pre-checks\): 0 errors/);
  });

  it('deploy.requireRollback: a down script that does not restore the schema fails the check phase', async () => {
    const p = await project({ config: 'deploy:\n  requireRollback: true\n' });
    p.write('migrations/001_index.sql', `-- migrate:up\nCREATE INDEX customers_email ON customers (email);\n-- migrate:down\nSELECT 1;\n`);
    const run = await p.run(['deploy', '--env', 'test', '--', ...psql('migrations/001_index.sql')]);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+check\s+.*0\/1 rollbacks restore the schema/);
    expect(run.stdout).toContain('error rollback-differs migrations/001_index.sql: left over after rollback: index CREATE INDEX customers_email ON public.customers USING btree (email)');
    p.write('migrations/001_index.sql', `-- migrate:up\nCREATE INDEX customers_email ON customers (email);\n-- migrate:down\nDROP INDEX customers_email;\n`);
    const fixed = await p.run(['deploy', '--env', 'test', '--dry-run']);
    expect(fixed.code, fixed.stdout).toBe(0);
    expect(fixed.stdout).toMatch(/PASS\s+check\s+.*1\/1 rollbacks restore the schema/);
  });
});

describe('deploy: the verify phase', () => {
  it('a failing verify check after the migrate: exit 1, ROLLBACK RECOMMENDED; a passing suite deploys', async () => {
    const verify = (limit: number) => `verify:
  checks:
    - name: customers-kept
      sql: { query: "SELECT count(*)::int AS n FROM customers" }
      fail: ["[ROWS][0].n >= ${limit}"]
`;
    const p = await project({ config: verify(201) });
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    const run = await p.run(['deploy', '--env', 'test', '--', ...psql('migrations/001_add_notes.sql')]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+verify\s+1 check: 0 passed, 0 warned, 1 failed/);
    expect(run.stdout).toContain('FAIL customers-kept');
    expect(run.stdout).toContain('ROLLBACK RECOMMENDED: verify failed after the migrate');
    expect(run.stdout).toMatch(/prodguard backup restore \/\S+\/backups\/\S+\.dump --env test --clean --yes/);
    const [recorded] = await history(p, 'test');
    expect(recorded).toMatchObject({ outcome: 'failed', failedPhase: 'verify' });

    const ok = await project({ config: verify(200) });
    ok.write('migrations/001_add_notes.sql', ADD_NOTES);
    const passed = await ok.run(['deploy', '--env', 'test', '--', ...psql('migrations/001_add_notes.sql')]);
    expect(passed.code, passed.stdout).toBe(0);
    expect(passed.stdout).toMatch(/PASS\s+verify\s+1 check: 1 passed/);
  });
});

describe('prodguard check --rollback', () => {
  it('rehearses each pending migration up then down on the database and names what a down leaves behind', async () => {
    const p = await project();
    p.write('migrations/001_notes.sql', `-- migrate:up\n${ADD_NOTES}\n-- migrate:down\nALTER TABLE customers DROP COLUMN notes;\n`);
    p.write('migrations/002_vip.sql', `-- migrate:up\nALTER TABLE customers ADD COLUMN vip boolean NOT NULL DEFAULT false;\n-- migrate:down\nALTER TABLE customers ALTER COLUMN vip DROP DEFAULT;\n`);
    const run = await p.run(['check', '--env', 'staging', '--rollback']);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/PASS\s+migrations\/001_notes\.sql: the down migration restores the schema/);
    expect(run.stdout).toMatch(/FAIL\s+migrations\/002_vip\.sql: the down migration does not restore the schema/);
    expect(run.stdout).toContain('left over after rollback: column public.customers.vip boolean NOT NULL');
    expect(await p.dbs.staging.sql(`SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name IN ('notes', 'vip')`)).toEqual([{ n: 0 }]);

    const json = await p.run(['check', '--env', 'staging', '--rollback', '--format', 'json']);
    expect(JSON.parse(json.stdout).rollback).toMatchObject({ ok: false, migrations: [{ status: 'restored' }, { status: 'differs' }] });

    // Without a database: a shadow replay, where the rehearsal runs too.
    p.write('migrations/000_base.sql', '-- migrate:up\nCREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, phone text);\n-- migrate:down\nDROP TABLE customers;\n');
    p.write('migrations/002_vip.sql', `-- migrate:up\nALTER TABLE customers ADD COLUMN vip boolean NOT NULL DEFAULT false;\n-- migrate:down\nALTER TABLE customers DROP COLUMN vip;\n`);
    const shadow = await p.run(['check', '--rollback', '--last', '2']);
    expect(shadow.code, shadow.stdout + shadow.stderr).toBe(0);
    expect(shadow.stdout).toContain('PASS: every rollback restores the schema');

    const production = await p.run(['check', '--env', 'production', '--rollback']);
    expect(production.code).toBe(1);
    expect(production.stderr).toContain('--rollback executes the migrations and their down scripts');
  });
});

describe('deploy --auto-rollback with writes since the migrate', () => {
  it('refuses to restore when the database changed after the migrate, and says which table', async () => {
    // The verify suite itself writes a row (as live traffic would) and then fails.
    const p = await project();
    appendFileSync(
      path.join(p.dir, 'prodguard.config.yaml'),
      `verify:
  checks:
    - name: live-traffic
      command: "psql '${p.dbs.test.url}' -X -q -c \\"INSERT INTO customers VALUES (999, 'late@example.test', null)\\" && exit 1"
`,
    );
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    const run = await p.run(['deploy', '--env', 'test', '--auto-rollback', '--report', 'r.json', '--', ...psql('migrations/001_add_notes.sql')]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+verify/);
    expect(run.stdout).toContain('--auto-rollback: not restored: the database received writes since the migrate (public.customers grew; public.customers 1 inserted)');
    expect(readReport(p, 'r.json').rollback?.autoRollback).toMatchObject({ requested: true, attempted: false, restored: false });
    expect(await p.dbs.test.sql(`SELECT count(*)::int AS n FROM customers WHERE id = 999`)).toEqual([{ n: 1 }]);
  });

  it('sees an UPDATE of a non-key column since the migrate (counts and key fingerprints do not) and refuses', async () => {
    const p = await project();
    appendFileSync(
      path.join(p.dir, 'prodguard.config.yaml'),
      `verify:
  checks:
    - name: live-traffic
      command: "psql '${p.dbs.test.url}' -X -q -c \\"UPDATE customers SET email = 'changed@example.test' WHERE id = 5\\" && exit 1"
`,
    );
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    const run = await p.run(['deploy', '--env', 'test', '--auto-rollback', '--report', 'r.json', '--', ...psql('migrations/001_add_notes.sql')]);
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stdout).toContain('--auto-rollback: not restored: the database received writes since the migrate (public.customers 1 updated)');
    expect(await p.dbs.test.sql(`SELECT email FROM customers WHERE id = 5`)).toEqual([{ email: 'changed@example.test' }]);
  });
});
