import type { EnvironmentKind } from '../config/schema.js';
import { kindFromName } from '../config/target.js';
import type { Queryable } from '../db/types.js';
import { RefusedError } from '../errors.js';
import { readIdentity } from '../identity/environment.js';
import type { TestDataSettings } from './settings.js';
import type { DeleteTrigger } from './tables.js';

/**
 * Refuses to delete or write test data on a production database unless the team opted in with
 * `testData.allowOnProduction: true`. Production means: the database's recorded identity
 * (`prodguard env mark`) says so; or, when it has no recorded identity, its name says so
 * (`app_prod`, `production`, `live`: the same words as config environment names); or the config
 * environment the target came from is production. A recorded identity outranks the name.
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
  let why: string | undefined;
  if (recorded) why = `this database is marked production ("${identity?.name}", by ${identity?.markedBy} at ${identity?.markedAt})`;
  else if (environmentKind === 'production') why = 'the configured environment is production';
  else if (!identity) {
    const { rows } = await db.query<{ name: string }>(`SELECT current_database() AS name`);
    const name = rows[0]?.name ?? '';
    if (kindFromName(name) === 'production') why = `this database's name ("${name}") says production and it has no recorded identity`;
  }
  if (!why) return;
  throw new RefusedError(`${why}; refusing to ${action}`, {
    code: 'PRODGUARD_PROTECTED',
    hint: 'teams that test in production opt in with testData.allowOnProduction: true in prodguard.config; a database that is not production can say so with prodguard env mark',
  });
}

/** The delete triggers and rules not named in `testData.allowDeleteTriggers`. */
export function unapprovedTriggers(triggers: readonly DeleteTrigger[], settings: Pick<TestDataSettings, 'allowDeleteTriggers'>): DeleteTrigger[] {
  return triggers.filter((t) => !settings.allowDeleteTriggers.includes(t.name));
}

/**
 * Refuses to delete when a user trigger or rule fires on the deletes and the config has not
 * named it in `testData.allowDeleteTriggers`: a trigger that writes a ledger or deletes elsewhere
 * would reach real data. (Disabling triggers with session_replication_role would also disable the
 * foreign-key actions, so prodguard never does.)
 *
 * @throws RefusedError (`PRODGUARD_DELETE_TRIGGERS`, exit 1)
 */
export function assertTriggersAllowed(triggers: readonly DeleteTrigger[], settings: Pick<TestDataSettings, 'allowDeleteTriggers'>, action: string): void {
  const unapproved = unapprovedTriggers(triggers, settings);
  if (unapproved.length === 0) return;
  const list = unapproved.map((t) => `${t.kind} ${t.name} on ${t.on}`).join(', ');
  throw new RefusedError(`deleting test rows would fire ${list}; refusing to ${action}`, {
    code: 'PRODGUARD_DELETE_TRIGGERS',
    hint: `check what they do; if they are safe for test rows, name them in testData.allowDeleteTriggers: [${unapproved.map((t) => t.name).join(', ')}]`,
  });
}
