/**
 * Deploy behaviours a review found missing, end to end on real PostgreSQL: a database recorded as
 * production is production whatever the config says, a failed preflight writes nothing, and the
 * phases production cannot skip.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase } from '../helpers/pg.js';
import { ADD_NOTES, BASELINE, project } from './project.js';

describe('a database recorded as production', () => {
  it('is production though the config does not say so: no rollback rehearsal on it, no skipping its backup', async () => {
    const p = await project();
    const blue = await createTestDatabase('deploy_blue');
    await blue.sql(`${BASELINE}; CREATE SEQUENCE blue_seq;`);
    writeFileSync(
      path.join(p.dir, 'prodguard.config.yaml'),
      'environments:\n  - name: blue\n    url: ${BLUE_URL}\nmigrations: migrations\nbackup:\n  dir: backups\ndeploy:\n  requireRollback: true\n',
    );
    const env = { ...p.env, BLUE_URL: blue.url };
    const run = (args: string[]) => runCli(args, { cwd: p.dir, env });
    expect((await run(['env', 'mark', '--env', 'blue', '--as', 'production', '--name', 'blue'])).code).toBe(0);
    p.write('migrations/001_touch.sql', `-- migrate:up\nSELECT nextval('blue_seq');\n-- migrate:down\nSELECT 1;\n`);

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
