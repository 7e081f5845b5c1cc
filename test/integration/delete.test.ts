/**
 * delete() against DynamoDB Local: plain and idempotent deletes, returnOld, conditions, and the
 * version check on versioned models.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  attr,
  ConditionalCheckFailedError,
  ItemNotFoundError,
  model,
  ValidationError,
  VersionConflictError,
  type AnyModel,
} from '../../src/index.js';
import { rawItem, recordOperations, testDb } from '../support/db.js';
import { failure } from '../support/failure.js';

const Note = model('Note', {
  table: 'notes',
  attributes: {
    owner: attr.string().partitionKey(),
    id: attr.string().sortKey(),
    text: attr.string(),
    pinned: attr.boolean().default(false),
  },
});

const Ledger = model('Ledger', {
  table: 'ledgers',
  attributes: {
    id: attr.string().partitionKey(),
    balance: attr.cents(),
    status: attr.enum(['open', 'closed']),
    version: attr.version(),
  },
});

const operations: string[] = [];
const db = testDb({
  middleware: [recordOperations(operations)],
});
const notes = db.model(Note);
const ledgers = db.model(Ledger);

beforeAll(async () => {
  await Promise.all([db.tables.create(Note), db.tables.create(Ledger)]);
});
afterAll(() => db.destroy());

const raw = (m: AnyModel, key: Record<string, AttributeValue>) => rawItem(db, m, key);

describe('unversioned models', () => {
  test('delete removes the item, and only that item', async () => {
    await notes.create({ owner: 'ann', id: 'n1', text: 'one' });
    await notes.create({ owner: 'ann', id: 'n2', text: 'two' });
    const result = await notes.delete({ owner: 'ann', id: 'n1' });
    expect(result).toBeUndefined();
    expect(await raw(Note, { owner: { S: 'ann' }, id: { S: 'n1' } })).toBeUndefined();
    expect(await notes.get({ owner: 'ann', id: 'n2' }, { consistent: true })).toMatchObject({ text: 'two' });
  });

  test('deleting a missing item is not an error (deletes are idempotent)', async () => {
    await expect(notes.delete({ owner: 'nobody', id: 'x' })).resolves.toBeUndefined();
  });

  test('returnOld returns the deleted item, or undefined when there was none', async () => {
    const created = await notes.create({ owner: 'bob', id: 'n1', text: 'keep me', pinned: true });
    const old = await notes.delete(created, { returnOld: true });
    expect(old).toEqual(created);
    expect(await notes.get(created, { consistent: true })).toBeUndefined();
    expect(await notes.delete(created, { returnOld: true })).toBeUndefined();
  });

  test('a failing condition keeps the item and carries it', async () => {
    const created = await notes.create({ owner: 'cy', id: 'n1', text: 'pinned', pinned: true });
    const error = await failure(notes.delete(created, { condition: (c) => c.where('pinned', '=', false) }));
    expect(error).toBeInstanceOf(ConditionalCheckFailedError);
    expect((error as ConditionalCheckFailedError).item).toEqual(created);
    expect(await notes.get(created, { consistent: true })).toEqual(created);
    await notes.delete(created, { condition: (c) => c.where('pinned', '=', true) });
    expect(await notes.get(created, { consistent: true })).toBeUndefined();
  });

  test('expectedVersion on a model without a version is refused before sending', async () => {
    operations.length = 0;
    const error = await failure(notes.delete({ owner: 'ann', id: 'n2' }, { expectedVersion: 1 }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).rule).toBe('version');
    expect(operations).toEqual([]);
  });
});

describe('versioned models', () => {
  test('the matching version deletes', async () => {
    const created = await ledgers.create({ id: 'l-ok', balance: 100, status: 'open' });
    const updated = await ledgers.update(created, { status: 'closed' });
    const old = await ledgers.delete(updated, { returnOld: true });
    expect(old).toEqual(updated);
    expect(await raw(Ledger, { id: { S: 'l-ok' } })).toBeUndefined();
  });

  test('a stale version raises VersionConflictError and keeps the item', async () => {
    const created = await ledgers.create({ id: 'l-stale', balance: 100, status: 'open' });
    const updated = await ledgers.update(created, { balance: 50 });
    const error = await failure(ledgers.delete(created));
    expect(error).toBeInstanceOf(VersionConflictError);
    const e = error as VersionConflictError;
    expect(e.expectedVersion).toBe(1);
    expect(e.actualVersion).toBe(2);
    expect(e.item).toEqual(updated);
    expect(await ledgers.get({ id: 'l-stale' }, { consistent: true })).toEqual(updated);
    // An explicit expectedVersion wins over the object's version.
    const explicitStale = await failure(ledgers.delete(updated, { expectedVersion: 1 }));
    expect(explicitStale).toBeInstanceOf(VersionConflictError);
    await ledgers.delete({ id: 'l-stale' }, { expectedVersion: 2 });
    expect(await raw(Ledger, { id: { S: 'l-stale' } })).toBeUndefined();
  });

  test('a delete without a version is refused before sending', async () => {
    const created = await ledgers.create({ id: 'l-noversion', balance: 1, status: 'open' });
    operations.length = 0;
    const error = await failure(ledgers.delete({ id: 'l-noversion' }));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).rule).toBe('version-required');
    expect((error as ValidationError).path).toEqual(['version']);
    expect(operations).toEqual([]);
    expect(await ledgers.get(created, { consistent: true })).toEqual(created);
  });

  test("expectedVersion 'any' deletes whatever version is stored", async () => {
    const created = await ledgers.create({ id: 'l-any', balance: 1, status: 'open' });
    await ledgers.update(created, { balance: 2 });
    await ledgers.update({ id: 'l-any' }, { balance: 3 }, { expectedVersion: 'any' });
    const old = await ledgers.delete({ id: 'l-any' }, { expectedVersion: 'any', returnOld: true });
    expect(old).toMatchObject({ balance: 3, version: 3 });
    expect(await raw(Ledger, { id: { S: 'l-any' } })).toBeUndefined();
  });

  test('a versioned delete of a missing item raises ItemNotFoundError', async () => {
    const error = await failure(ledgers.delete({ id: 'l-missing', version: 1 }));
    expect(error).toBeInstanceOf(ItemNotFoundError);
    const any = await failure(ledgers.delete({ id: 'l-missing' }, { expectedVersion: 'any' }));
    expect(any).toBeInstanceOf(ItemNotFoundError);
  });

  test('a condition and the version are both checked', async () => {
    const created = await ledgers.create({ id: 'l-cond', balance: 500, status: 'open' });
    const error = await failure(ledgers.delete(created, { condition: (c) => c.where('balance', '=', 0) }));
    expect(error).toBeInstanceOf(ConditionalCheckFailedError);
    expect(error).not.toBeInstanceOf(VersionConflictError);
    expect((error as ConditionalCheckFailedError).item).toEqual(created);
    expect(await ledgers.get(created, { consistent: true })).toEqual(created);
    await ledgers.delete(created, { condition: (c) => c.where('balance', '=', 500) });
    expect(await ledgers.get(created, { consistent: true })).toBeUndefined();
  });
});
