/** Environment kinds, in a module of their own so that command flags can list them without loading zod. */
export const ENVIRONMENT_KINDS = ['production', 'staging', 'test', 'development'] as const;
export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];
