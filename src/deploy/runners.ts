/**
 * The check and verify phases: adapters from the `check` and `verify` capabilities to the
 * pipeline's PhaseRunner. They translate reports into a phase outcome; the work is theirs.
 */
import { runCheck } from '../check/run.js';
import type { CheckReport } from '../check/types.js';
import type { MigrationFile } from '../migrations/types.js';
import { runVerify } from '../verify/run.js';
import type { VerifyCheck } from '../verify/schema.js';
import type { PhaseOutcome, PhaseRunner } from './pipeline.js';
import { rehearseRollbacks, type RollbackRehearsal } from '../check/rollback-rehearsal.js';
import { plural } from '../report/plural.js';


/** One line per finding and failed statement: `error check-value-removed migrations/003.sql:7: …`. */
export function checkDetails(report: CheckReport): string[] {
  const details: string[] = [];
  for (const migration of report.migrations) {
    for (const statement of migration.statements) {
      const where = `${migration.path}:${statement.line}`;
      if (statement.status === 'failed' && statement.error) details.push(`error migration-failed ${where}: ${statement.error.message}`);
      for (const finding of statement.findings) {
        if (finding.severity === 'info') continue;
        details.push(`${finding.severity} ${finding.id} ${where}: ${finding.message}`);
      }
    }
  }
  return details;
}

/** A rehearsal that did not restore the schema, as detail lines; none for `restored`. */
export function rollbackDetails(rehearsal: RollbackRehearsal): string[] {
  switch (rehearsal.status) {
    case 'restored':
    case 'not-run':
      return [];
    case 'no-down':
      return [`error rollback-missing ${rehearsal.path}: no down migration to rehearse`];
    case 'up-failed':
      return [`error migration-failed ${rehearsal.path}: ${rehearsal.error ?? 'failed'}`];
    case 'down-failed':
      return [`error rollback-failed ${rehearsal.downPath ?? rehearsal.path}: ${rehearsal.error ?? 'failed'}`];
    case 'differs':
      return rehearsal.differences.map((d) => `error rollback-differs ${rehearsal.downPath ?? rehearsal.path}: ${d}`);
  }
}

export interface CheckRunnerOptions {
  /** Every discovered migration (check needs the whole list to know the order). */
  files: readonly MigrationFile[];
  templateValues?: Record<string, string> | undefined;
  /** Also rehearse each pending migration's down (deploy.requireRollback), outside production. */
  rehearseRollbacks?: { projectDir: string } | undefined;
}

/**
 * The check phase: `runCheck` on the target with the pending migrations selected. On production
 * (declared or recorded) check itself runs only the read-only pre-checks; elsewhere it rehearses
 * in a rolled-back transaction.
 */
export function checkRunner(options: CheckRunnerOptions): PhaseRunner {
  return async ({ db, pending, production }): Promise<PhaseOutcome> => {
    const report = await runCheck({
      files: options.files,
      db,
      select: { kind: 'since', paths: new Set(pending.map((f) => f.path)) },
      declaredProduction: production,
      templateValues: options.templateValues,
    });
    const details = checkDetails(report);
    const s = report.summary;
    let errors = s.errors + s.failedMigrations;
    let rollbacks = '';
    // Only where check itself rehearsed: its mode accounts for a database recorded as production.
    if (options.rehearseRollbacks && report.mode === 'rehearsal' && report.verdict === 'pass') {
      const rehearsal = await rehearseRollbacks(db, pending, { projectDir: options.rehearseRollbacks.projectDir });
      const bad = rehearsal.migrations.flatMap(rollbackDetails);
      details.push(...bad);
      errors += bad.length;
      rollbacks = `; ${rehearsal.migrations.filter((m) => m.status === 'restored').length}/${rehearsal.migrations.length} rollbacks restore the schema`;
    }
    const mode = report.mode === 'rehearsal' ? 'rehearsed, rolled back' : 'read-only pre-checks';
    // A pre-check that could not run leaves the data unchecked: the deploy does not go on blind.
    const incomplete = report.verdict === 'incomplete' ? `, ${plural(s.incompletePrechecks, 'pre-check')} could not run` : '';
    const message = `${plural(s.migrations, 'migration')} (${mode}): ${plural(errors, 'error')}, ${plural(s.warnings, 'warning')}${incomplete}${rollbacks}`;
    return { status: errors > 0 || incomplete ? 'fail' : s.warnings > 0 ? 'warn' : 'pass', message, details };
  };
}

export interface VerifyRunnerOptions {
  checks: readonly VerifyCheck[];
  /** Log paths and commands are relative to this directory (the config file's). */
  cwd: string;
}

/** The verify phase: the configured `verify.checks` suite; sql checks read the target. */
export function verifyRunner(options: VerifyRunnerOptions): PhaseRunner {
  return async ({ db, environment }): Promise<PhaseOutcome> => {
    const report = await runVerify({ checks: options.checks, db: async () => db, environment: environment.name, cwd: options.cwd });
    const s = report.summary;
    const details = report.checks.filter((c) => c.status !== 'pass').map((c) => `${c.status.toUpperCase()} ${c.name}: ${c.error ?? c.message}`);
    const message = `${plural(report.checks.length, 'check')}: ${s.pass} passed, ${s.warn} warned, ${s.fail} failed`;
    return { status: report.verdict, message, details };
  };
}
