/**
 * `dynamorm/ephemeral`: fields a write accepts and validates, hooks see, and DynamoDB never does (a
 * card's CVV). The attribute brings its own extension: nothing else to configure.
 *
 * ```ts
 * import { ephemeral } from 'dynamorm/ephemeral';
 * const Payment = model('Payment', { table: 'payments', attributes: { id: attr.string().partitionKey(), cvv: ephemeral(attr.string()) } });
 * ```
 * @packageDocumentation
 */
export { ephemeral, ephemeralFields, isEphemeral, EPHEMERAL_EXTENSION } from './ephemeral.js';
export type { Ephemeral } from './ephemeral.js';
export type { WriteOnlyMarker } from '../model/types.js';
