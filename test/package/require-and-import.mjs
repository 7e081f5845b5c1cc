// Checks the built package loads both ways, as users load it: import (ESM) and require (CommonJS).
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';

const require = createRequire(import.meta.url);
const esm = await import('dynamorm');
const cjs = require('dynamorm');
for (const mod of [esm, cjs]) {
  assert.equal(typeof mod.DynamORM.create, 'function');
  assert.equal(typeof mod.model, 'function');
  const M = mod.model('Thing', { table: 't', attributes: { id: mod.attr.string().partitionKey() } });
  assert.equal(M.compiled.partitionKey.name, 'id');
}
assert.equal(typeof (await import('dynamorm/testing')).startLocalDynamoDB, 'function');
// dynamorm/attr: the same builders as the attr object, through both formats.
for (const [attrModule, mod] of [[await import('dynamorm/attr'), esm], [require('dynamorm/attr'), cjs]]) {
  assert.deepEqual(Object.keys(attrModule).filter((k) => k !== 'default').sort(), Object.keys(mod.attr).sort());
  for (const name of Object.keys(mod.attr)) assert.equal(attrModule[name], mod.attr[name]);
}
assert.equal(typeof (await import('dynamorm/lambda')).withDynamORM, 'function');
assert.equal(typeof require('dynamorm/lambda').withDynamORM, 'function');
assert.equal(typeof (await import('dynamorm/audit')).audit, 'function');
assert.equal(typeof require('dynamorm/audit').audit, 'function');
assert.equal(typeof (await import('dynamorm/idempotency')).makeIdempotent, 'function');
assert.equal(typeof require('dynamorm/idempotency').makeIdempotent, 'function');
assert.equal(typeof require('dynamorm/testing').startLocalDynamoDB, 'function');
assert.equal(typeof (await import('dynamorm/tenants')).withTenant, 'function');
assert.equal(typeof require('dynamorm/tenants').tenants, 'function');
assert.equal(typeof (await import('dynamorm/partners')).forPartner, 'function');
assert.equal(typeof require('dynamorm/partners').partnerAccounts, 'function');
assert.equal(typeof (await import('dynamorm/presets')).configFromEnv, 'function');
assert.equal(typeof require('dynamorm/presets').production, 'function');
assert.equal(typeof (await import('dynamorm/encryption')).encrypted, 'function');
assert.equal(typeof require('dynamorm/encryption').encryption, 'function');
assert.equal(typeof (await import('dynamorm/unique')).uniqueValues, 'function');
assert.equal(typeof require('dynamorm/unique').findByUnique, 'function');
assert.equal(typeof (await import('dynamorm/ephemeral')).ephemeral, 'function');
assert.equal(typeof require('dynamorm/ephemeral').ephemeral, 'function');
assert.equal(typeof (await import('dynamorm/migrations')).defineMigration, 'function');
assert.equal(typeof require('dynamorm/migrations').runMigration, 'function');
assert.equal(typeof (await import('dynamorm/cost')).costPlugin, 'function');
assert.equal(typeof require('dynamorm/cost').estimateWrite, 'function');
assert.equal(typeof (await import('dynamorm/sharding')).sharded, 'function');
assert.equal(typeof require('dynamorm/sharding').sharded, 'function');
// One copy of each module per format: the lambda entry's deadlines reach the core's requests.
assert.equal(require('dynamorm/lambda').DeadlineExceededError, cjs.DeadlineExceededError);
assert.equal((await import('dynamorm/lambda')).DeadlineExceededError, esm.DeadlineExceededError);
await cjs.withDeadline(Date.now() + 1000, async () => assert.ok(require('dynamorm/lambda').currentDeadline()));
// The observability entries (their optional peers, @opentelemetry/api and prom-client, are devDependencies here).
for (const [entry, name] of [['dynamorm/metrics', 'metricsPlugin'], ['dynamorm/tracing', 'tracingPlugin'], ['dynamorm/logging', 'loggingPlugin']]) {
  assert.equal(typeof (await import(entry))[name], 'function');
  assert.equal(typeof require(entry)[name], 'function');
}
// The resilience and cache entries (the cache's optional peer, redis, is a devDependency here).
for (const [entry, name] of [['dynamorm/circuit-breaker', 'circuitBreaker'], ['dynamorm/batcher', 'batcher'], ['dynamorm/cache', 'cachePlugin']]) {
  assert.equal(typeof (await import(entry))[name], 'function');
  assert.equal(typeof require(entry)[name], 'function');
}
console.log('package: import and require both load dynamorm, dynamorm/attr, dynamorm/lambda, dynamorm/testing, dynamorm/metrics, dynamorm/tracing and dynamorm/logging');
