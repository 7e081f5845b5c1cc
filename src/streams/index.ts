/**
 * `dynamorm/streams`: DynamoDB Streams records as typed events of your models, decoded as reads decode
 * them, and a Lambda handler that returns the partial batch failure response.
 *
 * ```ts
 * import { streamHandler } from 'dynamorm/streams';
 * export const handler = streamHandler(db, [Payment], async (e) => {
 *   if (e.type === 'MODIFY' && e.oldItem?.status !== e.newItem?.status) await publish(e.newItem);
 * });
 * ```
 * @packageDocumentation
 */
export { isEventOf, parseStream, streamHandler } from './events.js';
export type { ParsedStream, StreamBatchResponse, StreamEvent, StreamHandlerOptions } from './events.js';
export { expiredByTtl, tableOfRecord, toAttributeMap, toAttributeValue } from './records.js';
export type { DynamoDBStreamEvent, DynamoDBStreamRecord, StreamAttributeValue } from './records.js';
