import type { ConfigProblem } from '../errors.js';

export interface Interpolation {
  value: unknown;
  problems: ConfigProblem[];
}

const PLACEHOLDER = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?-([^}]*))?\}/g;

/** True when a string still holds an `${VAR}` placeholder (its variable was not set). */
export function hasPlaceholder(text: string): boolean {
  return /\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-[^}]*)?\}/.test(text.replace(/\$\$\{/g, ''));
}

/** Names of the variables still unresolved in a string. */
export function placeholderNames(text: string): string[] {
  return [...text.replace(/\$\$\{/g, '').matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1] ?? '');
}

/**
 * Replaces `${VAR}` and `${VAR:-default}` in every string of a config value; `$${` is a literal `${`.
 * A variable that is not set is a problem, except under the keys in `deferred` (environment URLs,
 * verify checks), where the placeholder stays in place and the error comes when that entry is used,
 * so a developer without PRODUCTION_DATABASE_URL can still work against test.
 */
export function interpolateEnv(
  value: unknown,
  env: NodeJS.ProcessEnv,
  deferred: (path: readonly (string | number)[]) => boolean,
  path: (string | number)[] = [],
): Interpolation {
  const problems: ConfigProblem[] = [];
  const walk = (v: unknown, p: (string | number)[]): unknown => {
    if (typeof v === 'string') return interpolateString(v, env, p, deferred(p), problems);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...p, i]));
    if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = walk(item, [...p, k]);
      return out;
    }
    return v;
  };
  return { value: walk(value, path), problems };
}

function interpolateString(
  text: string,
  env: NodeJS.ProcessEnv,
  path: readonly (string | number)[],
  defer: boolean,
  problems: ConfigProblem[],
): string {
  if (!text.includes('${')) return text;
  return text.replace(PLACEHOLDER, (whole, name: string | undefined, fallback: string | undefined) => {
    if (name === undefined) return defer ? whole : '${';
    const set = env[name];
    if (set !== undefined && set !== '') return set;
    if (fallback !== undefined) return fallback;
    if (!defer) problems.push({ path: path.join('.'), message: `environment variable ${name} is not set (in "${text}")` });
    return whole;
  });
}
