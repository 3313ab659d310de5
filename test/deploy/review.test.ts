/**
 * Deploy behaviours a review found missing, end to end on real PostgreSQL: a database recorded as
 * production is production whatever the config says, a failed preflight writes nothing, and the
 * phases production cannot skip.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/pg.js';
import { ADD_NOTES, BASELINE, history, project, psql } from './project.js';

describe('a database recorded as production', () => {
  it('is production though the config does not say so: no rollback rehearsal on it, no skipping its backup', async () => {
    const p = await project();
    const blue = await createTestDatabase('deploy_blue');
    await blue.sql(`${BASELINE}; CREATE SEQUENCE blue_seq;`);
    writeFileSync(
      path.join(p.dir, 'prodguard.config.yaml'),
      'environments:\n  - name: test\n    url: ${TEST_URL}\n  - name: blue\n    url: ${BLUE_URL}\nmigrations: migrations\nbackup:\n  dir: backups\ndeploy:\n  requireRollback: true\n',
    );
    await p.dbs.test.sql('CREATE SEQUENCE blue_seq');
    const env = { ...p.env, BLUE_URL: blue.url };
    const run = (args: string[]) => runCli(args, { cwd: p.dir, env });
    expect((await run(['env', 'mark', '--env', 'blue', '--as', 'production', '--name', 'blue'])).code).toBe(0);
    p.write('migrations/001_touch.sql', `-- migrate:up\nSELECT nextval('blue_seq');\n-- migrate:down\nSELECT 1;\n`);
    // Recorded production is never the first environment: blue alone is refused at the gate.
    const config = path.join(p.dir, 'prodguard.config.yaml');
    const both = readFileSync(config, 'utf8');
    writeFileSync(config, both.replace('  - name: test\n    url: ${TEST_URL}\n', ''));
    const alone = await run(['deploy', '--env', 'blue', '--dry-run']);
    expect(alone.code, alone.stdout).toBe(1);
    expect(alone.stdout).toMatch(/FAIL\s+gate\s+refused: "blue" is production and no test or staging environment comes before it/);
    writeFileSync(config, both);
    const first = await run(['deploy', '--env', 'test', '--', 'true']);
    expect(first.code, first.stdout).toBe(0);

    const dry = await run(['deploy', '--env', 'blue', '--dry-run']);
    expect(dry.code, dry.stdout + dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/PASS\s+check\s+1 migration \(read-only pre-checks\)/);
    expect(dry.stdout).not.toContain('rollbacks restore the schema');
    // Nothing executed the migration: the sequence never moved.
    expect(await blue.sql(`SELECT is_called FROM blue_seq`)).toEqual([{ is_called: false }]);

    const skip = await run(['deploy', '--env', 'blue', '--skip', 'backup', '--reason', 'in a hurry', '--dry-run']);
    expect(skip.code, skip.stdout).toBe(1);
    expect(skip.stdout).toMatch(/FAIL\s+preflight\s+production cannot skip backup: --skip is refused/);
  });
});

describe('the promotion gate', () => {
  it('refuses production as the first environment, whether the config or the database says production', async () => {
    const p = await project({ config: 'deploy:\n  promotion: [production]\n' });
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    const run = await p.run(['deploy', '--env', 'production', '--', ...psql('migrations/001_add_notes.sql')]);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+gate\s+refused: "production" is production and no test or staging environment comes before it/);
    expect(await p.dbs.production.sql(`SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name = 'notes'`)).toEqual([{ n: 0 }]);
  });

  it('opens production when staging passed each pending file in separate deploys; with nothing pending the migrate command is not run', async () => {
    const p = await project();
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    for (const env of ['test', 'staging']) {
      const r = await p.run(['deploy', '--env', env, '--', ...psql('migrations/001_add_notes.sql')]);
      expect(r.code, r.stdout).toBe(0);
    }
    p.write('migrations/002_add_vip.sql', "SET lock_timeout = '2s';\nALTER TABLE customers ADD COLUMN vip boolean;\n");
    for (const env of ['test', 'staging']) {
      const r = await p.run(['deploy', '--env', env, '--', ...psql('migrations/002_add_vip.sql')]);
      expect(r.code, r.stdout).toBe(0);
    }
    const production = await p.run(['deploy', '--env', 'production', '--', ...psql('migrations/001_add_notes.sql', 'migrations/002_add_vip.sql')]);
    expect(production.code, production.stdout).toBe(0);
    expect(production.stdout).toMatch(/PASS\s+gate\s+"staging" passed every pending migration, in run #\d+, run #\d+/);
    expect(await p.dbs.production.sql(`SELECT count(*)::int AS n FROM information_schema.columns WHERE column_name IN ('notes', 'vip')`)).toEqual([{ n: 2 }]);

    // A file staging passed with other contents does not count.
    p.write('migrations/003_add_tier.sql', "SET lock_timeout = '2s';\nALTER TABLE customers ADD COLUMN tier text;\n");
    for (const env of ['test', 'staging']) expect((await p.run(['deploy', '--env', env, '--', 'true'])).code).toBe(0);
    p.write('migrations/003_add_tier.sql', "SET lock_timeout = '2s';\nALTER TABLE customers ADD COLUMN tier varchar(10);\n");
    const changed = await p.run(['deploy', '--env', 'production', '--', 'true']);
    expect(changed.code, changed.stdout).toBe(1);
    expect(changed.stdout).toContain('not passed on "staging" with these contents: migrations/003_add_tier.sql');

    // Nothing pending on staging: its migrate command does not run.
    const nothing = await p.run(['deploy', '--env', 'staging', '--', 'sh', '-c', 'touch migrate-ran']);
    expect(nothing.code, nothing.stdout).toBe(1); // 003 changed after staging applied it
    p.write('migrations/003_add_tier.sql', "SET lock_timeout = '2s';\nALTER TABLE customers ADD COLUMN tier text;\n");
    const idle = await p.run(['deploy', '--env', 'staging', '--', 'sh', '-c', 'touch migrate-ran']);
    expect(idle.code, idle.stdout).toBe(0);
    expect(idle.stdout).toMatch(/SKIP\s+migrate\s+nothing to deploy: 0 pending migrations, the migrate command was not run/);
    expect(existsSync(path.join(p.dir, 'migrate-ran'))).toBe(false);
  });

  it("refuses when the previous environment's database is marked with another kind", async () => {
    const p = await project();
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    expect((await p.run(['deploy', '--env', 'test', '--', ...psql('migrations/001_add_notes.sql')])).code).toBe(0);
    await p.dbs.test.sql(`UPDATE prodguard.environment SET kind = 'development'`);
    const staging = await p.run(['deploy', '--env', 'staging', '--', ...psql('migrations/001_add_notes.sql')]);
    expect(staging.code, staging.stdout).toBe(1);
    expect(staging.stdout).toMatch(/FAIL\s+gate\s+cannot trust "test"'s ledger: its database is marked "test" \(development\), not "test" \(test\)/);
  });
});

describe('ledger paths', () => {
  it('do not depend on where prodguard runs: from migrations/ with --migrations . the applied file is not listed again', async () => {
    const p = await project();
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    expect((await p.run(['deploy', '--env', 'test', '--', ...psql('migrations/001_add_notes.sql')])).code).toBe(0);
    const inside = await runCli(['deploy', '--env', 'test', '--migrations', '.', '--dry-run'], { cwd: path.join(p.dir, 'migrations'), env: p.env });
    expect(inside.code, inside.stdout + inside.stderr).toBe(0);
    expect(inside.stdout).toContain('0 pending migrations');
    expect(inside.stdout).not.toContain('pending: ');
  });
});

describe('the migrate command', () => {
  it('output is redacted by whole lines (a secret split across chunks is not printed), and a SIGTERM to prodguard stops the command too', async () => {
    const p = await project();
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    const split = await p.run(['deploy', '--env', 'test', '--', 'sh', '-c', `printf "postgres://u:S3cretP"; sleep .5; printf "assw0rd@h/db\\n"; printf "no newline at the end"; ${psql('migrations/001_add_notes.sql')[2]}`]);
    expect(split.code, split.stdout + split.stderr).toBe(0);
    // (the command line itself holds the two halves apart; its streamed output must not)
    const streamed = split.stdout.split('\n').filter((l) => l.includes('│')).join('\n');
    expect(streamed).not.toContain('S3cretP');
    expect(streamed).not.toContain('assw0rd');
    expect(split.stdout).toMatch(/^ +│ postgres:\/\/u:\S+@h\/db$/m);
    expect(split.stdout).toMatch(/^ +│ no newline at the end$/m);

    p.write('migrations/002_slow.sql', 'SELECT 1;\n');
    const bin = path.resolve('bin/prodguard.js');
    const child = spawn(process.execPath, [bin, 'deploy', '--env', 'test', '--skip', 'backup', '--reason', 'disposable', '--', 'sh', '-c', 'echo $$ > migrate.pid; echo started; sleep 30; touch finished'], {
      cwd: p.dir,
      env: { ...process.env, ...p.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await expect.poll(() => stdout, { timeout: 30_000, interval: 100 }).toContain('│ started');
    child.kill('SIGTERM');
    const code = await exited;
    expect(code, stdout).toBe(1);
    expect(stdout).toMatch(/FAIL\s+migrate\s+the migrate command was killed by SIGTERM/);
    const pid = Number(readFileSync(path.join(p.dir, 'migrate.pid'), 'utf8'));
    expect(() => process.kill(pid, 0)).toThrow();
    expect(existsSync(path.join(p.dir, 'finished'))).toBe(false);
    const [recorded] = await history(p, 'test');
    expect(recorded).toMatchObject({ outcome: 'failed', failedPhase: 'migrate' });
  }, 60_000);
});

describe('record', () => {
  it('failing after a successful migrate still gives the rollback advice', async () => {
    const p = await project();
    p.write('migrations/001_add_notes.sql', ADD_NOTES);
    expect((await p.run(['deploy', '--env', 'test', '--', ...psql('migrations/001_add_notes.sql')])).code).toBe(0);
    await p.dbs.test.sql(`
      CREATE FUNCTION public.no_record() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'ledger is read-only'; END $$;
      CREATE TRIGGER no_record BEFORE INSERT ON prodguard.runs FOR EACH ROW EXECUTE FUNCTION public.no_record();`);
    p.write('migrations/002_add_vip.sql', "SET lock_timeout = '2s';\nALTER TABLE customers ADD COLUMN vip boolean;\n");
    const run = await p.run(['deploy', '--env', 'test', '--', ...psql('migrations/002_add_vip.sql')]);
    expect(run.code, run.stdout).toBe(3); // the database refused the write: could not run
    expect(run.stdout).toMatch(/FAIL\s+record\s+.*ledger is read-only/);
    expect(run.stdout).toContain('ROLLBACK RECOMMENDED: record failed after the migrate');
    expect(run.stdout).toMatch(/prodguard backup restore \/\S+\.dump --env test --clean --yes/);
  });
});

describe('a migration tool\'s ledger', () => {
  it('Prisma: a migration.sql edited after _prisma_migrations recorded its checksum is an error at preflight', async () => {
    const p = await project();
    mkdirSync(path.join(p.dir, 'migrations', '20260101000000_notes'));
    p.write('migrations/20260101000000_notes/migration.sql', ADD_NOTES);
    await p.dbs.test.sql(`
      CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz, migration_name varchar(255) NOT NULL,
                                       logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count int NOT NULL DEFAULT 0);
      INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, applied_steps_count)
      VALUES ('a', encode(sha256(convert_to($1, 'UTF8')), 'hex'), now(), '20260101000000_notes', 1);`.replace('$1', `'${ADD_NOTES.replace(/'/g, "''")}'`));
    const same = await p.run(['deploy', '--env', 'test', '--dry-run']);
    expect(same.code, same.stdout).toBe(0);
    expect(same.stdout).toContain('0 pending migrations (ledger: prisma');

    p.write('migrations/20260101000000_notes/migration.sql', `${ADD_NOTES}ALTER TABLE customers ADD COLUMN vip boolean;\n`);
    const edited = await p.run(['deploy', '--env', 'test', '--dry-run']);
    expect(edited.code, edited.stdout).toBe(1);
    expect(edited.stdout).toMatch(/FAIL\s+preflight\s+1 migration changed after it was applied: migrations\/20260101000000_notes\/migration\.sql/);
  });

  it('Prisma: a migrate command that applies migrations prodguard did not check fails the migrate phase', async () => {
    const p = await project();
    mkdirSync(path.join(p.dir, 'migrations', '20260101000000_notes'));
    p.write('migrations/20260101000000_notes/migration.sql', ADD_NOTES);
    await p.dbs.test.sql(`CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL, finished_at timestamptz, migration_name varchar(255) NOT NULL,
                                                           logs text, rolled_back_at timestamptz, started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count int NOT NULL DEFAULT 0)`);
    // A stand-in for `prisma migrate deploy` reading another directory: it applies ours and one more.
    const record = (id: string, name: string) => `INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('${id}', 'x', now(), '${name}')`;
    const tool = ['sh', '-c', `psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -f migrations/20260101000000_notes/migration.sql -c "${record('a', '20260101000000_notes')}" -c "${record('b', '20991231000000_elsewhere')}"`];
    const run = await p.run(['deploy', '--env', 'test', '--', ...tool]);
    expect(run.code, run.stdout).toBe(1);
    expect(run.stdout).toMatch(/FAIL\s+migrate\s+the migrate command applied 1 migration outside the checked set: 20991231000000_elsewhere/);
    expect(run.stdout).toContain('ROLLBACK RECOMMENDED: migrate failed');
  });
});
