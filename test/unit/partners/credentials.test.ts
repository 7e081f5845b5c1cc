/**
 * The provider wrapper around AssumeRole, on its own (the integration tests run it inside the SDK
 * client, against a local STS): single flight, typed failures that leave nothing cached, the
 * still-valid fallback, and `expiration` kept.
 */
import { describe, expect, test } from 'vitest';
import { FALLBACK_MIN_REMAINING_MS, PartnerCredentialsError, partnerCredentials } from '../../../src/partners/index.js';

interface Identity {
  accessKeyId: string;
  expiration?: Date;
}

/** An AssumeRole stand-in that answers (or fails) when told to, and counts its calls. */
function controlled() {
  const waiting: { resolve: (i: Identity) => void; reject: (e: unknown) => void }[] = [];
  let calls = 0;
  const provider = () => {
    calls++;
    return new Promise<Identity>((resolve, reject) => waiting.push({ resolve, reject }));
  };
  return { provider, waiting, calls: () => calls };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('partner credentials', () => {
  test('concurrent calls share one AssumeRole; a later call makes a new one', async () => {
    const sts = controlled();
    const get = partnerCredentials('acme', sts.provider);
    const all = Promise.all(Array.from({ length: 20 }, () => get()));
    await tick();
    expect(sts.calls()).toBe(1);
    const identity = { accessKeyId: 'A1', expiration: new Date(Date.now() + 3_600_000) };
    sts.waiting[0]?.resolve(identity);
    const got = await all;
    expect(new Set(got)).toEqual(new Set([identity]));
    expect(got[0]?.expiration).toBe(identity.expiration); // kept, so the SDK refreshes before expiry
    void get();
    await tick();
    expect(sts.calls()).toBe(2);
  });

  test('a failure is a PartnerCredentialsError for every waiting caller, and the next call asks again', async () => {
    const sts = controlled();
    const get = partnerCredentials('acme', sts.provider);
    const first = Array.from({ length: 5 }, () => get().catch((e: unknown) => e));
    await tick();
    const denied = Object.assign(new Error('User arn:aws:iam::1:user/x is not authorized'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } });
    sts.waiting[0]?.reject(denied);
    const errors = await Promise.all(first);
    for (const error of errors) {
      expect(error).toBeInstanceOf(PartnerCredentialsError);
      expect(error).toMatchObject({ name: 'PartnerCredentialsError', code: 'PARTNER_CREDENTIALS', partner: 'acme', stsCode: 'AccessDenied', cause: denied });
    }
    expect(sts.calls()).toBe(1);
    const again = get();
    await tick();
    expect(sts.calls()).toBe(2);
    sts.waiting[1]?.resolve({ accessKeyId: 'A2', expiration: new Date(Date.now() + 3_600_000) });
    await expect(again).resolves.toMatchObject({ accessKeyId: 'A2' });
  });

  test('a provider that throws synchronously does not leave a rejected promise behind', async () => {
    let calls = 0;
    const get = partnerCredentials('acme', (): Promise<Identity> => {
      calls++;
      if (calls === 1) throw Object.assign(new Error('boom'), { code: 'ECONNREFUSED' });
      return Promise.resolve({ accessKeyId: 'A' });
    });
    await expect(get()).rejects.toMatchObject({ stsCode: 'ECONNREFUSED' });
    await expect(get()).resolves.toEqual({ accessKeyId: 'A' });
  });

  test('a failed refresh returns the credentials in hand while at least a minute is left on them, and retries on the next call', async () => {
    let now = 1_000_000;
    const sts = controlled();
    const get = partnerCredentials('acme', sts.provider, () => now);
    const held = { accessKeyId: 'OLD', expiration: new Date(now + 300_000) };
    const first = get();
    await tick();
    sts.waiting[0]?.resolve(held);
    await first;
    const refresh = get();
    await tick();
    sts.waiting[1]?.reject(new Error('down'));
    await expect(refresh).resolves.toBe(held);
    // The next call does not reuse the failure: it asks STS again.
    const retry = get();
    await tick();
    expect(sts.calls()).toBe(3);
    // With less than the floor left, the failure is raised instead.
    now = held.expiration.getTime() - FALLBACK_MIN_REMAINING_MS + 1;
    sts.waiting[2]?.reject(new Error('still down'));
    await expect(retry).rejects.toBeInstanceOf(PartnerCredentialsError);
  });

  test('credentials without an expiration are never used as a fallback', async () => {
    let calls = 0;
    const get = partnerCredentials('acme', (): Promise<Identity> => (++calls === 1 ? Promise.resolve({ accessKeyId: 'A' }) : Promise.reject(new Error('down'))));
    await get();
    await expect(get()).rejects.toBeInstanceOf(PartnerCredentialsError);
  });
});
