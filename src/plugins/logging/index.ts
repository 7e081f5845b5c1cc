/**
 * `dynamorm/logging`: one structured record per DynamoDB request through any logger with
 * `debug/info/warn/error` (Powertools Logger, pino), without items, keys or expression values, and
 * with no work at all when the logger's level excludes the plugin's levels.
 *
 * ```ts
 * import { loggingPlugin } from 'dynamorm/logging';
 * const db = Database.create({ plugins: [loggingPlugin({ logger })] });
 * ```
 * @packageDocumentation
 */
export { levelCheck, loggingPlugin } from './plugin.js';
export type { LoggerLike, LoggingOptions, LogLevel, RequestRecord } from './plugin.js';
