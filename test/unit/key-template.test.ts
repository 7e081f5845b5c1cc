import { describe, expect, test } from 'vitest';
import { fillTemplate, parseKey, parseTemplate, templatePrefix } from '../../src/model/key-template.js';

describe('key templates', () => {
  const t = parseTemplate('TENANT#{tenantId}#TXN#{transactionId}');

  test('parses fields in order', () => {
    expect(t.fields).toEqual(['tenantId', 'transactionId']);
  });

  test('fills and parses back', () => {
    const filled = fillTemplate(t, { tenantId: 'acme', transactionId: 'tx-1' });
    expect(filled).toEqual({ key: 'TENANT#acme#TXN#tx-1' });
    expect(parseKey(t, 'TENANT#acme#TXN#tx-1')).toEqual({ tenantId: 'acme', transactionId: 'tx-1' });
  });

  test('reports a missing field and a value holding the next separator', () => {
    expect(fillTemplate(t, { tenantId: 'acme' })).toEqual({ missing: 'transactionId' });
    expect(fillTemplate(t, { tenantId: 'a#TXN#b', transactionId: 'x' })).toEqual({ separator: '#TXN#', field: 'tenantId' });
  });

  test('the last field may hold anything', () => {
    expect(parseKey(t, 'TENANT#acme#TXN#a#TXN#b')).toEqual({ tenantId: 'acme', transactionId: 'a#TXN#b' });
  });

  test('prefix stops at the first missing field', () => {
    expect(templatePrefix(t, { tenantId: 'acme' })).toBe('TENANT#acme#TXN#');
  });

  test('rejects keys that do not match', () => {
    expect(parseKey(t, 'OTHER#acme')).toBeUndefined();
  });

  test('rejects malformed templates', () => {
    expect(() => parseTemplate('A#{x}{y}')).toThrow(/literal text between/);
    expect(() => parseTemplate('A#{}')).toThrow(/empty placeholder/);
    expect(() => parseTemplate('A#{x}#{x}')).toThrow(/twice/);
    expect(() => parseTemplate('A#{x')).toThrow(/unbalanced/);
  });
});
