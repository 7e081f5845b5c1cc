/**
 * Partner accounts against real protocols: DynamoDB Local (one database per access key: each
 * partner's assumed role is its own "account") and a local STS speaking the Query protocol, called
 * by the SDK's own fromTemporaryCredentials inside the partner database's DynamoDB client. A fault
 * proxy in front of DynamoDB Local counts what reaches DynamoDB, to prove what was not sent.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { DynamoDBClient, GetItemCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { attr, model, withScope, type DynamORMRequest } from '../../../src/index.js';
import {
  definePartners,
  forPartner,
  partnerAccounts,
  PartnerCredentialsError,
  PartnerScopeError,
  UnknownPartnerError,
  withPartner,
  type PartnerAccounts,
} from '../../../src/partners/index.js';
import type { DynamORM } from '../../../src/index.js';
import { endpoint, recordRequests, testDb } from '../../support/db.js';
import { startFaultProxy, type FaultProxy } from '../../support/fault-proxy.js';
import { startStsEndpoint, type StsEndpoint } from '../../support/sts-endpoint.js';

const Order = model('Order', {
  table: 'orders',
  attributes: { id: attr.string().partitionKey(), amount: attr.cents(), note: attr.string().optional() },
});

const run = Math.random().toString(36).slice(2, 8);
const arn = (name: string) => `arn:aws:iam::${String(100000000000 + name.length * 7919).slice(0, 12)}:role/${name}-${run}`;
const ROLES = { acme: arn('acme'), globex: arn('globex'), initech: arn('initech') };

let sts: StsEndpoint;
let proxy: FaultProxy;
const sent: DynamORMRequest[] = [];

/** A raw client of one "account" (access key) of DynamoDB Local: the judge of where data landed. */
function rawClient(accessKeyId: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint: endpoint(), region: 'eu-west-1', credentials: { accessKeyId, secretAccessKey: 'x' }, maxAttempts: 1 });
}

/** A base database with partner accounts; every test gets its own (fresh caches, fresh STS counts). */
function setup(maxCached = 16, base: Partial<Parameters<typeof testDb>[0]> = {}): { db: DynamORM; partners: PartnerAccounts<DynamORM> } {
  // A new access key is a new database in DynamoDB Local: its first request can take seconds.
  const db = testDb({ endpoint: proxy.endpoint, region: 'eu-west-1', requestTimeoutMs: 15_000, middleware: [recordRequests(sent)], ...base });
  const registry = definePartners({
    acme: { roleArn: ROLES.acme, externalId: 'ext-acme-1', tablePrefix: `acme-${run}-`, sessionTags: { partner: 'acme', tier: 'gold' } },
    globex: { roleArn: ROLES.globex, tablePrefix: `globex-${run}-` },
    initech: { roleArn: ROLES.initech, tablePrefix: `initech-${run}-`, durationSeconds: 900 },
  });
  const partners = partnerAccounts(db, { registry, sts: { endpoint: sts.endpoint }, maxCached });
  opened.push(partners);
  return { db, partners };
}
const opened: PartnerAccounts<DynamORM>[] = [];

beforeAll(async () => {
  sts = await startStsEndpoint();
  sts.role(ROLES.acme, { externalId: 'ext-acme-1' });
  proxy = await startFaultProxy({ target: endpoint() });
  // Each partner's table, created in its own account through DynamORM.
  const { db } = setup();
  for (const id of ['acme', 'globex', 'initech'] as const) await forPartner(db, id).tables.create(Order);
});
afterEach(() => {
  for (const p of opened.splice(0)) p.destroy();
});
afterAll(async () => {
  await proxy.stop();
  await sts.stop();
});

describe('accounts', () => {
  test('DynamoDB Local keeps one database per access key: two keys see different table lists', async () => {
    const acme = rawClient(sts.accessKeyOf(ROLES.acme));
    const globex = rawClient(sts.accessKeyOf(ROLES.globex));
    const local = rawClient('local');
    try {
      const [a, g, l] = await Promise.all([acme, globex, local].map((c) => c.send(new ListTablesCommand({}))));
      expect(a?.TableNames).toEqual([`acme-${run}-orders`]);
      expect(g?.TableNames).toEqual([`globex-${run}-orders`]);
      expect(l?.TableNames).not.toContain(`acme-${run}-orders`);
    } finally {
      for (const c of [acme, globex, local]) c.destroy();
    }
  });

  test("each partner's item lands in its own account only, under its prefix", async () => {
    const { db } = setup();
    await forPartner(db, 'acme').model(Order).create({ id: 'o-1', amount: 100 });
    await forPartner(db, 'globex').model(Order).create({ id: 'o-1', amount: 200 });
    const read = async (role: string, table: string) => {
      const c = rawClient(sts.accessKeyOf(role));
      try {
        return (await c.send(new GetItemCommand({ TableName: table, Key: { id: { S: 'o-1' } }, ConsistentRead: true }))).Item?.amount?.N;
      } catch (error) {
        return (error as Error).name;
      } finally {
        c.destroy();
      }
    };
    expect(await read(ROLES.acme, `acme-${run}-orders`)).toBe('100');
    expect(await read(ROLES.globex, `globex-${run}-orders`)).toBe('200');
    // The other accounts do not even have the table.
    expect(await read(ROLES.acme, `globex-${run}-orders`)).toBe('ResourceNotFoundException');
    expect(await read(ROLES.initech, `acme-${run}-orders`)).toBe('ResourceNotFoundException');
    expect(await read(ROLES.globex, `acme-${run}-orders`)).toBe('ResourceNotFoundException');
    // And the base account has neither.
    expect(await read('local', `acme-${run}-orders`)).toBe('ResourceNotFoundException');
  });

  test('AssumeRole is called by the real SDK with the registry’s role, external id, session name, tags and duration', async () => {
    const { db } = setup();
    const before = sts.calls.length;
    await forPartner(db, 'acme').model(Order).get({ id: 'none' });
    await forPartner(db, 'initech').model(Order).get({ id: 'none' });
    const [acme, initech] = sts.calls.slice(before);
    expect(acme).toMatchObject({ roleArn: ROLES.acme, externalId: 'ext-acme-1', sessionName: 'dynamorm-acme', tags: { partner: 'acme', tier: 'gold' }, signedBy: 'local', ok: true });
    expect(initech).toMatchObject({ roleArn: ROLES.initech, externalId: undefined, sessionName: 'dynamorm-initech', durationSeconds: 900, ok: true });
  });

  test('operations carry the partner and the prefixed table on their context', async () => {
    const { db } = setup();
    sent.length = 0;
    await forPartner(db, 'globex').model(Order).put({ id: 'ctx', amount: 1 });
    await db.model(Order).get({ id: 'ctx' }).catch(() => undefined); // the base account has no such table
    expect(sent.map((r) => [r.context.partner, r.context.table])).toEqual([
      ['globex', `globex-${run}-orders`],
      [undefined, db.tableName(Order)],
    ]);
  });

  test('the same database while cached; an unknown partner is a typed error, nothing sent', async () => {
    const { db } = setup();
    expect(forPartner(db, 'acme')).toBe(forPartner(db, 'acme'));
    expect(forPartner(db, 'acme')).not.toBe(forPartner(db, 'globex'));
    const requests = proxy.stats.requests;
    expect(() => forPartner(db, 'hooli')).toThrow(UnknownPartnerError);
    expect(proxy.stats.requests).toBe(requests);
  });
});

describe('credentials', () => {
  test('concurrent first calls for one partner share one AssumeRole (single flight)', async () => {
    sts.role(ROLES.globex, { delayMs: 300 });
    try {
      const { db } = setup();
      const before = sts.assumed(ROLES.globex);
      const orders = forPartner(db, 'globex').model(Order);
      await Promise.all(Array.from({ length: 50 }, (_, n) => orders.get({ id: `sf-${n}` })));
      expect(sts.assumed(ROLES.globex) - before).toBe(1);
    } finally {
      sts.role(ROLES.globex, { delayMs: 0 });
    }
  });

  test('a refused AssumeRole is a PartnerCredentialsError, nothing reaches DynamoDB, and the next call retries', async () => {
    const { db } = setup();
    sts.role(ROLES.initech, { fail: { code: 'AccessDenied', count: 1 } });
    const orders = forPartner(db, 'initech').model(Order);
    proxy.resetStats();
    const error = await orders.create({ id: 'denied', amount: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PartnerCredentialsError);
    expect(error).toMatchObject({ name: 'PartnerCredentialsError', code: 'PARTNER_CREDENTIALS', partner: 'initech', stsCode: 'AccessDenied' });
    expect(proxy.stats.requests).toBe(0);
    // Not poisoned: the next call asks STS again, and succeeds.
    const created = await orders.create({ id: 'denied', amount: 5 });
    expect(created.amount).toBe(5);
    expect(proxy.stats.requests).toBe(1);
  });

  test('a wrong external id is refused by the role (AccessDenied), as a typed error', async () => {
    const db = testDb({ endpoint: proxy.endpoint, region: 'eu-west-1' });
    const partners = partnerAccounts(db, {
      registry: definePartners({ acme: { roleArn: ROLES.acme, externalId: 'ext-wrong', tablePrefix: `acme-${run}-` } }),
      sts: { endpoint: sts.endpoint },
    });
    opened.push(partners);
    await expect(forPartner(db, 'acme').model(Order).get({ id: 'x' })).rejects.toMatchObject({ name: 'PartnerCredentialsError', stsCode: 'AccessDenied' });
  });

  test('a failed refresh while the credentials in hand are still good uses them, and the next request retries STS', async () => {
    // Lifetime 300 + 1 s: the SDK refreshes once fewer than 300 s remain, i.e. after one second.
    sts.role(ROLES.globex, { lifetimeSeconds: 301 });
    try {
      const { db } = setup();
      const orders = forPartner(db, 'globex').model(Order);
      const before = sts.calls.filter((c) => c.roleArn === ROLES.globex).length;
      await orders.get({ id: 'r' });
      sts.role(ROLES.globex, { fail: { code: 'ServiceUnavailable', status: 503, count: 100 } });
      await new Promise((r) => setTimeout(r, 1100));
      // The refresh fails (the STS client's own retries included); 300 s are left, so the request goes on.
      await expect(orders.get({ id: 'r' })).resolves.toBeUndefined();
      const failed = sts.calls.filter((c) => c.roleArn === ROLES.globex && !c.ok).length;
      expect(failed).toBeGreaterThan(0);
      sts.role(ROLES.globex, { fail: undefined });
      await orders.get({ id: 'r' });
      const calls = sts.calls.filter((c) => c.roleArn === ROLES.globex).slice(before);
      expect(calls.map((c) => c.ok)).toEqual([true, ...Array<boolean>(failed).fill(false), true]);
    } finally {
      sts.role(ROLES.globex, { lifetimeSeconds: undefined, fail: undefined });
    }
  });

  test('a failed refresh of credentials about to expire is a PartnerCredentialsError; the next call recovers', async () => {
    // 30 s left is under the SDK's 300 s window (it asks on every request) and under the fallback floor.
    sts.role(ROLES.initech, { lifetimeSeconds: 30 });
    try {
      const { db } = setup();
      const orders = forPartner(db, 'initech').model(Order);
      await orders.get({ id: 'e' });
      sts.role(ROLES.initech, { fail: { code: 'AccessDenied', count: 1 } });
      await expect(orders.get({ id: 'e' })).rejects.toBeInstanceOf(PartnerCredentialsError);
      await expect(orders.get({ id: 'e' })).resolves.toBeUndefined();
    } finally {
      sts.role(ROLES.initech, { lifetimeSeconds: undefined, fail: undefined });
    }
  });
});

describe('cache', () => {
  test('the least recently used partner goes first, and its client is destroyed', async () => {
    const { db, partners } = setup(2);
    const acme = forPartner(db, 'acme');
    await acme.model(Order).get({ id: 'x' });
    const acmeClient = acme.client;
    const destroyed = vi.spyOn(acmeClient, 'destroy');
    const globex = forPartner(db, 'globex');
    await globex.model(Order).get({ id: 'x' });
    forPartner(db, 'acme'); // acme is now the most recently used
    const globexDestroyed = vi.spyOn(globex.client, 'destroy');
    forPartner(db, 'initech'); // evicts globex, not acme
    expect(partners.cached()).toEqual(['acme', 'initech']);
    expect(globexDestroyed).toHaveBeenCalledTimes(1);
    expect(destroyed).not.toHaveBeenCalled();
    forPartner(db, 'globex'); // evicts acme
    expect(destroyed).toHaveBeenCalledTimes(1);
    // A new database for acme, which assumes the role again.
    const before = sts.assumed(ROLES.acme);
    expect(forPartner(db, 'acme')).not.toBe(acme);
    await forPartner(db, 'acme').model(Order).get({ id: 'x' });
    expect(sts.assumed(ROLES.acme) - before).toBe(1);
  });

  test('an evicted partner with a request in flight is destroyed when the request ends', async () => {
    sts.role(ROLES.globex, { delayMs: 400 });
    try {
      const { db } = setup(1);
      const globex = forPartner(db, 'globex');
      const destroyed = vi.spyOn(globex.client, 'destroy');
      const inFlight = globex.model(Order).put({ id: 'late', amount: 7 });
      await new Promise((r) => setTimeout(r, 100)); // the request now waits for STS (400 ms)
      forPartner(db, 'acme'); // evicts globex while its request waits for STS
      expect(destroyed).not.toHaveBeenCalled();
      await expect(inFlight).resolves.toMatchObject({ id: 'late' });
      expect(destroyed).toHaveBeenCalledTimes(1);
    } finally {
      sts.role(ROLES.globex, { delayMs: 0 });
    }
  });
});

describe('scope', () => {
  test("a partner's database refuses to run in another partner's scope, before anything is sent", async () => {
    const { db } = setup();
    const acme = forPartner(db, 'acme').model(Order);
    await acme.get({ id: 'warm' });
    proxy.resetStats();
    sent.length = 0;
    const stsBefore = sts.calls.length;
    const refused = await withPartner('globex', () => acme.create({ id: 'wrong', amount: 1 })).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PartnerScopeError);
    expect(refused).toMatchObject({ code: 'PARTNER_SCOPE', partner: 'acme', scopePartner: 'globex' });
    // Deep in the call chain, after awaits and timers, too.
    const deep = await withPartner('globex', async () => {
      await new Promise((r) => setTimeout(r, 5));
      return Promise.resolve().then(() => acme.get({ id: 'warm' }));
    }).catch((e: unknown) => e);
    expect(deep).toBeInstanceOf(PartnerScopeError);
    expect(proxy.stats.requests).toBe(0);
    expect(sent).toHaveLength(0); // the refusal is outermost: no other middleware saw the request
    expect(sts.calls.length).toBe(stsBefore);
    // Its own scope and no scope at all are fine; so is a scope that only sets a tenant.
    await withPartner('acme', () => acme.get({ id: 'warm' }));
    await acme.get({ id: 'warm' });
    await withScope({ tenant: 'm-1' }, () => acme.get({ id: 'warm' }));
  });

  test('forPartner(db) without an id picks the partner of the scope; without one it is a typed error', async () => {
    const { db } = setup();
    const picked = withPartner('globex', () => forPartner(db));
    expect(picked).toBe(forPartner(db, 'globex'));
    expect(() => forPartner(db)).toThrow(PartnerScopeError);
    expect(() => withPartner('hooli', () => forPartner(db))).toThrow(UnknownPartnerError);
  });

  test('withPartner puts the partner on the context of base-database operations too', async () => {
    const { db } = setup();
    sent.length = 0;
    await withPartner('acme', () => db.model(Order).get({ id: 'x' })).catch(() => undefined);
    expect(sent[0]?.context.partner).toBe('acme');
  });
});
