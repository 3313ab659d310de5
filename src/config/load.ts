import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ZodError } from 'zod';
import { type ConfigProblem, ConfigError } from '../errors.js';
import { isSecretKey } from '../redact/detectors.js';
import { REDACTED, redactText } from '../redact/secrets.js';
import { redactingReplacer } from '../redact/values.js';
import { defaultConfig } from './defaults.js';
import { findConfigFiles } from './find.js';
import { interpolateEnv } from './interpolate.js';
import { configSchema, type ProdguardConfig } from './schema.js';

export { CONFIG_FILE_NAMES, findConfigFiles } from './find.js';

export interface LoadedConfig {
  /** Absolute path of the file read, or undefined when none was found (defaults apply). */
  file: string | undefined;
  /** Directory relative paths in the config are resolved against. */
  dir: string;
  config: ProdguardConfig;
  /** Things worth telling the user that are not errors (e.g. two config files side by side). */
  warnings: string[];
}

export interface LoadConfigOptions {
  cwd?: string;
  /** An explicit file (`--config`); must exist. */
  file?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/**
 * Reads → parses → interpolates `${ENV}` → validates the config, reporting every problem at once.
 *
 * @throws ConfigError listing each problem as `key.path: message` with the bad value quoted.
 */
export async function loadConfig(options: LoadConfigOptions = {}): Promise<LoadedConfig> {
  const cwd = options.cwd ?? process.cwd();
  const env = options.env ?? process.env;
  const warnings: string[] = [];
  let file: string | undefined;
  if (options.file) {
    file = path.resolve(cwd, options.file);
    if (!existsSync(file) || !statSync(file).isFile()) {
      throw new ConfigError(file, [{ path: '', message: 'config file not found' }], {
        hint: 'check the --config path',
      });
    }
  } else {
    const found = findConfigFiles(cwd);
    file = found[0];
    if (found.length > 1) {
      warnings.push(`several config files in ${path.dirname(found[0] ?? cwd)}; using ${path.basename(found[0] ?? '')}`);
    }
  }
  if (!file) {
    return { file: undefined, dir: cwd, config: defaultConfig(), warnings };
  }
  const raw = await readConfigFile(file);
  return { file, dir: path.dirname(file), config: validateConfig(raw, file, env), warnings };
}

/** Validates an already-parsed config object (from a file or the library API). */
export function validateConfig(raw: unknown, file: string | undefined, env: NodeJS.ProcessEnv = process.env): ProdguardConfig {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(file, [{ path: '', message: `expected an object of settings, got ${describeValue(raw)}` }]);
  }
  const deferred = (p: readonly (string | number)[]) => p[0] === 'environments' || p[0] === 'verify';
  const interpolated = interpolateEnv(raw, env, deferred);
  const result = configSchema.safeParse(interpolated.value);
  const problems: ConfigProblem[] = [...interpolated.problems];
  if (!result.success) {
    problems.push(...zodProblems(result.error, interpolated.value));
    // The schema's cross-field checks only run on otherwise valid input; repeat them here so
    // that every problem is reported at once.
    problems.push(...duplicateEnvironmentNames(interpolated.value));
  }
  if (problems.length > 0) {
    problems.sort((a, b) => a.path.localeCompare(b.path));
    throw new ConfigError(file, problems);
  }
  if (!result.success) throw new Error('unreachable');
  return result.data;
}

function zodProblems(error: ZodError, input: unknown): ConfigProblem[] {
  return error.issues.map((issue) => {
    const keyPath = issue.path.map(String).join('.');
    let message = issue.message;
    if (issue.code === 'unrecognized_keys') {
      const keys = (issue as { keys?: string[] }).keys ?? [];
      message = `unknown key${keys.length > 1 ? 's' : ''} ${keys.map((k) => `"${k}"`).join(', ')}`;
      return { path: keyPath, message };
    }
    const bad = valueAt(input, issue.path as (string | number)[]);
    if (bad.found) message += ` (got ${describeValue(bad.value, issue.path.some((key) => typeof key === 'string' && isSecretKey(key)))})`;
    return { path: keyPath, message };
  });
}

function duplicateEnvironmentNames(input: unknown): ConfigProblem[] {
  const environments = (input as { environments?: unknown } | null)?.environments;
  if (!Array.isArray(environments)) return [];
  const seen = new Map<unknown, number>();
  const problems: ConfigProblem[] = [];
  environments.forEach((env: unknown, index) => {
    const name = (env as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') return;
    const first = seen.get(name);
    if (first === undefined) seen.set(name, index);
    else problems.push({ path: `environments.${index}.name`, message: `duplicate environment name (also environments.${first}.name)` });
  });
  return problems;
}

function valueAt(input: unknown, keyPath: readonly (string | number)[]): { found: boolean; value?: unknown } {
  let current: unknown = input;
  for (const key of keyPath) {
    if (current === null || typeof current !== 'object' || !(key in (current as object))) return { found: false };
    current = (current as Record<string | number, unknown>)[key];
  }
  return { found: true, value: current };
}

/**
 * The bad value quoted in a problem message, at most 80 characters. Redacted before it is cut:
 * cut first, a URL can lose the `@` after its password and no longer look like a URL, and the
 * start of the password goes out. Under a secret-like name (`secret`) all of it is hidden.
 */
function describeValue(value: unknown, secret = false): string {
  if (value === undefined) return 'nothing';
  // Under a password-, token- or key-like name the value is a secret whatever its type.
  if (secret && value !== '') return REDACTED;
  let text: string;
  try {
    text = JSON.stringify(value, hideSecrets) ?? String(value);
  } catch {
    text = String(value);
  }
  text = redactText(text);
  if (text.length > 80) text = `${text.slice(0, 77)}...`;
  return text;
}

/** A JSON.stringify replacer: strings redacted one by one, and the value of a `password:`-like key hidden whole. */
function hideSecrets(key: string, value: unknown): unknown {
  if (key !== '' && (typeof value === 'string' || typeof value === 'number') && value !== '' && isSecretKey(key)) return REDACTED;
  return redactStrings(key, value);
}

const redactStrings = redactingReplacer((text) => redactText(text));

async function readConfigFile(file: string): Promise<unknown> {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.json') return parseJsonConfig(file, readFileSync(file, 'utf8'));
  if (ext === '.yaml' || ext === '.yml') return parseYamlConfig(file, readFileSync(file, 'utf8'));
  return importConfigModule(file, ext);
}

async function parseJsonConfig(file: string, text: string): Promise<unknown> {
  try {
    return JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // Node's message does not always carry a position; the YAML parser (a JSON superset) does.
    const YAML = await import('yaml');
    const at = YAML.parseDocument(text, { prettyErrors: true }).errors[0]?.linePos?.[0];
    const pos = /position (\d+)/.exec(message);
    const where = at ? ` at line ${at.line}, column ${at.col}` : pos ? ` at ${lineColumnOf(text, Number(pos[1]))}` : '';
    throw new ConfigError(file, [{ path: '', message: `invalid JSON${where}: ${message.replace(/ in JSON at position \d+.*$/, '').replace(/\s+/g, ' ')}` }]);
  }
}

async function parseYamlConfig(file: string, text: string): Promise<unknown> {
  const YAML = await import('yaml');
  const doc = YAML.parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      file,
      doc.errors.map((e) => {
        const at = e.linePos?.[0];
        const where = at ? `line ${at.line}, column ${at.col}: ` : '';
        return { path: '', message: `invalid YAML at ${where}${(e.message.split('\n')[0] ?? e.message).replace(/ at line \d+, column \d+:?$/, '')}` };
      }),
    );
  }
  return doc.toJS();
}

async function importConfigModule(file: string, ext: string): Promise<unknown> {
  try {
    if (ext === '.ts' || ext === '.mts' || ext === '.cts') {
      const { createJiti } = await import('jiti');
      const jiti = createJiti(import.meta.url, { moduleCache: false, fsCache: false });
      return await jiti.import(file, { default: true });
    }
    const mod = (await import(`${pathToFileURL(file).href}?t=${Date.now()}`)) as { default?: unknown };
    return mod.default ?? mod;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const message = redactText(error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error));
    throw new ConfigError(file, [{ path: '', message: `cannot load: ${message}` }]);
  }
}

function lineColumnOf(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}
