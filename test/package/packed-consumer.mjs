// Packs the package as `npm publish` would (`npm pack`, which builds it first through `prepack`) and
// uses the tarball from a fresh consumer project: import (ESM), require (CommonJS) and the type
// declarations under TypeScript's node16 resolution. The consumer gets the AWS SDK and TypeScript from
// this repository's node_modules (linked), so no network is needed; DYNAMORM_DEPS_DIR names another
// node_modules to take them from (scripts/test-other-nodes.sh: the newest AWS SDK on Node.js 22).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'dynamorm-pack-'));
try {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const out = execFileSync(npm, ['pack', '--pack-destination', work, '--json'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const [packed] = JSON.parse(out.slice(out.indexOf('[')));
  const files = packed.files.map((f) => f.path);
  for (const needed of ['dist/esm/index.js', 'dist/cjs/index.js', 'dist/esm/index.d.ts', 'dist/cjs/index.d.ts', 'dist/esm/lambda/index.js', 'README.md']) {
    if (!files.includes(needed)) throw new Error(`the packed package lacks ${needed}`);
  }
  if (files.some((f) => f.startsWith('src/') || f.startsWith('test/'))) throw new Error('the packed package ships sources or tests');

  const consumer = join(work, 'consumer');
  const modules = join(consumer, 'node_modules');
  mkdirSync(join(modules, 'dynamorm'), { recursive: true });
  execFileSync('tar', ['-xzf', join(work, packed.filename), '-C', join(modules, 'dynamorm'), '--strip-components=1']);
  // The consumer's other packages: this repository's, or another set (DYNAMORM_DEPS_DIR, a node_modules
  // holding, say, the newest AWS SDK) to check the package against it.
  const deps = process.env.DYNAMORM_DEPS_DIR ? resolve(process.env.DYNAMORM_DEPS_DIR) : join(root, 'node_modules');
  for (const dep of readdirSync(deps)) {
    if (dep === 'dynamorm' || dep.startsWith('.')) continue;
    symlinkSync(join(deps, dep), join(modules, dep));
  }
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  const model = "model('Payment', { table: 'payments', attributes: { id: attr.string().partitionKey(), amount: attr.cents() } })";
  writeFileSync(join(consumer, 'esm.mjs'), `import { Database, model } from 'dynamorm';\nimport * as attr from 'dynamorm/attr';\nimport { withDynamORM } from 'dynamorm/lambda';\nconst P = ${model};\nconst db = Database.create({ region: 'us-east-1' });\nif (db.model(P).tableName !== 'payments' || typeof withDynamORM !== 'function') throw new Error('esm');\nconsole.log('esm ok');\n`);
  writeFileSync(join(consumer, 'cjs.cjs'), `const { DynamORM, model, attr } = require('dynamorm');\nconst P = ${model};\nif (DynamORM.create({ region: 'us-east-1' }).model(P).tableName !== 'payments') throw new Error('cjs');\nconsole.log('cjs ok');\n`);
  writeFileSync(
    join(consumer, 'types.mts'),
    `import { Database, model, type Item } from 'dynamorm';\nimport * as attr from 'dynamorm/attr';\nconst P = ${model};\ntype P = Item<typeof P>;\nconst p: P = { id: 'p1', amount: 1250 };\n// @ts-expect-error amount is a number\nconst bad: P = { id: 'p2', amount: '12.50' };\nvoid Database.create().model(P).create(p);\nvoid bad;\n`,
  );
  writeFileSync(join(consumer, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: false, types: ['node'] }, files: ['types.mts'] }));
  execFileSync(process.execPath, ['esm.mjs'], { cwd: consumer, stdio: 'inherit' });
  execFileSync(process.execPath, ['cjs.cjs'], { cwd: consumer, stdio: 'inherit' });
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: consumer, stdio: 'inherit' });
  // The built CLI, as the package's bin runs it: help, and a template from a models module.
  const bin = JSON.parse(readFileSync(join(modules, 'dynamorm', 'package.json'), 'utf8')).bin.dynamorm;
  writeFileSync(join(consumer, 'models.mjs'), `import { model } from 'dynamorm';\nimport * as attr from 'dynamorm/attr';\nexport const P = ${model};\n`);
  const cli = (...args) => execFileSync(process.execPath, [join(modules, 'dynamorm', bin), ...args], { cwd: consumer, encoding: 'utf8' });
  if (!cli('help').includes('dynamorm <command>')) throw new Error('the CLI does not print its help');
  if (!cli('generate', '--models', 'models.mjs', '--format', 'terraform').includes('resource "aws_dynamodb_table" "payments"')) throw new Error('the CLI does not generate');
  // The test kit under three runners, each starting its own DynamoDB Local (no DYNAMODB_ENDPOINT).
  const runners = process.env.DYNAMORM_SKIP_RUNNERS ? [] : ['node:test', 'vitest', 'jest'];
  if (runners.length > 0) {
    for (const file of readdirSync(join(root, 'test', 'package', 'consumers'))) copyFileSync(join(root, 'test', 'package', 'consumers', file), join(consumer, file));
    const env = { ...process.env, DYNAMODB_ENDPOINT: '', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };
    const run = (args) => execFileSync(process.execPath, args, { cwd: consumer, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    run(['--test', 'kit.node.test.mjs']);
    run([join(modules, 'vitest', 'vitest.mjs'), 'run', 'kit.vitest.test.mjs', '--root', consumer]);
    run([join(modules, 'jest', 'bin', 'jest.js'), '--rootDir', consumer, '--testMatch', '**/kit.jest.test.cjs', '--ci']);
  }
  const sdk = JSON.parse(readFileSync(join(modules, '@aws-sdk', 'client-dynamodb', 'package.json'), 'utf8')).version;
  console.log(`package: the packed tarball (${packed.files.length} files, ${packed.size} B) works in a fresh consumer on Node.js ${process.version} with @aws-sdk/client-dynamodb ${sdk}: import, require, types, the CLI${runners.length > 0 ? `; the test kit under ${runners.join(', ')}` : ''}`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
