import type { Command } from 'commander';
import type { CliContext } from './context.js';

/** A command file exports `register`, which defines its flags, help and action on the program. */
export interface CommandModule {
  register(program: Command, cli: CliContext): void;
}

export interface CommandEntry {
  name: string;
  summary: string;
  load(): Promise<CommandModule>;
}

/**
 * Every command, with the one-line summary `prodguard --help` shows. Command files are
 * imported only when their command runs, so `prodguard --version` loads none of them.
 */
export const COMMANDS: readonly CommandEntry[] = [
  { name: 'preflight', summary: 'run the pre-flight safety checklist against a database', load: () => import('./commands/preflight.js') },
  { name: 'env', summary: "record or show a database's environment identity", load: () => import('./commands/env.js') },
  { name: 'snapshot', summary: 'record row counts, key fingerprints and columns in one consistent snapshot', load: () => import('./commands/snapshot.js') },
  { name: 'compare', summary: 'compare snapshots (or a snapshot with the live database): exit 1 on data loss', load: () => import('./commands/compare.js') },
  { name: 'backup', summary: 'create, verify, check the age of and restore pg_dump backups', load: () => import('./commands/backup.js') },
  { name: 'lint', summary: 'lint migrations for data loss, breaking changes and locks', load: () => import('./commands/lint.js') },
  { name: 'check', summary: 'check migrations against real data: shadow replay, rolled-back rehearsal, read-only pre-checks', load: () => import('./commands/check.js') },
  { name: 'rules', summary: 'list the lint rules', load: () => import('./commands/rules.js') },
  { name: 'serve', summary: 'serve the web dashboard (environments, test data, integrity, verify, deploys, lint)', load: () => import('./commands/serve.js') },
  { name: 'verify', summary: 'run the post-deploy checks (http, tcp, sql, redis, logs, command): PASS / WARN / FAIL', load: () => import('./commands/verify.js') },
  { name: 'scan-logs', summary: 'scan log files for PII and secrets; exit 1 on findings', load: () => import('./commands/scan-logs.js') },
  { name: 'testdata', summary: 'mark, count, list, clean up, verify and audit test data', load: () => import('./commands/testdata.js') },
  { name: 'monitor', summary: 'watch test data: snapshot, JSON export, alerting watch, live dashboard', load: () => import('./commands/monitor.js') },
  { name: 'explain', summary: "print a lint rule's documentation", load: () => import('./commands/explain.js') },
  { name: 'deploy', summary: 'the guarded deploy: every phase around your migrate command, gated by promotion order, recorded', load: () => import('./commands/deploy.js') },
  { name: 'history', summary: 'the recorded deploys of each environment, newest first', load: () => import('./commands/history.js') },
  { name: 'demo', summary: 'watch the guarded deploy stop three bad migrations on an embedded database (no server, no config)', load: () => import('./commands/demo.js') },
];
