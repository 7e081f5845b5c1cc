/**
 * `dynamorm/tracing`: an OpenTelemetry span per DynamoDB request, with the DynamoDB semantic
 * conventions (`db.system.name`, `aws.dynamodb.table_names`, `aws.dynamodb.index_name`,
 * `aws.dynamodb.consumed_capacity`, ...) and, for transactions and batches, every action's table and
 * the reason each action of a cancelled transaction failed. Needs `@opentelemetry/api`.
 *
 * ```ts
 * import { tracingPlugin } from 'dynamorm/tracing';
 * const db = Database.create({ plugins: [tracingPlugin()] });   // spans go to the global tracer provider
 * ```
 * @packageDocumentation
 */
export { tracingPlugin } from './plugin.js';
export type { TracingOptions } from './plugin.js';
export { cancellationCodes, outputAttributes, requestAttributes } from './attributes.js';
export type { AttributeValue, Attributes } from './attributes.js';
