import { expectTypeOf, test } from 'vitest';
import { DynamORM, type Database, type DynamORMConfig } from '../../src/index.js';
import { lambdaDatabase } from '../../src/lambda/index.js';
import { configFromEnv, lambda, localDevelopment, mergeConfig, production } from '../../src/presets/index.js';

test('presets and configFromEnv are configurations every factory takes', () => {
  expectTypeOf(production()).toEqualTypeOf<DynamORMConfig>();
  expectTypeOf(configFromEnv({ AWS_REGION: 'eu-west-1' })).toEqualTypeOf<DynamORMConfig>();
  expectTypeOf(mergeConfig(lambda(), configFromEnv(), undefined)).toEqualTypeOf<DynamORMConfig>();
  expectTypeOf(lambdaDatabase(() => mergeConfig(lambda(), configFromEnv()))).toEqualTypeOf<() => Database>();
  expectTypeOf(DynamORM.create(localDevelopment())).toEqualTypeOf<DynamORM>();
});

test('overrides are checked like any configuration', () => {
  production({ maxAttempts: 5, clientConfig: { retryMode: 'adaptive', requestHandler: { httpsAgent: { maxSockets: 256 } } } });
  // @ts-expect-error maxAttempts is a number
  production({ maxAttempts: '5' });
  // @ts-expect-error not an option
  lambda({ maxSocket: 3 });
  // @ts-expect-error configFromEnv takes an environment of strings
  configFromEnv({ AWS_MAX_ATTEMPTS: 3 });
});
