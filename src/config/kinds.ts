/** Environment kinds, in a module without zod so that CLI option parsing does not load it. */
export const ENVIRONMENT_KINDS = ['production', 'staging', 'test', 'development'] as const;
export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];
