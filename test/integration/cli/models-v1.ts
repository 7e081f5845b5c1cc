/** Models module for the CLI test: the first version of the schema. */
import { attr, model } from '../../../src/index.js';

export const Payment = model('Payment', {
  table: 'cli-payments',
  attributes: { id: attr.string().partitionKey(), merchantId: attr.string(), status: attr.string(), amount: attr.cents(), legacy: attr.string().optional() },
  indexes: { byLegacy: { name: 'gsi-legacy', partitionKey: 'legacy' } },
});
export const notAModel = { table: 'x' };
