/**
 * The batcher's checks and errors without DynamoDB (nothing here sends a request): bad options and
 * bad arguments are ValidationErrors thrown by batcher()/add() before anything is queued, a closed
 * batcher refuses, and the per-write errors keep the item out of what logs show.
 */
import { describe, expect, test } from 'vitest';
import { BatchItemInDoubtError, BatchItemNotWrittenError, BatcherClosedError, batcher } from '../../../src/batcher/index.js';
import { attr, Database, model, putItems, ValidationError } from '../../../src/index.js';

const Card = model('Card', { table: 'cards', attributes: { id: attr.string().partitionKey(), pan: attr.string() } });
const db = Database.create({ region: 'us-east-1', endpoint: 'http://localhost:1' });

describe('batcher checks', () => {
  test('bad options are ValidationErrors at creation', () => {
    expect(() => batcher(db, { maxSize: 26 })).toThrow(ValidationError);
    expect(() => batcher(db, { maxSize: 0 })).toThrow(/maxSize must be an integer from 1 to 25/);
    expect(() => batcher(db, { parallelism: 1.5 })).toThrow(ValidationError);
    expect(() => batcher(db, { maxWait: -1 })).toThrow(/maxWait/);
  });

  test('bad arguments throw from add() and queue nothing; a closed batcher refuses', async () => {
    const writes = batcher(db);
    expect(() => writes.add({} as typeof Card, { id: 'x', pan: '1' })).toThrow(ValidationError);
    expect(() => writes.add(Card, 'x' as never)).toThrow(ValidationError);
    expect(() => writes.add({ kind: 'upsert', model: Card } as never)).toThrow(ValidationError);
    expect(() => writes.add(putItems(Card, [null as never]))).toThrow(ValidationError);
    expect(writes.stats()).toMatchObject({ added: 0, pending: 0, waiting: 0 });
    await expect(writes.close()).resolves.toEqual({ written: 0, notWritten: [], inDoubt: [], refused: [] });
    expect(() => writes.add(Card, { id: 'x', pan: '1' })).toThrow(BatcherClosedError);
  });
});

describe('batcher errors', () => {
  test('carry the write, readable but never shown by logs', () => {
    const write = { kind: 'put' as const, model: Card, item: { id: 'c-1', pan: '4111111111111111' } };
    const notWritten = new BatchItemNotWrittenError(write, 'deadline');
    const inDoubt = new BatchItemInDoubtError(write);
    expect(notWritten).toMatchObject({ name: 'BatchItemNotWrittenError', code: 'NOT_WRITTEN', reason: 'deadline' });
    expect(inDoubt).toMatchObject({ name: 'BatchItemInDoubtError', code: 'IN_DOUBT', inDoubt: true });
    for (const error of [notWritten, inDoubt]) {
      expect(error.write).toBe(write);
      expect(JSON.stringify(error)).not.toContain('4111');
      expect(String(error)).not.toContain('4111');
      expect(Object.keys(error)).not.toContain('write');
    }
  });
});
