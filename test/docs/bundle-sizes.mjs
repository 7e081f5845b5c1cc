// The bundle sizes README.md quotes for its two styles: `node test/docs/bundle-sizes.mjs`.
// The benchmark's Lambda handler (bench/handlers/dynamorm.ts: create, get, query 10, update) is written
// with the core `Database` and `import * as attr from 'dynamorm/attr'`. It is bundled as it is, and as
// copies whose import lines take `DynamORM` (as `Database`, so nothing else changes) and the `attr`
// object instead, the way the bundle-size budget bundles (bench/lib/bundle.mjs: esbuild, minified,
// platform node, `@aws-sdk/*` external). DynamORM's share is the gzip difference against the same
// handler written with the raw SDK (bench/handlers/raw-sdk.ts), as in scripts/check-bundle-size.mjs.
// The copies are written to a temporary directory and removed afterwards.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleHandler } from '../../bench/lib/bundle.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
process.chdir(root);

const HANDLER = 'bench/handlers/dynamorm.ts';
const IMPORTS = "import { Database, model } from '../../src/index.js';\nimport * as attr from '../../src/attr.js';\n";
const source = readFileSync(HANDLER, 'utf8');
if (!source.includes(IMPORTS)) throw new Error(`${HANDLER} no longer starts its imports with:\n${IMPORTS}Update test/docs/bundle-sizes.mjs.`);

/** The handler with other import lines, its relative imports made absolute. */
function variant(imports) {
  const src = join(root, 'src');
  return source.replace(IMPORTS, imports.replaceAll('SRC', src)).replaceAll("from './", `from '${join(root, 'bench/handlers')}/`);
}

const variants = [
  ['Database, functions, dynamorm/attr', undefined],
  ['DynamORM, attr object', "import { DynamORM as Database, attr, model } from 'SRC/index.ts';\n"],
  ['Database, attr object', "import { Database, attr, model } from 'SRC/index.ts';\n"],
  ['DynamORM, dynamorm/attr', "import { DynamORM as Database, model } from 'SRC/index.ts';\nimport * as attr from 'SRC/attr.ts';\n"],
];
const dir = mkdtempSync(join(tmpdir(), 'dynamorm-bundle-'));
try {
  const raw = await bundleHandler('bench/handlers/raw-sdk.ts');
  console.log(`DynamORM's code in the benchmark handler (${HANDLER}), gzip, minus the raw SDK handler's:`);
  for (const [label, imports] of variants) {
    let entry = HANDLER;
    if (imports) {
      entry = join(dir, `${label.replace(/\W+/g, '-')}.ts`);
      writeFileSync(entry, variant(imports));
    }
    const share = (await bundleHandler(entry)).gzip - raw.gzip;
    console.log(`  ${label.padEnd(36)} ${String(share).padStart(6)} B (${(share / 1024).toFixed(1)} KiB)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
