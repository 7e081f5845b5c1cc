/** Checkpoint signers: Ed25519 and HMAC sign and verify, and refuse other bytes, signatures and keys. */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { expect, test } from 'vitest';
import { AuditConfigError, ed25519Signer, hmacSigner } from '../../../src/audit/index.js';

const ed = generateKeyPairSync('ed25519');
const signers = [
  ed25519Signer({ keyId: 'ed', privateKey: ed.privateKey }),
  ed25519Signer({ keyId: 'ed-pem', privateKey: ed.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }),
  hmacSigner({ keyId: 'mac', key: new Uint8Array(randomBytes(32)) }),
];

test('a signature verifies its bytes and no others', async () => {
  for (const signer of signers) {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ minLength: 1, maxLength: 8 }), async (data, extra) => {
        const signature = await signer.sign(data);
        expect(await signer.verify(data, signature)).toBe(true);
        expect(await signer.verify(new Uint8Array([...data, ...extra]), signature)).toBe(false);
        const flipped = Uint8Array.from(signature);
        flipped[0] = (flipped[0] as number) ^ 1;
        expect(await signer.verify(data, flipped)).toBe(false);
        expect(await signer.verify(data, signature.subarray(1))).toBe(false);
      }),
      { numRuns: 30 },
    );
  }
});

test('a public key verifies and cannot sign; another key does not verify', async () => {
  const auditor = ed25519Signer({ keyId: 'ed', publicKey: ed.publicKey });
  const data = new TextEncoder().encode('checkpoint');
  expect(await auditor.verify(data, await signers[0]!.sign(data))).toBe(true);
  expect(() => auditor.sign(data)).toThrow(AuditConfigError);
  const stranger = ed25519Signer({ keyId: 'ed', privateKey: generateKeyPairSync('ed25519').privateKey });
  expect(await auditor.verify(data, await stranger.sign(data))).toBe(false);
  const otherMac = hmacSigner({ keyId: 'mac', key: new Uint8Array(randomBytes(32)) });
  expect(await otherMac.verify(data, await signers[2]!.sign(data))).toBe(false);
});

test('weak or wrong keys are refused', () => {
  expect(() => hmacSigner({ keyId: 'k', key: new Uint8Array(16) })).toThrow(AuditConfigError);
  expect(() => ed25519Signer({ keyId: 'k' })).toThrow(AuditConfigError);
  expect(() => ed25519Signer({ keyId: 'k', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey })).toThrow(AuditConfigError);
});
