// Bundle-size budget, run by `npm test` (npm run test:bundle). Bundles the benchmark's Lambda handler
// written with DynamORM and the same handler written with the raw SDK (bench/lib/bundle.mjs: minified,
// platform node, `@aws-sdk/*` external), and fails when DynamORM's code (the gzip difference) exceeds
// the budget in bench/budget.json. Bytes only, no timing, so it is deterministic on every machine.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { bundleHandler } from '../bench/lib/bundle.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);
const budget = JSON.parse(readFileSync('bench/budget.json', 'utf8'));
const raw = await bundleHandler('bench/handlers/raw-sdk.ts');
const orm = await bundleHandler('bench/handlers/dynamorm.ts');
const gzip = orm.gzip - raw.gzip;
const bytes = orm.bytes - raw.bytes;
const limit = budget.libraryGzipBytes;
const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
const line = `DynamORM code in the handler bundle: ${bytes} B minified, ${gzip} B gzip (${kib(gzip)}); budget ${limit} B gzip (${kib(limit)}), target ${kib(budget.targetGzipBytes)}`;
if (gzip > limit) {
  console.error(`bundle-size budget exceeded: ${line}`);
  console.error('Keep code out of the handler bundle (lazy or separate entry points), or raise the budget in bench/budget.json with a reason.');
  process.exit(1);
}
console.log(`bundle-size budget ok: ${line}`);
