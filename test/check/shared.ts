/**
 * The scenario tests, written once and run on two backends: PGlite (shadow replay of the setup
 * migration, then the change) and a real PostgreSQL server (setup applied, then a rolled-back
 * rehearsal of the change).
 */
import { expect, it } from 'vitest';
import type { CheckReport } from '../../src/check/types.js';
import {
  CAST_FAILURE,
  ENUM_MAPPED,
  ENUM_REBUILT,
  NUMERIC_TO_INT,
  FAILS_TO_APPLY,
  FK_INDEXED,
  FK_ORPHANS,
  finding,
  LOCKS,
  MALFORMED,
  REWRITE,
  type Scenario,
  SEED,
  SEED_NO_ROWS,
  SEED_NULLABLE,
  SET_NOT_NULL,
  statement,
  UNIQUE_DUPLICATES,
  VALIDATE,
} from './scenarios.js';

export type RunScenario = (scenario: Scenario) => Promise<CheckReport>;

export function scenarioTests(run: RunScenario): void {
  it('the seed incident: names the removed value, its row count, the function and the trigger', async () => {
    const report = await run(SEED);
    expect(report.verdict).toBe('fail');
    const removed = finding(report, 'check-value-removed');
    expect(removed.severity).toBe('error');
    expect(removed.removedValues).toEqual([
      {
        column: 'kind',
        value: 'member_program_item_schedule',
        rows: 3,
        usedBy: [
          { kind: 'function', name: 'log_schedule_item()' },
          { kind: 'trigger', name: expect.stringContaining('trg_log_schedule_item on program_items') },
        ],
      },
    ]);
    expect(removed.message).toContain("'member_program_item_schedule'");
    expect(removed.message).toContain('3 rows hold it');
    expect(removed.message).toContain('log_schedule_item()');
    // The rows make the re-added constraint fail too.
    expect(finding(report, 'check-violation').count).toBe(3);
    expect(statement(report, 'ADD CONSTRAINT').status).toBe('failed');
  });

  it('the incident on a nullable column (IS NULL OR IN): the removed value, its rows and the function', async () => {
    const report = await run(SEED_NULLABLE);
    const removed = finding(report, 'check-value-removed');
    expect(removed.severity).toBe('error');
    expect(removed.removedValues?.map((v) => [v.column, v.value, v.rows])).toEqual([['kind', 'member_program_item_schedule', 2]]);
    expect(removed.removedValues?.[0]?.usedBy.map((u) => u.name)).toContain('log_nullable_item()');
    expect(report.verdict).toBe('fail');
  });

  it('the incident when no row holds the value: the migration applies, the finding is still an error', async () => {
    const report = await run(SEED_NO_ROWS);
    const change = report.migrations.find((m) => m.path.endsWith('002_change.sql'))!;
    expect(change.statements.every((s) => s.status === 'ok' || s.status === 'not-rehearsed')).toBe(true);
    const removed = finding(report, 'check-value-removed');
    expect(removed.severity).toBe('error');
    expect(removed.removedValues?.[0]).toMatchObject({ value: 'task_schedule', rows: 0 });
    expect(removed.removedValues?.[0]?.usedBy.map((u) => u.name)).toContain('log_plan_item()');
    expect(report.verdict).toBe('fail');
  });

  it('a migration that fails to apply: the statement, file:line and the server error', async () => {
    const report = await run(FAILS_TO_APPLY);
    const failed = statement(report, 'absent_table');
    expect(failed.status).toBe('failed');
    expect(failed.line).toBe(3);
    expect(failed.error?.message).toMatch(/relation "absent_table" does not exist/);
    expect(failed.error?.sqlState).toBe('42P01');
    expect(finding(report, 'migration-failed').message).toContain('002_change.sql:3');
    expect(statement(report, 'later').status).toBe('not-run');
    expect(report.summary.failedMigrations).toBe(1);
    expect(report.verdict).toBe('fail');
  });

  it('malformed SQL is a failure at its line and column, not a crash', async () => {
    const report = await run(MALFORMED);
    const bad = report.migrations.flatMap((m) => m.statements).find((s) => s.status === 'failed')!;
    expect(bad.line).toBe(2);
    expect(bad.error?.message).toMatch(/syntax error/);
    expect(bad.error?.line).toBe(2);
    expect(report.verdict).toBe('fail');
  });

  it('SET NOT NULL over NULLs: counts them, with example keys', async () => {
    const report = await run(SET_NOT_NULL);
    const f = finding(report, 'not-null-violation');
    expect(f.count).toBe(2);
    expect(f.examples).toEqual(['id=2', 'id=4']);
    expect(f.severity).toBe('error');
  });

  it('UNIQUE over duplicates: counts the duplicate groups, NULLs are not duplicates', async () => {
    const report = await run(UNIQUE_DUPLICATES);
    const f = finding(report, 'unique-duplicates');
    expect(f.count).toBe(2);
    expect(f.message).toContain('3 extra rows');
    expect(f.examples).toEqual(['(handle)=(ann) ×3', '(handle)=(bob) ×2']);
  });

  it('FOREIGN KEY with orphans: counts them and notes the missing index', async () => {
    const report = await run(FK_ORPHANS);
    const f = finding(report, 'fk-orphans');
    expect(f.count).toBe(2);
    expect(f.examples).toEqual(['id=12', 'id=13']);
    expect(finding(report, 'fk-unindexed').severity).toBe('warning');
  });

  it('FOREIGN KEY on an indexed, analysed column: the same counts through the index', async () => {
    const report = await run(FK_INDEXED);
    expect(finding(report, 'fk-orphans')).toMatchObject({ count: 2, examples: ['id=7', 'id=9'] });
    expect(() => finding(report, 'fk-unindexed')).toThrow();
  });

  it('VALIDATE CONSTRAINT: orphans of the FK and rows violating the CHECK, from the live definitions', async () => {
    const report = await run(VALIDATE);
    const orphans = finding(report, 'fk-orphans');
    expect(orphans).toMatchObject({ severity: 'error', count: 2, examples: ['id=2', 'id=4'] });
    expect(statement(report, 'members_team_fk').status).toBe('failed');
    // The rehearsal stops at the first failure; the second VALIDATE was pre-checked only where it ran.
    expect(report.verdict).toBe('fail');
  });

  it('a type change that rewrites the table is detected by relfilenode', async () => {
    const report = await run(REWRITE);
    const s = statement(report, 'TYPE bigint');
    expect(s.status).toBe('ok');
    expect(s.rewrites.map((r) => r.relation)).toContain('counters');
    expect(s.rewrites.map((r) => r.relation)).toContain('counters_pkey');
    expect(s.locks).toContainEqual({ relation: 'counters', relationKind: 'table', mode: 'AccessExclusiveLock' });
    expect(s.tables[0]).toMatchObject({ table: 'counters' });
    // The rewrite's transient heap (dropped again by the statement) is not reported as a lock.
    expect(s.locks.filter((l) => /^\d+$/.test(l.relation))).toEqual([]);
    // A statement that does not rewrite reports none.
    expect(report.verdict).toBe('pass');
  });

  it('a cast that fails on existing values is an error finding', async () => {
    const report = await run(CAST_FAILURE);
    const f = finding(report, 'cast-failure');
    expect(f.severity).toBe('error');
    expect(f.message).toMatch(/n\/a|do not convert/);
  });

  it('an enum rebuilt without a value: rows holding it and the function writing it', async () => {
    const report = await run(ENUM_REBUILT);
    const f = finding(report, 'values-lost');
    expect(f.severity).toBe('error');
    expect(f.count).toBe(2);
    expect(f.removedValues).toEqual([{ column: 'status', value: 'ARCHIVED', rows: 2, usedBy: [{ kind: 'function', name: 'archive_order(integer)' }] }]);
    expect(f.examples).toEqual(['id=2', 'id=4']);
    expect(report.verdict).toBe('fail');
  });

  it('an enum rebuilt with a USING that maps the removed value: no values lost', async () => {
    const report = await run(ENUM_MAPPED);
    expect(report.migrations.flatMap((m) => m.statements.flatMap((s) => s.findings)).map((f) => f.id)).not.toContain('values-lost');
    expect(report.verdict).toBe('pass');
  });

  it('numeric to integer without USING rounds (the assignment cast): no cast failure', async () => {
    const report = await run(NUMERIC_TO_INT);
    const ids = report.migrations.flatMap((m) => m.statements.flatMap((s) => s.findings)).map((f) => f.id);
    expect(ids).not.toContain('cast-failure');
    expect(ids).not.toContain('values-lost');
    expect(statement(report, 'TYPE integer').status).toBe('ok');
  });

  it("locks match PostgreSQL's documented lock modes", async () => {
    const report = await run(LOCKS);
    const locksOf = (fragment: string) => statement(report, fragment).locks;
    // ALTER TABLE ADD COLUMN: ACCESS EXCLUSIVE.
    expect(locksOf('lk_add ADD COLUMN')).toContainEqual({ relation: 'lk_add', relationKind: 'table', mode: 'AccessExclusiveLock' });
    // CREATE INDEX (not concurrently): SHARE on the table; writes wait, reads go on.
    const index = locksOf('CREATE INDEX');
    expect(index).toContainEqual({ relation: 'lk_index', relationKind: 'table', mode: 'ShareLock' });
    expect(index.filter((l) => l.relation === 'lk_index').map((l) => l.mode)).not.toContain('AccessExclusiveLock');
    // ADD FOREIGN KEY ... NOT VALID: SHARE ROW EXCLUSIVE on both tables.
    const fk = locksOf('lk_child_parent_fk');
    expect(fk).toContainEqual({ relation: 'lk_child', relationKind: 'table', mode: 'ShareRowExclusiveLock' });
    expect(fk).toContainEqual({ relation: 'lk_parent', relationKind: 'table', mode: 'ShareRowExclusiveLock' });
    expect(fk.map((l) => l.mode)).not.toContain('AccessExclusiveLock');
    // ADD CHECK ... NOT VALID: still ACCESS EXCLUSIVE (only the validation scan is skipped).
    expect(locksOf('lk_check_v_check')).toContainEqual({ relation: 'lk_check', relationKind: 'table', mode: 'AccessExclusiveLock' });
    // VALIDATE CONSTRAINT: SHARE UPDATE EXCLUSIVE; reads and writes go on.
    const validate = locksOf('VALIDATE CONSTRAINT');
    expect(validate).toContainEqual({ relation: 'lk_validate', relationKind: 'table', mode: 'ShareUpdateExclusiveLock' });
    expect(validate.map((l) => l.mode)).not.toContain('AccessExclusiveLock');
    // DROP TABLE: ACCESS EXCLUSIVE on a table that no longer exists afterwards, named from before.
    expect(locksOf('DROP TABLE lk_drop')).toContainEqual({ relation: 'lk_drop', relationKind: 'table, dropped', mode: 'AccessExclusiveLock' });
    expect(report.migrations.flatMap((m) => m.statements).every((s) => s.locksCaptured || s.status !== 'ok')).toBe(true);
  });
}
