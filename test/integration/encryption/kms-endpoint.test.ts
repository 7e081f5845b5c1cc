/**
 * The local KMS endpoint itself, through the real `@aws-sdk/client-kms` client: the three operations,
 * aliases, authenticated and opaque blobs (context, key and bytes all checked), KMS's error shapes,
 * injected failures (retried by the SDK when they are 5xx) and latency, and call counts.
 */
import { DecryptCommand, EncryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { KmsEndpoint } from '../../support/kms-endpoint.js';

let kms: KmsEndpoint;
let arn: string;
beforeAll(async () => {
  kms = await KmsEndpoint.start();
  arn = kms.createKey('payments');
});
afterAll(() => kms.stop());

const context = { purpose: 'test', tenant: 't1' };

test('Encrypt and Decrypt round-trip under the encryption context; the blob hides the plaintext', async () => {
  const client = kms.client();
  const plaintext = Buffer.from('4111111111111111');
  const out = await client.send(new EncryptCommand({ KeyId: 'alias/payments', Plaintext: plaintext, EncryptionContext: context }));
  expect(out.KeyId).toBe(arn);
  expect(Buffer.from(out.CiphertextBlob as Uint8Array).includes(plaintext)).toBe(false);
  const back = await client.send(new DecryptCommand({ CiphertextBlob: out.CiphertextBlob, EncryptionContext: { tenant: 't1', purpose: 'test' } }));
  expect(Buffer.from(back.Plaintext as Uint8Array).toString()).toBe('4111111111111111');
  expect(back.KeyId).toBe(arn);
});

test('GenerateDataKey gives a 32-byte key and its blob; Decrypt gives the same key back', async () => {
  const client = kms.client();
  const key = await client.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256', EncryptionContext: context }));
  expect(key.Plaintext?.byteLength).toBe(32);
  const back = await client.send(new DecryptCommand({ CiphertextBlob: key.CiphertextBlob, KeyId: arn, EncryptionContext: context }));
  expect(Buffer.from(back.Plaintext as Uint8Array).equals(Buffer.from(key.Plaintext as Uint8Array))).toBe(true);
});

test('another context, a flipped byte or another key is refused with KMS error names', async () => {
  const client = kms.client();
  const { CiphertextBlob } = await client.send(new EncryptCommand({ KeyId: arn, Plaintext: Buffer.from('x'), EncryptionContext: context }));
  const blob = Buffer.from(CiphertextBlob as Uint8Array);
  await expect(client.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { purpose: 'other' } }))).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  const flipped = Buffer.from(blob);
  flipped[flipped.length - 1] = (flipped[flipped.length - 1] as number) ^ 1;
  await expect(client.send(new DecryptCommand({ CiphertextBlob: flipped, EncryptionContext: context }))).rejects.toMatchObject({ name: 'InvalidCiphertextException' });
  const other = kms.createKey();
  await expect(client.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: other, EncryptionContext: context }))).rejects.toMatchObject({ name: 'IncorrectKeyException' });
  await expect(client.send(new EncryptCommand({ KeyId: 'alias/missing', Plaintext: Buffer.from('x') }))).rejects.toMatchObject({ name: 'NotFoundException', $metadata: { httpStatusCode: 400 } });
  kms.setEnabled(other, false);
  await expect(client.send(new GenerateDataKeyCommand({ KeyId: other, KeySpec: 'AES_256' }))).rejects.toMatchObject({ name: 'DisabledException' });
});

test('injected failures and latency; the SDK retries a 5xx; calls are counted', async () => {
  const client = kms.client(3);
  kms.resetCalls();
  kms.failNext(1, { type: 'KMSInternalException', status: 500, operation: 'GenerateDataKey' });
  await expect(client.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256' }))).resolves.toMatchObject({ KeyId: arn });
  expect(kms.calls.GenerateDataKey).toBe(2);
  kms.failNext(1, { type: 'AccessDeniedException' });
  await expect(client.send(new EncryptCommand({ KeyId: arn, Plaintext: Buffer.from('x') }))).rejects.toMatchObject({ name: 'AccessDeniedException' });
  expect(kms.calls.Encrypt).toBe(1); // a 400 is not retried
  kms.latencyMs = 150;
  const started = Date.now();
  await client.send(new GenerateDataKeyCommand({ KeyId: arn, KeySpec: 'AES_256' }));
  expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  kms.latencyMs = 0;
});
