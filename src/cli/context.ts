import type { LoadedConfig } from '../config/load.js';
import { resolveTarget, type ResolvedTarget, type TargetFlags } from '../config/target.js';
import { openDb } from '../db/open.js';
import type { Db } from '../db/types.js';
import { UsageError } from '../errors.js';
import { secretsOfUrl } from '../redact/secrets.js';
import type { Io } from './io.js';

export type OutputFormat = 'text' | 'json' | 'sarif' | 'github' | 'junit' | 'html';

/** What every command gets: output, the working directory, config and database access. */
export class CliContext {
  private loaded: Promise<LoadedConfig> | undefined;
  private readonly opened: Db[] = [];
  configFile: string | undefined;
  /** The exit code the running command decided on. */
  exitCode: number = 0;

  constructor(
    readonly io: Io,
    readonly cwd: string,
  ) {}

  get env(): NodeJS.ProcessEnv {
    return this.io.env;
  }

  /** Loads the config once (from `--config` or discovery); its URLs' secrets join the redaction set. */
  config(): Promise<LoadedConfig> {
    // Imported on first use, and not at all without a config file: the schema pulls in zod.
    this.loaded ??= import('../config/find.js')
      .then(async ({ findConfigFiles }) => {
        if (this.configFile === undefined && findConfigFiles(this.cwd).length === 0) {
          const { defaultConfig } = await import('../config/defaults.js');
          return { file: undefined, dir: this.cwd, config: defaultConfig(), warnings: [] };
        }
        const { loadConfig } = await import('../config/load.js');
        return loadConfig({ cwd: this.cwd, file: this.configFile, env: this.env });
      })
      .then((loaded: LoadedConfig) => {
        for (const environment of loaded.config.environments) {
          if (environment.url) this.io.addSecrets(secretsOfUrl(environment.url));
        }
        for (const warning of loaded.warnings) this.io.err(`warning: ${warning}\n`);
        return loaded;
      });
    return this.loaded;
  }

  /** Resolves `--db` / `--env` / DATABASE_URL / first environment. */
  async target(flags: TargetFlags): Promise<ResolvedTarget> {
    if (flags.db) this.io.addSecrets(secretsOfUrl(flags.db));
    const loaded = await this.config();
    const target = resolveTarget(flags, loaded.config, loaded.file, this.env);
    this.io.addSecrets(secretsOfUrl(target.url));
    return target;
  }

  /** Opens the target database; it is closed when the command ends. */
  async open(target: ResolvedTarget): Promise<{ db: Db; connectMs: number }> {
    const started = performance.now();
    const db = await openDb(target.url, { settings: target.settings });
    this.opened.push(db);
    return { db, connectMs: performance.now() - started };
  }

  /** Picks the output format; `github` is chosen under GitHub Actions when the command supports it. */
  format<F extends OutputFormat>(given: string | undefined, supported: readonly F[]): F {
    if (given === undefined) {
      if (this.env.GITHUB_ACTIONS === 'true' && supported.includes('github' as F)) return 'github' as F;
      return supported[0] ?? ('text' as F);
    }
    if (!supported.includes(given as F)) {
      throw new UsageError(`unknown format "${given}"`, { hint: `use one of: ${supported.join(', ')}` });
    }
    return given as F;
  }

  async close(): Promise<void> {
    await Promise.all(this.opened.splice(0).map((db) => db.close()));
  }
}
