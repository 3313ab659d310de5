/** history across environments, and pending migrations decided by a migration tool's own ledger. */
import { describe, expect, it } from 'vitest';
import type { DeployReport } from '../../src/deploy/types.js';
import { runCli } from '../helpers/cli.js';
import { ADD_NOTES, project, psql } from './project.js';

describe('prodguard history', () => {
  it('reads every environment newest first; one that cannot be read is a warning, not a failure', async () => {
    const p = await project();
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    expect((await p.run(['deploy', '--env', 'test', '--', ...psql('migrations/001_add_notes.sql')])).code).toBe(0);
    expect((await p.run(['deploy', '--env', 'staging', '--', ...psql('migrations/001_add_notes.sql')])).code).toBe(0);
    const all = await p.run(['history', '--format', 'json']);
    expect(all.code, all.stderr).toBe(0);
    const runs = (JSON.parse(all.stdout) as { runs: { environment: string; outcome: string }[] }).runs;
    expect(runs.map((r) => [r.environment, r.outcome])).toEqual([
      ['staging', 'passed'],
      ['test', 'passed'],
    ]);
    const { PRODUCTION_URL: _unset, ...withoutProduction } = p.env;
    const partial = await runCli(['history'], { cwd: p.dir, env: withoutProduction });
    expect(partial.code).toBe(0);
    expect(partial.stderr).toContain('warning: production: ');
    expect(partial.stderr).toContain('PRODUCTION_URL is not set');
    expect(partial.stdout).toMatch(/#1 .* staging {2}passed/);
    const limited = await p.run(['history', '--limit', '1']);
    expect(limited.stdout.match(/^#\d+/gm)).toHaveLength(1);
  });
});

describe('pending migrations from the migration tool\'s ledger', () => {
  it('dbmate files: schema_migrations decides what is applied', async () => {
    const p = await project();
    p.write('migrations/20260101000000_notes.sql', `-- migrate:up\n${ADD_NOTES}\n-- migrate:down\nALTER TABLE customers DROP COLUMN notes;\n`);
    p.write('migrations/20260102000000_vip.sql', '-- migrate:up\nALTER TABLE customers ADD COLUMN vip boolean;\n-- migrate:down\nALTER TABLE customers DROP COLUMN vip;\n');
    await p.dbs.test.sql(`CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20260101000000');`);
    const run = await p.run(['deploy', '--env', 'test', '--dry-run', '--format', 'json']);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as DeployReport;
    expect(report.migrationSet.ledger).toBe('dbmate (public.schema_migrations)');
    expect(report.migrationSet.files.map((f) => f.path)).toEqual(['migrations/20260102000000_vip.sql']);
    // Without the tool's table, prodguard's own ledger decides: nothing applied yet.
    const staging = await p.run(['deploy', '--env', 'staging', '--dry-run', '--format', 'json']);
    const stagingReport = JSON.parse(staging.stdout) as DeployReport;
    expect(stagingReport.migrationSet.ledger).toBe('prodguard (prodguard.applied_migrations)');
    expect(stagingReport.migrationSet.files).toHaveLength(2);
  });
});
