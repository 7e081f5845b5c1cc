import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  definePartners,
  parsePartnerRegistry,
  PartnerRegistryError,
  partnerRegistryFromEnv,
  partnerRegistryFromJson,
} from '../../../src/partners/index.js';

const good = { roleArn: 'arn:aws:iam::123456789012:role/dynamorm-acme', externalId: 'ext-123', region: 'eu-west-1', tablePrefix: 'acme-', sessionTags: { team: 'payments' } };

function issues(value: unknown): { partner: string | undefined; field: string | undefined; message: string }[] {
  try {
    parsePartnerRegistry(value);
  } catch (error) {
    expect(error).toBeInstanceOf(PartnerRegistryError);
    return [...(error as PartnerRegistryError).issues];
  }
  throw new Error('expected a PartnerRegistryError');
}

describe('partner registry', () => {
  test('a good registry comes back frozen, equal to what was given', () => {
    const registry = definePartners({ acme: good, globex: { roleArn: 'arn:aws-cn:iam::000000000001:role/path/to/role' } });
    expect(registry).toEqual({ acme: good, globex: { roleArn: 'arn:aws-cn:iam::000000000001:role/path/to/role' } });
    expect(Object.isFrozen(registry)).toBe(true);
    expect(Object.isFrozen(registry.acme)).toBe(true);
    expect(Object.isFrozen(registry.acme.sessionTags)).toBe(true);
  });

  test('one error lists every problem of every partner, each with partner and field', () => {
    const found = issues({
      acme: { roleArn: 'arn:aws:iam::12:role/x', externalId: 'x', region: 'Europe', rolArn: 'typo', durationSeconds: 60 },
      'bad id!': { roleArn: good.roleArn },
      globex: { tablePrefix: 'has space', sessionTags: { 'ok': 1, '': 'v' } },
      initech: 'arn:aws:iam::123456789012:role/x',
    });
    expect(found.map((i) => `${i.partner}.${i.field}`)).toEqual([
      'acme.rolArn',
      'acme.roleArn',
      'acme.externalId',
      'acme.region',
      'acme.durationSeconds',
      'bad id!.undefined',
      'globex.roleArn',
      'globex.tablePrefix',
      'globex.sessionTags[0]',
      'globex.sessionTags[1]',
      'initech.undefined',
    ]);
    expect(found.find((i) => i.field === 'rolArn')?.message).toBe('unknown field');
    expect(found.find((i) => i.partner === 'globex' && i.field === 'roleArn')?.message).toBe('required');
  });

  test('the message counts the problems and repeats no value (an external id is a secret)', () => {
    const secret = 'super-secret-external-id-<not valid because of these>';
    let error: PartnerRegistryError | undefined;
    try {
      parsePartnerRegistry({ acme: { roleArn: 'nope-arn-value', externalId: secret, sessionTags: { 'bad key value!': 'ok' } } });
    } catch (e) {
      error = e as PartnerRegistryError;
    }
    expect(error?.message).toMatch(/^invalid partner registry \(3 problems\): acme\.roleArn: /);
    for (const shown of [error?.message, JSON.stringify(error)]) {
      expect(shown).not.toContain(secret);
      expect(shown).not.toContain('nope-arn-value');
      expect(shown).not.toContain('bad key value!');
    }
  });

  test('JSON and the environment: invalid JSON and a missing variable are registry errors too', () => {
    const json = JSON.stringify({ acme: good });
    expect(partnerRegistryFromJson(json)).toEqual({ acme: good });
    expect(partnerRegistryFromEnv({ DYNAMORM_PARTNERS: json })).toEqual({ acme: good });
    expect(partnerRegistryFromEnv({ OTHER: json }, 'OTHER')).toEqual({ acme: good });
    expect(() => partnerRegistryFromEnv({})).toThrow(/DYNAMORM_PARTNERS is not set/);
    expect(() => partnerRegistryFromJson('{"acme": {"roleArn": "secret-ish"')).toThrow(/is not valid JSON$/);
    expect(() => partnerRegistryFromJson('[]')).toThrow(/must be an object of partners, got an array/);
    expect(() => partnerRegistryFromJson('null')).toThrow(PartnerRegistryError);
  });

  test('property: any value that is not a valid entry is refused with at least one issue naming its partner, and no value leaks', () => {
    const junk = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.constant(null),
      fc.array(fc.string()),
      fc.record({ roleArn: fc.string() }),
      fc.record({ roleArn: fc.constant(good.roleArn), region: fc.string({ minLength: 1 }).filter((s) => !/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/.test(s)) }),
      fc.record({ roleArn: fc.constant(good.roleArn), durationSeconds: fc.oneof(fc.integer({ max: 899 }), fc.integer({ min: 43_201 }), fc.double({ noInteger: true })) }),
      fc.record({ roleArn: fc.constant(good.roleArn), sessionTags: fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.constant(null)), { minKeys: 1 }) }),
      fc.dictionary(fc.string().filter((k) => !['roleArn', 'externalId', 'region', 'tablePrefix', 'sessionTags', 'durationSeconds'].includes(k)), fc.string(), { minKeys: 1 }),
    );
    fc.assert(
      fc.property(junk, fc.string({ minLength: 12, maxLength: 40 }).map((s) => `S3CR3T${s}`), (entry, secret) => {
        const withSecret = typeof entry === 'object' && entry !== null && !Array.isArray(entry) ? { ...entry, externalId: secret } : entry;
        let error: unknown;
        try {
          parsePartnerRegistry({ acme: withSecret });
        } catch (e) {
          error = e;
        }
        expect(error).toBeInstanceOf(PartnerRegistryError);
        const e = error as PartnerRegistryError;
        expect(e.issues.length).toBeGreaterThan(0);
        expect(e.issues.every((i) => i.partner === 'acme')).toBe(true);
        expect(e.message).not.toContain(secret);
      }),
      { numRuns: 500 },
    );
  });

  test('property: every well-formed entry is accepted unchanged', () => {
    const entry = fc.record(
      {
        roleArn: fc.tuple(fc.stringMatching(/^\d{12}$/), fc.stringMatching(/^[\w+=,.@-]{1,64}$/)).map(([a, r]) => `arn:aws:iam::${a}:role/${r}`),
        externalId: fc.stringMatching(/^[\w+=,.@:/-]{2,100}$/),
        region: fc.constantFrom('us-east-1', 'eu-west-1', 'ap-southeast-2', 'us-gov-west-1'),
        tablePrefix: fc.stringMatching(/^[A-Za-z0-9_.-]{0,20}$/),
        durationSeconds: fc.integer({ min: 900, max: 43_200 }),
        sessionTags: fc.dictionary(fc.stringMatching(/^[A-Za-z0-9_.:/=+@-]{1,20}$/), fc.stringMatching(/^[A-Za-z0-9_.:/=+@-]{0,20}$/), { maxKeys: 5 }),
      },
      { requiredKeys: ['roleArn'] },
    );
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,20}$/), entry, (id, e) => {
        expect(parsePartnerRegistry({ [id]: e })).toEqual({ [id]: e });
      }),
      { numRuns: 300 },
    );
  });
});
