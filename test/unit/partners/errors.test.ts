import { describe, expect, test } from 'vitest';
import { DynamORMError } from '../../../src/index.js';
import { EventScopeError, PartnerCredentialsError, PartnerRegistryError, PartnerScopeError, UnknownPartnerError } from '../../../src/partners/index.js';

describe('partner errors', () => {
  test('each is a DynamORMError with a stable name and code', () => {
    const errors = [
      new PartnerRegistryError([{ partner: 'acme', field: 'roleArn', message: 'required' }]),
      new UnknownPartnerError('hooli'),
      new PartnerCredentialsError('acme', 'AccessDenied', new Error('denied')),
      new PartnerScopeError('acme', 'globex'),
      new EventScopeError('missing-partner', 'no partner'),
    ];
    expect(errors.every((e) => e instanceof DynamORMError)).toBe(true);
    expect(errors.map((e) => [e.name, e.code])).toEqual([
      ['PartnerRegistryError', 'PARTNER_REGISTRY'],
      ['UnknownPartnerError', 'UNKNOWN_PARTNER'],
      ['PartnerCredentialsError', 'PARTNER_CREDENTIALS'],
      ['PartnerScopeError', 'PARTNER_SCOPE'],
      ['EventScopeError', 'EVENT_SCOPE'],
    ]);
  });

  test('an unknown id is named only when it is a well-formed partner id (it may come from a request)', () => {
    expect(new UnknownPartnerError('hooli').message).toBe('no partner "hooli" in the partner registry');
    const odd = new UnknownPartnerError('<script>alert(1)</script>');
    expect(odd.message).toBe('no partner of that id in the partner registry');
    expect(odd.partner).toBe('<script>alert(1)</script>'); // still readable by code
  });

  test('a credentials error says nothing was sent and keeps the STS error as its (quiet) cause', () => {
    const cause = Object.assign(new Error('not authorized'), { name: 'AccessDenied', $response: { body: 'raw' } });
    const error = new PartnerCredentialsError('acme', 'AccessDenied', cause);
    expect(error.message).toBe('could not assume the role of partner "acme" (AccessDenied); nothing was sent');
    expect(error.cause).toBe(cause);
    expect(JSON.stringify(error)).not.toContain('raw');
  });
});
