import type { EnvironmentKind } from '../config/schema.js';
import type { Queryable } from '../db/types.js';
import { RefusedError } from '../errors.js';
import { readIdentity } from '../identity/environment.js';
import type { TestDataSettings } from './settings.js';

/**
 * Refuses to delete or write test data on a production database unless the team opted in with
 * `testData.allowOnProduction: true`. Production means: the database's recorded identity
 * (`prodguard env mark`) says so, or the config environment the target came from is production.
 *
 * @throws RefusedError (`PRODGUARD_PROTECTED`, exit 1)
 */
export async function assertTestDataAllowed(
  db: Queryable,
  settings: Pick<TestDataSettings, 'allowOnProduction'>,
  action: string,
  environmentKind?: EnvironmentKind | undefined,
): Promise<void> {
  if (settings.allowOnProduction) return;
  const identity = await readIdentity(db);
  const recorded = identity?.kind === 'production';
  if (!recorded && environmentKind !== 'production') return;
  const why = recorded
    ? `this database is marked production ("${identity?.name}", by ${identity?.markedBy} at ${identity?.markedAt})`
    : 'the configured environment is production';
  throw new RefusedError(`${why}; refusing to ${action}`, {
    code: 'PRODGUARD_PROTECTED',
    hint: 'teams that test in production opt in with testData.allowOnProduction: true in prodguard.config',
  });
}
