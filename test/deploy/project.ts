/** A project with three databases (test, staging, production), marked, in a config in promotion order. */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { DeployReport, DeployRun } from '../../src/deploy/types.js';
import { runCli } from '../helpers/cli.js';
import { createTestDatabase, type TestDatabase } from '../helpers/pg.js';

export const BASELINE = `
  CREATE TABLE customers (id int PRIMARY KEY, email text NOT NULL, phone text);
  INSERT INTO customers SELECT g, 'c' || g || '@example.test', 'ext ' || g FROM generate_series(1, 200) g;`;

export interface Project {
  dir: string;
  dbs: Record<'test' | 'staging' | 'production', TestDatabase>;
  env: NodeJS.ProcessEnv;
  run(args: string[]): ReturnType<typeof runCli>;
  write(file: string, text: string): void;
}

/** psql applying the given migration files to $DATABASE_URL, stopping at the first error: the "team's migrate command". */
export function psql(...files: string[]): string[] {
  return ['sh', '-c', `for f in ${files.join(' ')}; do psql "$DATABASE_URL" -X -q -v ON_ERROR_STOP=1 -f "$f" || exit $?; done`];
}

export async function project(options: { config?: string; backupDir?: string } = {}): Promise<Project> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'prodguard-deploy-'));
  mkdirSync(path.join(dir, 'migrations'));
  const dbs = {
    test: await createTestDatabase('deploy_test'),
    staging: await createTestDatabase('deploy_staging'),
    production: await createTestDatabase('deploy_prod'),
  };
  writeFileSync(
    path.join(dir, 'prodguard.config.yaml'),
    `environments:
  - name: test
    url: \${TEST_URL}
  - name: staging
    url: \${STAGING_URL}
  - name: production
    url: \${PRODUCTION_URL}
migrations: migrations
backup:
  dir: ${JSON.stringify(options.backupDir ?? 'backups')}
${options.config ?? ''}`,
  );
  const env = { TEST_URL: dbs.test.url, STAGING_URL: dbs.staging.url, PRODUCTION_URL: dbs.production.url, PRODGUARD_ACTOR: 'ci-bot' };
  const run = (args: string[]) => runCli(args, { cwd: dir, env });
  for (const name of ['test', 'staging', 'production'] as const) {
    await dbs[name].sql(BASELINE);
    const marked = await run(['env', 'mark', '--env', name, '--as', name, '--name', name]);
    expect(marked.code, marked.stderr).toBe(0);
  }
  return { dir, dbs, env, run, write: (file, text) => writeFileSync(path.join(dir, file), text) };
}

export function readReport(p: Project, file: string): DeployReport {
  return JSON.parse(readFileSync(path.join(p.dir, file), 'utf8')) as DeployReport;
}

export async function history(p: Project, env: string): Promise<DeployRun[]> {
  const run = await p.run(['history', '--env', env, '--format', 'json']);
  expect(run.code, run.stderr).toBe(0);
  return (JSON.parse(run.stdout) as { runs: DeployRun[] }).runs;
}

export const ADD_NOTES = 'SET lock_timeout = \'2s\';\nALTER TABLE customers ADD COLUMN notes text;\n';
