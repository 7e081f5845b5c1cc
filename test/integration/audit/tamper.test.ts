/**
 * Tampering with the audit table, done with the raw SDK as an attacker with write access would, is
 * found: by verifyAuditChain (a record deleted, edited, inserted; records removed from the end while
 * the head stays) and by a signed checkpoint (the newest records removed with the head moved back, a
 * whole chain deleted, a chain rewritten consistently, a forged or edited checkpoint).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { DeleteItemCommand, PutItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { DynamORM } from '../../../src/index.js';
import {
  checkpointProof,
  createAuditCheckpoint,
  ed25519Signer,
  hmacSigner,
  verifyAuditChain,
  verifyAuditCheckpoint,
  verifyCheckpointProof,
  withActor,
} from '../../../src/audit/index.js';
import { recordHash } from '../../../src/audit/record.js';
import { testDb } from '../../support/db.js';
import { Note, Payment, paymentLog, rawChain, type Raw } from './fixtures.js';

// Each test makes several audited items on a shared, busy DynamoDB Local.
vi.setConfig({ testTimeout: 120_000 });

const log = paymentLog();
// Two databases, each with its own tables: chains tampered with by one describe block stay out of the
// other's checkpoints.
const chainDb = testDb({ extensions: [log], requestTimeoutMs: false });
const checkpointDb = testDb({ extensions: [log], requestTimeoutMs: false });
let db = chainDb;
let notes = db.model(Note);
function use(database: DynamORM): void {
  db = database;
  notes = db.model(Note);
}
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = ed25519Signer({ keyId: 'audit-2026', privateKey });
const auditor = ed25519Signer({ keyId: 'audit-2026', publicKey: publicKey.export({ type: 'spki', format: 'pem' }) as string });

beforeAll(async () => {
  for (const database of [chainDb, checkpointDb]) {
    await database.tables.create([Payment, Note]);
    await database.tables.create([log.table]);
  }
});
afterAll(() => {
  chainDb.destroy();
  checkpointDb.destroy();
});

/** An item with `n` audited writes (create and n - 1 updates). Returns its raw chain, head first. */
async function itemWithHistory(id: string, n: number): Promise<Raw[]> {
  await withActor('alice', async () => {
    await notes.create({ id, text: 'v1', count: 1 });
    for (let i = 2; i <= n; i++) await notes.update({ id }, { text: `v${i}`, count: i });
  });
  return rawChain(db, log, 'Note', id);
}

const table = () => db.tableName(log.table);
const put = (item: Raw) => db.client.send(new PutItemCommand({ TableName: table(), Item: item }));
const del = (item: Raw) => db.client.send(new DeleteItemCommand({ TableName: table(), Key: { chain: item.chain as AttributeValue, seq: item.seq as AttributeValue } }));
const verify = (id: string) => verifyAuditChain(db, Note, { id });

describe('verifyAuditChain', () => {
  beforeAll(() => use(chainDb));
  test('an untouched chain verifies', async () => {
    await itemWithHistory('clean', 4);
    expect(await verify('clean')).toMatchObject({ ok: true, records: 4, problems: [] });
  });

  test('a deleted record', async () => {
    const [, , second] = await itemWithHistory('deleted', 4);
    await del(second as Raw);
    expect((await verify('deleted')).problems).toEqual([{ kind: 'missing', seq: 2, to: 2 }]);
  });

  test('an edited field (even one with a plausible value)', async () => {
    const [, , second] = await itemWithHistory('edited', 3);
    await put({ ...second, actor: { S: 'mallory' } } as Raw);
    expect((await verify('edited')).problems).toEqual([{ kind: 'edited', seq: 2 }]);
    const [, , , third] = await itemWithHistory('edited-after', 3);
    await put({ ...third, after: { M: { text: { S: 'v3' }, count: { N: '300' } } } } as Raw);
    expect((await verify('edited-after')).problems).toEqual([{ kind: 'edited', seq: 3 }]);
  });

  test('an inserted record, with its own hash recomputed', async () => {
    const chain = await itemWithHistory('inserted', 3);
    const third = chain[3] as Raw;
    // Moved to 4, and a forged record 3 put in its place, hashed correctly: the links show it.
    const forged: Raw = { ...third, actor: { S: 'mallory' } };
    forged.hash = { S: recordHash(forged) };
    await put({ ...third, seq: { N: '4' } });
    await put(forged);
    const kinds = (await verify('inserted')).problems.map((p) => [p.kind, p.seq]);
    expect(kinds).toContainEqual(['edited', 4]); // the moved record's seq is part of its hash
    expect(kinds).toContainEqual(['beyond-head', 4]);
    // A record appended after the last, linked and hashed, is past the head.
    const appended = await itemWithHistory('appended', 2);
    const last = appended[2] as Raw;
    const extra: Raw = { ...last, seq: { N: '3' }, prev: last.hash as AttributeValue, actor: { S: 'mallory' } };
    extra.hash = { S: recordHash(extra) };
    await put(extra);
    expect((await verify('appended')).problems).toContainEqual({ kind: 'beyond-head', seq: 3, to: 3 });
  });

  test('records removed from the end while the head stays', async () => {
    const chain = await itemWithHistory('cut', 5);
    await del(chain[5] as Raw);
    await del(chain[4] as Raw);
    expect((await verify('cut')).problems).toEqual([{ kind: 'truncated', seq: 4, to: 5 }]);
  });

  test('a change made around the audit trail shows in the next record', async () => {
    await itemWithHistory('around', 2);
    // Another client changes the item without the extension; the next audited write records what it found.
    const bypass = testDb({ tablePrefix: db.config.tablePrefix });
    await bypass.model(Note).update({ id: 'around' }, { text: 'sneaky' });
    bypass.destroy();
    await withActor('alice', () => notes.update({ id: 'around' }, { text: 'v3' }));
    expect((await verify('around')).problems).toEqual([{ kind: 'unaudited-change', seq: 3, fields: ['text'] }]);
  });
});

describe('signed checkpoints', () => {
  beforeAll(() => use(checkpointDb));
  test('detect the newest records removed with the head moved back, a deleted chain and a rewritten chain', async () => {
    const tail = await itemWithHistory('cp-tail', 4);
    const gone = await itemWithHistory('cp-gone', 2);
    const rewritten = await itemWithHistory('cp-rewritten', 2);
    await itemWithHistory('cp-kept', 2);
    const checkpoint = await createAuditCheckpoint(db, log, signer);
    expect(checkpoint.size).toBeGreaterThanOrEqual(4);
    // Stored as JSON elsewhere, and read back.
    const stored = JSON.parse(JSON.stringify(checkpoint)) as typeof checkpoint;
    expect(await verifyAuditCheckpoint(db, log, stored, auditor)).toMatchObject({ ok: true, signatureValid: true, rootValid: true, problems: [] });

    // 1. The two newest records removed and the head moved back to match: the chain alone verifies.
    await del(tail[4] as Raw);
    await del(tail[3] as Raw);
    await put({ ...tail[0], head: { N: '2' }, hash: tail[2]?.hash } as Raw);
    expect((await verifyAuditChain(db, Note, { id: 'cp-tail' })).ok).toBe(true);
    // 2. A whole chain deleted, head included.
    for (const item of gone) await del(item);
    // 3. A chain rewritten consistently: record 2 edited, rehashed, and the head following it.
    const edited: Raw = { ...rewritten[2], after: { M: { text: { S: 'forged' }, count: { N: '2' } } } } as Raw;
    edited.hash = { S: recordHash(edited) };
    await put(edited);
    await put({ ...rewritten[0], hash: edited.hash } as Raw);
    expect((await verifyAuditChain(db, Note, { id: 'cp-rewritten' })).ok).toBe(true);

    const report = await verifyAuditCheckpoint(db, log, stored, auditor);
    expect(report.ok).toBe(false);
    const byChain = new Map(report.problems.map((p) => [p.chain, p.kind]));
    expect(byChain.get(tail[1]?.chain?.S as string)).toBe('chain-truncated');
    expect(byChain.get(gone[1]?.chain?.S as string)).toBe('chain-missing');
    expect(byChain.get(rewritten[1]?.chain?.S as string)).toBe('chain-rewritten');
    expect(report.problems).toHaveLength(3);
  });

  test('chains that grew after the checkpoint still verify against it', async () => {
    await itemWithHistory('cp-grows', 2);
    const checkpoint = await createAuditCheckpoint(db, log, signer);
    await withActor('bob', () => notes.update({ id: 'cp-grows' }, { text: 'later' }));
    // (Other tests of this file tampered with their own chains: only this chain is looked at.)
    const report = await verifyAuditCheckpoint(db, log, checkpoint, auditor);
    expect(report.signatureValid && report.rootValid).toBe(true);
    const grows = (await rawChain(db, log, 'Note', 'cp-grows'))[1]?.chain?.S;
    expect(report.problems.find((p) => p.chain === grows)).toBeUndefined();
  });

  test('a forged or edited checkpoint fails its signature or its root', async () => {
    await itemWithHistory('cp-sig', 1);
    const checkpoint = await createAuditCheckpoint(db, log, signer);
    const dropped = { ...checkpoint, leaves: checkpoint.leaves.slice(1) };
    expect(await verifyAuditCheckpoint(db, log, dropped, auditor)).toMatchObject({ ok: false, signatureValid: true, rootValid: false });
    const resigned = { ...checkpoint, size: checkpoint.size - 1, leaves: checkpoint.leaves.slice(1) };
    expect(await verifyAuditCheckpoint(db, log, resigned, auditor)).toMatchObject({ ok: false, signatureValid: false });
    const other = ed25519Signer({ keyId: 'audit-2026', privateKey: generateKeyPairSync('ed25519').privateKey });
    const forged = await createAuditCheckpoint(db, log, other);
    expect((await verifyAuditCheckpoint(db, log, forged, auditor)).signatureValid).toBe(false);
    // HMAC signers work the same way.
    const hmac = hmacSigner({ keyId: 'hmac-1', key: randomBytes(32) });
    expect((await verifyAuditCheckpoint(db, log, await createAuditCheckpoint(db, log, hmac), hmac)).signatureValid).toBe(true);
  });

  test("an inclusion proof shows one chain's head in a checkpoint", async () => {
    await itemWithHistory('cp-proof', 2);
    const checkpoint = await createAuditCheckpoint(db, log, signer);
    const chain = (await rawChain(db, log, 'Note', 'cp-proof'))[1]?.chain?.S as string;
    const proof = checkpointProof(checkpoint, chain);
    expect(proof).toBeDefined();
    expect(verifyCheckpointProof(checkpoint, proof!.leaf, proof!.index, proof!.proof)).toBe(true);
    expect(verifyCheckpointProof(checkpoint, { ...proof!.leaf, seq: proof!.leaf.seq + 1 }, proof!.index, proof!.proof)).toBe(false);
  });
});
