/**
 * A write that timed out may still be on its way to DynamoDB and apply after DynamORM looked. Found
 * under load (a create timed out, the strongly consistent read found nothing, the create landed
 * later, and the caller had been told nothing changed). The fault proxy holds the request past the
 * client's time-out and then forwards it, so the write lands after the read that settles it: the
 * caller must get WriteInDoubtError, whose check() later finds the write applied.
 */
import { afterAll, beforeAll, expect, test } from 'vitest';
import { attr, model, TimeoutError, VersionConflictError, WriteInDoubtError } from '../../src/index.js';
import { endpoint, testDb } from '../support/db.js';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.js';

const Order = model('LateOrder', {
  table: 'late-apply',
  attributes: { id: attr.string().partitionKey(), note: attr.string(), version: attr.version() },
});

const HOLD_MS = 4000;
let proxy: FaultProxy;
const direct = testDb();
let faulty: ReturnType<typeof testDb>;

beforeAll(async () => {
  await direct.tables.create(Order);
  proxy = await startFaultProxy({ target: endpoint(), seed: 3 });
  // One attempt with a short time-out: the held request times out; the settling read is not held and
  // (given 1.5 s, enough on a loaded machine) answers before the held request is forwarded.
  faulty = testDb({ endpoint: proxy.endpoint, tablePrefix: direct.config.tablePrefix, maxAttempts: 1, requestTimeoutMs: 1500 });
});
afterAll(async () => {
  faulty.destroy();
  await proxy.stop();
  direct.destroy();
});

/** Waits until the held request has been forwarded and applied. */
const landed = () => new Promise((resolve) => setTimeout(resolve, HOLD_MS + 500));

test('a create that lands after its time-out is in doubt, never "nothing changed"', async () => {
  proxy.setFaults([{ kind: 'delay', when: 'before', delayMs: HOLD_MS, operations: ['PutItem'], count: 1 }]);
  const error = await faulty.model(Order).create({ id: 'c1', note: 'late' }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WriteInDoubtError);
  expect((error as WriteInDoubtError).cause).toBeInstanceOf(TimeoutError);
  await landed();
  expect(await direct.model(Order).get({ id: 'c1' })).toMatchObject({ note: 'late', version: 1 });
  await expect((error as WriteInDoubtError).isStored()).resolves.toBe(true);
});

test('a versioned update that lands after its time-out is in doubt; the version it expected is still there when settled', async () => {
  await direct.model(Order).create({ id: 'u1', note: 'v1' });
  proxy.setFaults([{ kind: 'delay', when: 'before', delayMs: HOLD_MS, operations: ['UpdateItem'], count: 1 }]);
  const error = await faulty
    .model(Order)
    .update({ id: 'u1' }, { note: 'v2' }, { expectedVersion: 1 })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(WriteInDoubtError);
  await landed();
  expect(await direct.model(Order).get({ id: 'u1' })).toMatchObject({ note: 'v2', version: 2 });
  await expect((error as WriteInDoubtError).isStored()).resolves.toBe(true);
});

test('once another write took the version it expected, a timed-out update is known not applied', async () => {
  await direct.model(Order).create({ id: 'u2', note: 'v1' });
  // Another writer moves the item to version 2 first: the held update (expecting 1) can never apply,
  // whenever it arrives, so the settling read proves it.
  await direct.model(Order).update({ id: 'u2' }, { note: 'other' }, { expectedVersion: 1 });
  proxy.setFaults([{ kind: 'delay', when: 'before', delayMs: HOLD_MS, operations: ['UpdateItem'], count: 1 }]);
  const error = await faulty
    .model(Order)
    .update({ id: 'u2' }, { note: 'late' }, { expectedVersion: 1 })
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(TimeoutError);
  await landed();
  expect(await direct.model(Order).get({ id: 'u2' })).toMatchObject({ note: 'other', version: 2 });
  await expect(direct.model(Order).update({ id: 'u2' }, { note: 'late' }, { expectedVersion: 1 })).rejects.toBeInstanceOf(VersionConflictError);
});
