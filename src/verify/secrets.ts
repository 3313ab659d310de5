/**
 * Secrets a verify config pulls in through `${VAR}`: the CLI registers them with its output
 * redaction so a token substituted into a command, a header or a URL is never printed, whether
 * it shows in a target, in a command's STDOUT or in an error message.
 */
import { createRedactor } from '../redact/redactor.js';

/** Variable names that say their value is a credential. */
const SECRET_ENV_NAME = /TOKEN|KEY|SECRET|PASSWORD|PASS|PWD|AUTH|CREDENTIAL/i;

const detect = createRedactor();

/**
 * The values of environment variables that were substituted into `verify` (they appear in the
 * interpolated config) and are secrets: every one whose name says so (`API_TOKEN`, `DB_PASS`),
 * and any other of 8+ characters that holds something the detectors find (a URL with a
 * password, a JWT). Plain values such as `BASE_URL=https://api.example.com` stay readable.
 */
export function substitutedSecrets(env: NodeJS.ProcessEnv, verifyConfig: unknown): string[] {
  const text = JSON.stringify(verifyConfig ?? {});
  const secrets: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (!value || value.length < 4) continue;
    const named = SECRET_ENV_NAME.test(name);
    if (!named && (value.length < 8 || detect.string(value) === value)) continue;
    if (text.includes(JSON.stringify(value).slice(1, -1))) secrets.push(value);
  }
  return secrets;
}

/** A copy of a JSON-like value with every string passed through `redact`. */
export function redactStrings<T>(value: T, redact: (text: string) => string): T {
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item)]));
    return v;
  };
  return walk(value) as T;
}
