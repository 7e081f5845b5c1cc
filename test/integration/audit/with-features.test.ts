/**
 * The audit trail beside field encryption and ephemeral fields: an encrypted tracked field is
 * recorded as changed, never with its value (plaintext or ciphertext); an ephemeral field cannot be
 * tracked, and its value never reaches an audit record. Proved on the raw audit table.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { attr, model } from '../../../src/index.js';
import { AuditConfigError, audit, tracked, verifyAuditChain, withActor } from '../../../src/audit/index.js';
import { encrypted, encryption, localKeyProvider } from '../../../src/encryption/index.js';
import { ephemeral } from '../../../src/ephemeral/index.js';
import { rawItem, testDb } from '../../support/db.js';
import { auditItems, rawChain } from './fixtures.js';

const Card = model('Card', {
  table: 'cards',
  attributes: {
    id: attr.string().partitionKey(),
    number: encrypted(attr.string()),
    holder: attr.string(),
    cvv: ephemeral(attr.string()),
    version: attr.version(),
  },
});

const NUMBER = '4111-1111-1111-1111';
const NEW_NUMBER = '5500-0000-0000-0004';
const CVV = 'cvv-7731-secret';

const log = audit({ table: 'audit', models: [tracked(Card, { fields: ['number', 'holder'] })] });
const db = testDb({ extensions: [encryption({ keyProvider: localKeyProvider(new Uint8Array(randomBytes(32))) }), log] });
const cards = db.model(Card);

beforeAll(async () => {
  await db.tables.create([Card]);
  await db.tables.create([log.table]);
});
afterAll(() => db.destroy());

test('an ephemeral field cannot be tracked', () => {
  expect(() => audit({ models: [tracked(Card, { fields: ['cvv' as 'holder'] })] })).toThrow(AuditConfigError);
});

test('an encrypted field is recorded as changed, never with its value; an ephemeral value never appears', async () => {
  const created = await withActor('alice', () => cards.create({ id: 'c1', number: NUMBER, holder: 'A. Holder', cvv: CVV }));
  const renamed = await withActor('alice', () => cards.update(created, { holder: 'B. Holder', cvv: CVV }));
  await withActor('alice', () => cards.update(renamed, { number: NEW_NUMBER, cvv: CVV }));
  const records = (await rawChain(db, log, 'Card', 'c1')).slice(1);
  expect(records.map((r) => [r.op?.S, r.changed?.SS ?? []])).toEqual([
    ['create', ['number']],
    ['update', []],
    ['update', ['number']],
  ]);
  expect(records.map((r) => r.after?.M)).toEqual([{ holder: { S: 'A. Holder' } }, { holder: { S: 'B. Holder' } }, { holder: { S: 'B. Holder' } }]);
  // Neither plaintext nor ciphertext of the card number, nor the CVV, is anywhere in the audit table.
  const text = JSON.stringify(await auditItems(db, log));
  const stored = await rawItem(db, Card, { id: { S: 'c1' } });
  const ciphertext = JSON.stringify(stored?.number);
  expect(text).not.toContain(NUMBER);
  expect(text).not.toContain(NEW_NUMBER);
  expect(text).not.toContain(CVV);
  expect(text).not.toContain(ciphertext.slice(10, 60));
  expect(JSON.stringify(stored)).not.toContain(CVV);
  expect((await verifyAuditChain(db, Card, { id: 'c1' })).ok).toBe(true);
});
