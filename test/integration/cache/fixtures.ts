/** Models and helpers shared by the cache's integration tests. */
import { attr, model, type DynamORMRequest, type Middleware } from '../../../src/index.js';
import { cachePlugin, type CacheOptions, type CacheStore } from '../../../src/plugins/cache/index.js';
import { testDb } from '../../support/db.js';

/** No SDK time-out short of a minute: counts compared exactly must not include retries of a loaded machine. */
export const SLOW_MACHINE_MS = 60_000;

export const Charge = model('Charge', {
  table: 'cache-charges',
  attributes: {
    merchant: attr.string().partitionKey(),
    id: attr.string().sortKey(),
    amount: attr.cents(),
    status: attr.enum(['pending', 'settled']),
  },
});

/** Not cached: its reads always go to the table. */
export const Refund = model('Refund', {
  table: 'cache-refunds',
  attributes: { id: attr.string().partitionKey(), amount: attr.cents() },
});

/**
 * A database with the cache plugin and, inside it, a recorder of what reaches DynamoDB and a gate
 * that can hold requests of one operation (before sending or after the answer) until released.
 */
export function cachedDb(store: CacheStore, options: Partial<CacheOptions> = {}, tablePrefix?: string) {
  const sent: DynamORMRequest[] = [];
  const gates: Gate[] = [];
  const cache = cachePlugin({ models: [{ model: Charge, ttlMs: 60_000 }], store, ...options });
  const inner: Middleware = async (request, next) => {
    for (const gate of gates) if (gate.operation === request.operation && gate.where === 'before') await gate.hold();
    sent.push(request);
    const output = await next(request);
    for (const gate of gates) if (gate.operation === request.operation && gate.where === 'after') await gate.hold();
    return output;
  };
  const db = testDb({ requestTimeoutMs: SLOW_MACHINE_MS, plugins: [cache], ...(tablePrefix ? { tablePrefix } : {}) });
  db.use('recorder', inner);
  const sentOf = (operation: string) => sent.filter((r) => r.operation === operation).length;
  return { db, cache, sent, sentOf, gates, gate: (operation: string, where: 'before' | 'after') => addGate(gates, operation, where) };
}

/** Holds requests until `open()`; `reached` resolves when the first one arrives. */
export interface Gate {
  readonly operation: string;
  readonly where: 'before' | 'after';
  hold(): Promise<void>;
  readonly reached: Promise<void>;
  open(): void;
}

function addGate(gates: Gate[], operation: string, where: 'before' | 'after'): Gate {
  let reach!: () => void;
  let release!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  const released = new Promise<void>((r) => (release = r));
  const gate: Gate = {
    operation,
    where,
    reached,
    hold: () => {
      reach();
      return released;
    },
    open: () => {
      gates.splice(gates.indexOf(gate), 1);
      release();
    },
  };
  gates.push(gate);
  return gate;
}
