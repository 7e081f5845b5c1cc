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
assert.equal(typeof require('dynamorm/testing').startLocalDynamoDB, 'function');
console.log('package: import and require both load dynamorm and dynamorm/testing');
