/**
 * The promotion gate: environments in promotion order (development → test → staging →
 * production); a deploy to one needs a passing deploy of the same migration set to the one
 * before it, read from that environment's own ledger.
 */
import type { EnvironmentKind } from '../config/schema.js';
import type { Db } from '../db/types.js';
import { readIdentity } from '../identity/environment.js';
import { readRuns } from './ledger.js';
import type { DeployRun, MigrationSet } from './types.js';

export interface PromotionEnvironment {
  name: string;
  kind: EnvironmentKind | undefined;
}

const RANK: Record<EnvironmentKind, number> = { development: 0, test: 1, staging: 2, production: 3 };

/**
 * Problems with the order itself: an environment of a later kind listed before an earlier one
 * (production before staging). Environments of unknown kind are not judged.
 */
export function promotionOrderProblems(promotion: readonly PromotionEnvironment[]): string[] {
  const problems: string[] = [];
  let highest: PromotionEnvironment | undefined;
  for (const env of promotion) {
    if (!env.kind) continue;
    if (highest?.kind && RANK[env.kind] < RANK[highest.kind]) {
      problems.push(`"${env.name}" (${env.kind}) comes after "${highest.name}" (${highest.kind})`);
    } else {
      highest = env;
    }
  }
  return problems;
}

export interface GateDecision {
  open: boolean;
  message: string;
  details: string[];
  hint?: string;
  /** The previous environment's passing run of this set, when found. */
  evidence?: DeployRun;
}

const short = (hash: string) => hash.slice(0, 12);

/**
 * Decides the gate for deploying `set` to `target`. `openLedger` opens the previous
 * environment's database (the caller closes it); its identity must say it is that environment,
 * so a misconfigured URL cannot make production's gate read production's own ledger.
 */
export async function evaluateGate(
  target: PromotionEnvironment,
  promotion: readonly PromotionEnvironment[],
  set: MigrationSet,
  openLedger: (name: string) => Promise<Db>,
): Promise<GateDecision> {
  const problems = promotionOrderProblems(promotion);
  if (problems.length > 0) {
    return {
      open: false,
      message: `the environments are not in promotion order: ${problems.join('; ')}`,
      details: [`order: ${promotion.map((e) => `${e.name}${e.kind ? ` (${e.kind})` : ''}`).join(' → ')}`],
      hint: 'list environments in config (or deploy.promotion) as development → test → staging → production',
    };
  }
  const index = promotion.findIndex((e) => e.name === target.name);
  if (index < 0) {
    return {
      open: false,
      message: `environment "${target.name}" is not in the promotion order (${promotion.map((e) => e.name).join(' → ')})`,
      details: [],
      hint: 'add it to deploy.promotion in the config',
    };
  }
  const order = promotion.map((e) => e.name).join(' → ');
  if (index === 0 || !promotion.slice(0, index).some((e) => e.kind === 'staging' || e.kind === 'test')) {
    // Never production first: it needs a test or staging environment before it to prove the set.
    if (target.kind === 'production') {
      return {
        open: false,
        message: `refused: "${target.name}" is production and no test or staging environment comes before it (${order})`,
        details: [],
        hint: 'add a staging (or test) environment before production in config (or deploy.promotion) and deploy there first',
      };
    }
    if (index === 0) return { open: true, message: `"${target.name}" is the first environment (${order})`, details: [] };
  }
  if (set.files.length === 0) return { open: true, message: 'no pending migrations: nothing to promote', details: [] };
  const previous = promotion[index - 1]!;
  const db = await openLedger(previous.name);
  const identity = await readIdentity(db);
  if (identity?.name !== previous.name || (previous.kind !== undefined && identity.kind !== previous.kind)) {
    return {
      open: false,
      message: `cannot trust "${previous.name}"'s ledger: its database is ${identity ? `marked "${identity.name}" (${identity.kind})` : 'not marked'}${previous.kind ? `, not "${previous.name}" (${previous.kind})` : ''}`,
      details: [`database: ${db.displayUrl}`],
      hint: `check environment "${previous.name}"'s url, then mark it: prodguard env mark --env ${previous.name} --as ${previous.kind ?? 'staging'} --name ${previous.name}`,
    };
  }
  // Every pending file, with the same contents, must be in some passing run of the previous
  // environment: staging may have received A and B in two deploys that production gets in one.
  const passing = await readRuns(db, { environment: previous.name, outcome: 'passed', limit: 10_000 });
  const proof = new Map<string, DeployRun>();
  for (const run of [...passing].reverse()) {
    for (const m of run.migrations) {
      const key = `${m.path}\u0000${m.sha256}`;
      if (!proof.has(key)) proof.set(key, run);
    }
  }
  const missing = set.files.filter((f) => !proof.has(`${f.path}\u0000${f.sha256}`));
  if (missing.length === 0) {
    const runs = [...new Set(set.files.map((f) => proof.get(`${f.path}\u0000${f.sha256}`)!))].sort((a, b) => a.id - b.id);
    const newest = runs[runs.length - 1]!;
    const exact = runs.length === 1 && newest.migrationSet === set.hash;
    return {
      open: true,
      message: exact
        ? `"${previous.name}" passed this migration set (${short(set.hash)}) in run #${newest.id} at ${newest.finishedAt} by ${newest.actor}`
        : `"${previous.name}" passed every pending migration, in ${runs.map((r) => `run #${r.id}`).join(', ')} (newest at ${newest.finishedAt} by ${newest.actor})`,
      details: set.files.map((f) => `${f.path}: passed "${previous.name}" in run #${proof.get(`${f.path}\u0000${f.sha256}`)!.id}`),
      evidence: newest,
    };
  }
  const recent = await readRuns(db, { environment: previous.name, limit: 3 });
  const details = [
    `migration set ${short(set.hash)}: ${set.files.map((f) => f.path).join(', ')}`,
    `not passed on "${previous.name}" with these contents: ${missing.map((f) => f.path).join(', ')}`,
    recent.length === 0
      ? `"${previous.name}" has no recorded deploys`
      : `latest runs on "${previous.name}": ${recent
          .map((r) => `#${r.id} ${r.outcome}${r.failedPhase ? ` at ${r.failedPhase}` : ''} (set ${short(r.migrationSet)}${r.migrationSet === set.hash ? ', this set' : ''})`)
          .join('; ')}`,
  ];
  return {
    open: false,
    message: `refused: deploying to "${target.name}" needs a passing deploy of this migration set to "${previous.name}" first; "${previous.name}" has none`,
    details,
    hint: `deploy the same migrations to ${previous.name} first: prodguard deploy --env ${previous.name} -- <migrate command>`,
  };
}

export interface PromotionGateState {
  from: string;
  to: string;
  /** True when `from` has a passing run whose migration set `to` may now receive. */
  open: boolean;
  /** The migration set of `from`'s newest passing run. */
  migrationSet: string | null;
  fromRun: DeployRun | null;
  /** True when `to` has already passed that set. */
  promoted: boolean;
  message: string;
}

/**
 * The gate between each pair of consecutive environments, for the dashboard: is the gate to
 * the next environment open (its predecessor's newest passing set), and was that set promoted
 * already. `openLedger` returns undefined for an environment it cannot reach.
 */
export async function readPromotionGates(
  promotion: readonly PromotionEnvironment[],
  openLedger: (name: string) => Promise<Db | undefined>,
): Promise<PromotionGateState[]> {
  const states: PromotionGateState[] = [];
  for (let i = 0; i + 1 < promotion.length; i++) {
    const from = promotion[i]!;
    const to = promotion[i + 1]!;
    const fromDb = await openLedger(from.name);
    if (!fromDb) {
      states.push({ from: from.name, to: to.name, open: false, migrationSet: null, fromRun: null, promoted: false, message: `"${from.name}" is not reachable` });
      continue;
    }
    const [passing] = await readRuns(fromDb, { environment: from.name, outcome: 'passed', limit: 1 });
    if (!passing) {
      states.push({ from: from.name, to: to.name, open: false, migrationSet: null, fromRun: null, promoted: false, message: `"${from.name}" has no passing deploy` });
      continue;
    }
    const toDb = await openLedger(to.name);
    const promoted = toDb ? (await readRuns(toDb, { environment: to.name, migrationSet: passing.migrationSet, outcome: 'passed', limit: 1 })).length > 0 : false;
    states.push({
      from: from.name,
      to: to.name,
      open: true,
      migrationSet: passing.migrationSet,
      fromRun: passing,
      promoted,
      message: promoted
        ? `set ${short(passing.migrationSet)} passed "${from.name}" (run #${passing.id}) and is deployed to "${to.name}"`
        : `set ${short(passing.migrationSet)} passed "${from.name}" (run #${passing.id}): "${to.name}" may receive it`,
    });
  }
  return states;
}
