/**
 * Partner accounts keep the database's kind, and a registry written in code makes its ids a type:
 * asking its accounts for another id fails to compile.
 */
import { describe, expectTypeOf, test } from 'vitest';
import { Database, DynamORM } from '../../src/index.js';
import { definePartners, forPartner, partnerAccounts, type PartnerRegistry } from '../../src/partners/index.js';

const registry = definePartners({
  acme: { roleArn: 'arn:aws:iam::123456789012:role/acme', region: 'eu-west-1' },
  globex: { roleArn: 'arn:aws:iam::123456789012:role/globex' },
});

describe('partner accounts', () => {
  test('definePartners keeps the ids as literal types', () => {
    expectTypeOf(registry).toEqualTypeOf<PartnerRegistry<'acme' | 'globex'>>();
  });

  test('a partner database is of the same kind as the base database', () => {
    const full = DynamORM.create();
    const core = Database.create();
    expectTypeOf(forPartner(full, 'acme')).toEqualTypeOf<DynamORM>();
    expectTypeOf(forPartner(core, 'acme')).toEqualTypeOf<Database>();
    const accounts = partnerAccounts(full, { registry });
    expectTypeOf(accounts.get('globex')).toEqualTypeOf<DynamORM>();
    // @ts-expect-error: not a partner of this registry
    accounts.get('hooli');
  });

  test('a registry entry needs a role ARN', () => {
    // @ts-expect-error: roleArn is required
    definePartners({ acme: { region: 'eu-west-1' } });
  });
});
