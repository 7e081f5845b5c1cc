/** Models module for the CLI data-migration test: a model and the migration that gives it a currency. */
import { attr, model } from '../../../src/index.js';
import { defineMigration } from '../../../src/migrations/index.js';

export const CliDataPayment = model('CliDataPayment', {
  table: 'cli-data-payments',
  attributes: { id: attr.string().partitionKey(), amount: attr.cents(), currency: attr.string().optional() },
});

export const migrations = [
  defineMigration({
    id: '2026-12-01-add-currency',
    model: CliDataPayment,
    description: 'every payment gets a currency',
    transform: (item) => (item.currency ? undefined : { ...item, currency: 'EUR' }),
  }),
];
