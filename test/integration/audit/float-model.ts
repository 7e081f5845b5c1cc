/** A model with a floating-point field, whose add() an audit record cannot state exactly. */
import { attr, model } from '../../../src/index.js';

export const Float = model('Float', {
  table: 'floats',
  attributes: { id: attr.string().partitionKey(), ratio: attr.number() },
});
