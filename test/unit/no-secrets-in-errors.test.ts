/**
 * No secret leaves through an error, over random secrets: whatever a card number or a fingerprint
 * is, the errors the pure code builds (explained condition failures, validation of items, keys and
 * updates, stored values that do not fit, cancellations, batch and deadline leftovers, writes in
 * doubt) never show it in their message, String(), JSON, util.inspect or enumerable properties, nor
 * in their causes and reasons; the values stay readable through the errors' properties.
 * test/integration/no-secrets-in-errors.test.ts provokes the same errors against DynamoDB Local.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  attr,
  ConditionalCheckFailedError,
  DeadlineExceededError,
  DynamoDBError,
  ItemAlreadyExistsError,
  ItemNotFoundError,
  model,
  TransactionCanceledError,
  UnprocessedItemsError,
  ValidationError,
  VersionConflictError,
  WriteInDoubtError,
  type ConditionInput,
} from '../../src/index.js';
import { decodeItem, encodeItem, encodeKey, errorTarget } from '../../src/model/item-codec.js';
import { planCheck, planCreate, planDelete, planPut, planUpdate, type PlanContext } from '../../src/write/plans.js';
import { compileUpdate } from '../../src/expr/update.js';
import { Placeholders } from '../../src/expr/placeholders.js';
import { expectNoSecrets, renderings } from '../support/no-secrets.js';

const NOW = new Date('2026-01-02T03:04:05.000Z');

const Card = model('Card', {
  table: 'cards',
  attributes: {
    pk: attr.template('WALLET#{walletId}#FP#{fingerprint}').partitionKey(),
    walletId: attr.string().loggable(),
    fingerprint: attr.string(),
    cardNumber: attr.string(),
    pin: attr.integer().optional(),
    limit: attr.cents().optional(),
    rate: attr.decimal().optional(),
    expires: attr.ttl().optional(),
    meta: attr.json().optional(),
    version: attr.version(),
  },
});

/** A condition on Card, as the planners take it. */
const cond = (input: ConditionInput<typeof Card>) => input as unknown as ConditionInput<never>;

/** Secrets that cannot turn up in a rendering by chance: a marker and random letters and digits. */
const secret = fc.stringMatching(/^[A-Za-z0-9]{10,24}$/).map((s) => `S3CR3T${s}`);
const cardNumber = fc.stringMatching(/^4[0-9]{15}$/);
const ctx: PlanContext = { meta: Card.compiled, tableName: 'cards', now: NOW, token: 'tok' };

function rejected<E>(fn: () => unknown, type: abstract new (...args: never[]) => E): E {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
  throw new Error('expected a throw');
}

/** An SDK error as the client throws it for a failed condition: the stored item, raw, enumerable. */
function sdkConditionFailure(item: Record<string, unknown>): Error {
  return Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400, requestId: 'r1' },
    Item: encodeItem(Card.compiled, item, { now: NOW, label: 'sdk' }),
    $response: { body: JSON.stringify(item) },
  });
}

describe('explained condition failures', () => {
  test('property: no stored value or hidden key value in any rendering; the item and key stay readable', () => {
    fc.assert(
      // Six-digit values: a four-digit one also turns up by chance in a stack's line and column numbers.
      fc.property(secret, cardNumber, fc.integer({ min: 100_000, max: 999_999 }), (fp, card, pin) => {
        const input = { walletId: 'w-1', fingerprint: fp, cardNumber: card, pin, version: 1 };
        const stored = { ...input, pk: `WALLET#w-1#FP#${fp}`, version: 2 };
        const secrets = [fp, card, String(pin)];
        const errors = [
          planCreate(ctx, input).explain(stored),
          planPut(ctx, input, {}).explain(stored),
          planUpdate(ctx, input, { cardNumber: card }, {}).explain(stored),
          planUpdate(ctx, input, { cardNumber: card }, {}).explain(undefined),
          planDelete(ctx, { walletId: 'w-1', fingerprint: fp }, { expectedVersion: 2 }).explain(stored),
          planCheck(ctx, { walletId: 'w-1', fingerprint: fp }, cond((c) => c.where('cardNumber', '=', card))).explain(stored),
        ];
        expect(errors.map((e) => e.constructor)).toEqual([
          ItemAlreadyExistsError,
          VersionConflictError,
          VersionConflictError,
          ItemNotFoundError,
          ConditionalCheckFailedError,
          ConditionalCheckFailedError,
        ]);
        for (const error of errors) {
          // As the write path does: the SDK's error becomes the cause after the error is built.
          (error as { cause?: unknown }).cause = sdkConditionFailure(stored);
          expectNoSecrets(error, secrets);
          const e = error as ConditionalCheckFailedError;
          expect(e.key).toEqual({ walletId: 'w-1', fingerprint: fp });
          expect(e.message).toContain('Card {walletId="w-1", fingerprint=<redacted>}');
          if (!(e instanceof ItemNotFoundError)) expect(e.item).toEqual(stored);
          expect((e.cause as { Item: Record<string, { S?: string }> }).Item.cardNumber?.S).toBe(card);
        }
      }),
    );
  });

  test('toJSON: name, message, code, model and a cause likewise; nothing else', () => {
    const error = planCreate(ctx, { walletId: 'w', fingerprint: 'fp', cardNumber: '4111111111111111' }).explain({ cardNumber: '4111111111111111' });
    (error as { cause?: unknown }).cause = sdkConditionFailure({ walletId: 'w', fingerprint: 'fp', cardNumber: '4111111111111111', version: 1 });
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      name: 'ItemAlreadyExistsError',
      message: 'Card {walletId="w", fingerprint=<redacted>} already exists',
      code: 'ALREADY_EXISTS',
      model: 'Card',
      cause: { name: 'ConditionalCheckFailedException', message: 'The conditional request failed' },
    });
    const inDoubt = new WriteInDoubtError(errorTarget(Card.compiled, { walletId: 'w', fingerprint: 'fp' }), 'update', 'tok', async () => true, error);
    expect(JSON.parse(JSON.stringify(inDoubt)).cause).toMatchObject({ name: 'ItemAlreadyExistsError', code: 'ALREADY_EXISTS' });
    expect(renderings(inDoubt).join('\n')).not.toContain('4111111111111111');
  });
});

describe('validation', () => {
  test('property: bad values never appear in messages', () => {
    fc.assert(
      fc.property(secret, cardNumber, (fp, card) => {
        const n = Number(card);
        const base = { walletId: 'w', fingerprint: fp, cardNumber: card };
        const errors = [
          rejected(() => encodeItem(Card.compiled, { ...base, cardNumber: n }, { now: NOW, label: 'Card.create' }), ValidationError),
          rejected(() => encodeItem(Card.compiled, { ...base, pin: n * 10 }, { now: NOW, label: 'Card.create' }), ValidationError),
          rejected(() => encodeItem(Card.compiled, { ...base, limit: n * 1000 }, { now: NOW, label: 'Card.create' }), ValidationError),
          rejected(() => encodeItem(Card.compiled, { ...base, rate: `${card}x` }, { now: NOW, label: 'Card.create' }), ValidationError),
          rejected(() => encodeItem(Card.compiled, { ...base, expires: n }, { now: NOW, label: 'Card.create' }), ValidationError),
          rejected(() => encodeItem(Card.compiled, { ...base, meta: { card: Number.NaN, n: BigInt(card) } }, { now: NOW, label: 'Card.create' }), ValidationError),
          rejected(() => encodeItem(Card.compiled, { ...base, pk: `WALLET#w#FP#${card}` }, { now: NOW, label: 'Card.create' }), ValidationError),
          rejected(() => encodeItem(Card.compiled, { ...base, walletId: `${card}#FP#x` }, { now: NOW, label: 'Card.create' }), ValidationError),
          rejected(() => encodeKey(Card.compiled, { walletId: 'w', fingerprint: n }, 'Card.get'), ValidationError),
          rejected(() => compileUpdate(Card.compiled, { cardNumber: n, fingerprint: card }, { now: NOW }, new Placeholders(), 'Card.update'), ValidationError),
        ];
        for (const error of errors) expectNoSecrets(error, [fp, card]);
      }),
      { numRuns: 50 },
    );
  });

  test('property: stored values that do not fit are refused without repeating them', () => {
    fc.assert(
      fc.property(secret, fc.stringMatching(/^[1-9][0-9]{19,30}$/), (fp, digits) => {
        const raw = { pk: { S: `WALLET#w#FP#${fp}` }, cardNumber: { S: fp }, pin: { N: digits }, version: { N: '1' } };
        expectNoSecrets(rejected(() => decodeItem(Card.compiled, raw), ValidationError), [fp, digits]);
      }),
      { numRuns: 50 },
    );
  });
});

describe('cancellations, leftovers and deadlines', () => {
  test('property: reasons, unprocessed writes and keys, partial results and deadline items stay out of logs', () => {
    fc.assert(
      fc.property(secret, cardNumber, (fp, card) => {
        const item = { walletId: 'w', fingerprint: fp, cardNumber: card, version: 3 };
        const key = { walletId: 'w', fingerprint: fp };
        const sdk = Object.assign(new Error('Transaction cancelled'), {
          name: 'TransactionCanceledException',
          $fault: 'client',
          $metadata: {},
          CancellationReasons: [{ Code: 'ConditionalCheckFailed', Item: { cardNumber: { S: card } } }, { Code: 'None' }],
        });
        const wrapped = new DynamoDBError('TransactionCanceledException', 'TransactWriteItems: Transaction cancelled', sdk);
        const tx = new TransactionCanceledError(
          [
            { index: 0, model: 'Card', key, awsCode: 'ConditionalCheckFailed', error: planCreate(ctx, item).explain(item) as ItemAlreadyExistsError, item },
            { index: 1, model: 'Card', key: { ...key, fingerprint: `${fp}2` }, awsCode: 'None', error: undefined, item: undefined },
          ],
          wrapped.cause,
        );
        expect(tx.message).toBe('transaction cancelled: #0 Card: ALREADY_EXISTS');
        expectNoSecrets(tx, [fp, card]);
        expectNoSecrets(wrapped, [fp, card]);
        expect(tx.reasons[0]?.item).toEqual(item);
        expect(tx.reasons[1]?.key).toEqual({ walletId: 'w', fingerprint: `${fp}2` });
        expect((tx.cause as typeof sdk).CancellationReasons[0]?.Item?.cardNumber?.S).toBe(card);

        const unprocessed = new UnprocessedItemsError('BatchWriteItem', [{ kind: 'put', model: 'Card', item }], { written: 1 }, [{ kind: 'delete', model: 'Card', key }]);
        expectNoSecrets(unprocessed, [fp, card]);
        expect(unprocessed.unprocessed[0]).toMatchObject({ item });
        expect(unprocessed.inDoubt[0]).toMatchObject({ key });
        const gets = new UnprocessedItemsError('BatchGetItem', [{ model: 'Card', key }], { items: [[item]], missing: [[key]] });
        expectNoSecrets(gets, [fp, card]);
        expect(gets.partial.items[0]).toEqual([item]);

        const deadline = new DeadlineExceededError('stopped', { items: [item], unprocessed: [key], inDoubt: [item], partial: { items: [[item]] }, cursor: 'opaque' });
        expectNoSecrets(deadline, [fp, card]);
        expect(deadline.items).toEqual([item]);
        expect(JSON.parse(JSON.stringify(deadline))).toMatchObject({ cursor: 'opaque', inFlight: false });
      }),
      { numRuns: 50 },
    );
  });
});

test('a key field marked loggable is shown; the others, and every value of other fields, are not', () => {
  const target = errorTarget(Card.compiled, { walletId: 'w-9', fingerprint: 'fp-9' });
  expect([...(target.loggable ?? [])]).toEqual(['walletId']);
  expect(new ItemNotFoundError(target).message).toBe('Card {walletId="w-9", fingerprint=<redacted>} not found');
  // Without loggable fields (or a target built by hand) every key value is redacted.
  expect(new ItemNotFoundError({ model: 'Card', key: { id: 'x', n: 10n } }).message).toBe('Card {id=<redacted>, n=<redacted>} not found');
  expect(new ItemNotFoundError({ model: 'Card', key: { id: 'x', n: 10n }, loggable: new Set(['id', 'n']) }).message).toBe('Card {id="x", n=10} not found');
  expect(Card.compiled.byName.get('walletId')?.spec.loggable).toBe(true);
  expect(Card.compiled.byName.get('fingerprint')?.spec.loggable).toBeUndefined();
});
