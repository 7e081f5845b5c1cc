/**
 * The Lambda layer (`node scripts/build-layer.mjs`): written by the `zip` command and by the node:zlib
 * writer, its listing has the layout Lambda expects (nodejs/node_modules/dynamorm, runtime files only),
 * and a function resolves `dynamorm` from the unzipped layer as Lambda's runtime does: a CommonJS
 * handler through NODE_PATH (Lambda sets /opt/nodejs/node_modules on it), writing to and reading from
 * DynamoDB Local through the layer's copy; an ES module inside the layer's tree through the package's
 * own `exports`. The layer is made from a dist built for the test (the scripts run on a copy of the
 * sources), never from whatever dist/ holds.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { endpoint } from '../../support/db.js';
import { root } from './support.js';

const tmp = mkdtempSync(join(tmpdir(), 'dynamorm-layer-test-'));
const hasZip = spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0;
const PKG = 'nodejs/node_modules/dynamorm/';

const copy = join(tmp, 'package');
const dist = join(copy, 'dist');
const buildLayer = join(copy, 'scripts/build-layer.mjs');

beforeAll(() => {
  for (const f of ['src', 'scripts/build.mjs', 'scripts/build-layer.mjs', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'LICENSE']) cpSync(join(root, f), join(copy, f), { recursive: true });
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir');
  const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: copy, encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`scripts/build.mjs failed:\n${built.stdout}${built.stderr}`);
}, 300_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The entries of a zip, read from its central directory, with their contents inflated. */
function unzip(file: string): Map<string, Buffer> {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    expect(zip.readUInt32LE(at)).toBe(0x02014b50);
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.subarray(at + 46, at + 46 + nameLength).toString('utf8');
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataAt, dataAt + size);
    out.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nameLength + extra + comment;
  }
  return out;
}

function build(writer: 'zip' | 'node'): Map<string, Buffer> {
  const out = join(tmp, `layer-${writer}.zip`);
  execFileSync(process.execPath, [buildLayer, '--out', out, '--writer', writer], { cwd: copy, stdio: 'pipe' });
  if (spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0) expect(execFileSync('unzip', ['-t', out]).toString()).toContain('No errors detected');
  return unzip(out);
}

function extract(entries: Map<string, Buffer>, into: string): void {
  for (const [name, data] of entries) {
    mkdirSync(dirname(join(into, name)), { recursive: true });
    writeFileSync(join(into, name), data);
  }
}

const writers = (hasZip ? ['zip', 'node'] : ['node']) as ('zip' | 'node')[];

test('a dist older than package.json is refused, with what to do', () => {
  const stale = join(tmp, 'stale-dist');
  cpSync(dist, stale, { recursive: true });
  rmSync(join(stale, 'esm', 'lambda'), { recursive: true });
  const run = spawnSync(process.execPath, [buildLayer, '--dist', stale, '--out', join(tmp, 'stale.zip')], { encoding: 'utf8' });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain("./dist/esm/lambda/index.js (in package.json's exports) is not in");
  expect(run.stderr).toContain('run npm run build first');
});

describe.each(writers)('the layer zip (%s writer)', (writer) => {
  let entries: Map<string, Buffer>;
  beforeAll(() => {
    entries = build(writer);
  }, 120_000);

  test('has the layout Lambda expects, runtime files only', () => {
    const names = [...entries.keys()];
    expect(names.length).toBeGreaterThan(100);
    for (const n of names) expect(n.startsWith(PKG)).toBe(true);
    for (const n of ['package.json', 'LICENSE', 'dist/esm/index.js', 'dist/cjs/index.js', 'dist/cjs/package.json', 'dist/esm/lambda/index.js', 'dist/cjs/lambda/index.js']) expect(names).toContain(`${PKG}${n}`);
    expect(names.filter((n) => /\.d\.[cm]?ts$|\.map$|\/cli\/|\/(src|test|node_modules)\//.test(n.slice(PKG.length)))).toEqual([]);
  });

  test("its package.json resolves every subpath to a file in the layer, and carries no development fields", () => {
    const pkg = JSON.parse(String(entries.get(`${PKG}package.json`))) as Record<string, unknown>;
    const source = JSON.parse(readFileSync(join(copy, 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg).toMatchObject({ name: 'dynamorm', version: source.version, type: 'module', peerDependencies: source.peerDependencies });
    for (const k of ['devDependencies', 'scripts', 'files', 'bin', 'types']) expect(pkg[k]).toBeUndefined();
    const targets: string[] = [];
    const walk = (v: unknown): void => {
      if (typeof v === 'string') targets.push(v);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          expect(k).not.toBe('types');
          walk(x);
        }
      }
    };
    walk(pkg.exports);
    expect(Object.keys(pkg.exports as object)).toEqual(Object.keys(source.exports as object));
    for (const t of targets.filter((t) => t !== './package.json')) expect(entries.has(`${PKG}${t.slice(2)}`), t).toBe(true);
  });
});

describe('a function resolves dynamorm from the layer', () => {
  let opt: string;
  beforeAll(() => {
    opt = join(tmp, 'cjs', 'opt');
    extract(build(writers[0] as 'zip' | 'node'), opt);
  }, 120_000);

  test('CommonJS, through NODE_PATH as Lambda sets it: the layer copy writes and reads DynamoDB Local', () => {
    const task = join(tmp, 'cjs', 'task');
    mkdirSync(task, { recursive: true });
    writeFileSync(
      join(task, 'index.cjs'),
      `const { DynamORM, model, attr, tables } = require('dynamorm');
const { withDynamORM } = require('dynamorm/lambda');
const Note = model('Note', { table: 'layer-notes', attributes: { id: attr.string().partitionKey(), text: attr.string() } });
exports.handler = async () => {
  const db = DynamORM.create({ endpoint: process.env.DYNAMODB_ENDPOINT, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, tablePrefix: process.env.PREFIX });
  try {
    await tables(db).create([Note]);
    await db.model(Note).create({ id: 'n1', text: 'from the layer' });
    const read = await db.model(Note).get({ id: 'n1' }, { consistent: true });
    return { resolved: require.resolve('dynamorm'), lambda: typeof withDynamORM, text: read && read.text };
  } finally {
    db.destroy();
  }
};
exports.handler().then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e); process.exit(1); });
`,
    );
    // /var/runtime/node_modules (where Lambda's runtime keeps the AWS SDK) is played by this project's node_modules.
    const NODE_PATH = [join(opt, 'nodejs/node_modules'), join(root, 'node_modules')].join(':');
    const out = execFileSync(process.execPath, [join(task, 'index.cjs')], { cwd: task, env: { ...process.env, NODE_PATH, DYNAMODB_ENDPOINT: endpoint(), PREFIX: `layer${Date.now().toString(36)}-` }, encoding: 'utf8' });
    const result = JSON.parse(out.trim().split('\n').pop() as string) as { resolved: string; lambda: string; text: string };
    expect(result.resolved).toBe(join(opt, 'nodejs/node_modules/dynamorm/dist/cjs/index.js'));
    expect(result).toMatchObject({ lambda: 'function', text: 'from the layer' });
  });

  test('without the layer on the path the same handler does not find dynamorm (the test is not passing by accident)', () => {
    const run = spawnSync(process.execPath, [join(tmp, 'cjs', 'task', 'index.cjs')], { env: { ...process.env, NODE_PATH: join(root, 'node_modules') }, encoding: 'utf8' });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("Cannot find module 'dynamorm'");
  });

  test('an ES module resolves the layer package and its subpaths through its exports', () => {
    const esmRoot = join(tmp, 'esm');
    extract(unzip(join(tmp, `layer-${writers[0]}.zip`)), esmRoot);
    // Lambda's runtime resolves ES module imports from /opt/nodejs/node_modules itself; plain Node does
    // not read NODE_PATH for ES modules, so the module sits in the layer's tree, and the runtime's SDK is
    // played by a node_modules above it.
    symlinkSync(join(root, 'node_modules'), join(esmRoot, 'node_modules'), 'dir');
    writeFileSync(
      join(esmRoot, 'nodejs', 'check.mjs'),
      `import { model, attr } from 'dynamorm';
import { withDynamORM } from 'dynamorm/lambda';
const M = model('Thing', { table: 't', attributes: { id: attr.string().partitionKey() } });
console.log(JSON.stringify({ resolved: import.meta.resolve('dynamorm'), pk: M.compiled.partitionKey.name, lambda: typeof withDynamORM }));
`,
    );
    const out = execFileSync(process.execPath, [join(esmRoot, 'nodejs', 'check.mjs')], { encoding: 'utf8' });
    const result = JSON.parse(out.trim()) as { resolved: string; pk: string; lambda: string };
    expect(result.resolved).toBe(`file://${join(esmRoot, 'nodejs/node_modules/dynamorm/dist/esm/index.js')}`);
    expect(result).toMatchObject({ pk: 'id', lambda: 'function' });
  });
});
