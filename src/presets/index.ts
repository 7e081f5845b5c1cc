/**
 * `dynamorm/presets`: configuration from the environment and presets for the places DynamORM runs.
 * Nothing here runs at import, and a bundle that does not import this entry carries none of it.
 *
 * ```ts
 * import { Database } from 'dynamorm';
 * import { configFromEnv, lambda, mergeConfig } from 'dynamorm/presets';
 * const db = Database.create(mergeConfig(lambda(), configFromEnv()));  // every problem listed at once
 * ```
 * @packageDocumentation
 */
export { configFromEnv, ENVIRONMENT_VARIABLES } from './env.js';
export type { EnvironmentVariable } from './env.js';
export { mergeConfig } from './merge.js';
export { connectionOptions, lambda, LOCAL_CREDENTIALS, LOCAL_ENDPOINT, localDevelopment, production } from './presets.js';
