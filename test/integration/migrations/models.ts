/**
 * Models of the data-migration tests (shared with the child process of the kill-and-resume test).
 * `Payment` is the model after the change: it has a `currency`, which items written before lack.
 * `history` gets one entry per transform, so an item transformed twice would show it.
 */
import { attr, model } from '../../../src/index.js';
import { defineMigration } from '../../../src/migrations/index.js';

export const Payment = model('MigPayment', {
  table: 'mig-payments',
  attributes: {
    id: attr.string().partitionKey(),
    amount: attr.cents(),
    currency: attr.string().optional(),
    history: attr.list(attr.string()),
    /** Changed by the concurrent writers. */
    touched: attr.integer().optional(),
    tags: attr.stringSet().optional(),
    meta: attr.json().optional(),
  },
});

export const VersionedPayment = model('MigVersioned', {
  table: 'mig-versioned',
  attributes: {
    id: attr.string().partitionKey(),
    amount: attr.cents(),
    currency: attr.string().optional(),
    history: attr.list(attr.string()),
    touched: attr.integer().optional(),
    version: attr.version(),
  },
});

/**
 * Adds the currency and a history entry. Not idempotent on purpose (it appends): only the marks keep
 * an item from being transformed twice. `delay` slows it down (ms), for the kill and lease tests.
 */
export const addCurrency = (id: string, delay = 0) =>
  defineMigration({
    id,
    model: Payment,
    async transform(item) {
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      return { ...item, currency: 'EUR', history: [...(item.history ?? []), 'v2'] };
    },
  });

export const paymentItems = (n: number, prefix = 'p') =>
  Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${String(i).padStart(5, '0')}`,
    amount: 100 + i,
    history: ['v1'],
    ...(i % 3 === 0 ? { tags: new Set(['a', `t${i % 7}`]) } : {}),
    ...(i % 5 === 0 ? { meta: { nested: { n: i, list: [1, 'two', { three: 3 }] }, empty: {} } } : {}),
  }));
