// Builds a Lambda layer of DynamORM for teams that share one copy across functions:
// `nodejs/node_modules/dynamorm` (the built dist, ESM and CommonJS, and a package.json) in a zip, the
// layout Lambda puts on the module path (/opt/nodejs/node_modules). `npm run build:layer` builds dist
// first; this script only packs it.
//
//   node scripts/build-layer.mjs [--dist dist] [--out dist-layer/dynamorm-layer.zip] [--writer zip|node]
//
// Left out: type declarations and source maps (nothing reads them at run time), the CLI (a deployment
// tool, never run in a function), development files. The AWS SDK is not in the layer: the Lambda
// Node.js runtimes ship it (give your functions a pinned copy if you need one).
// The zip is written by the `zip` command when it is installed, else by node:zlib (--writer forces one);
// either way it holds files only, no directory entries.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import zlib from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const { values } = parseArgs({ options: { dist: { type: 'string' }, out: { type: 'string' }, writer: { type: 'string' } } });
const dist = resolve(values.dist ?? join(root, 'dist'));
const out = resolve(values.out ?? join(root, 'dist-layer', 'dynamorm-layer.zip'));
const writer = values.writer ?? (hasZip() ? 'zip' : 'node');
if (!['zip', 'node'].includes(writer)) fail(`--writer is zip or node, not ${writer}`);
for (const entry of ['esm/index.js', 'cjs/index.js']) if (!existsSync(join(dist, entry))) fail(`${join(dist, entry)} is missing: run npm run build first (npm run build:layer does both)`);

// A dist older than package.json (a subpath added since the last build) would make a layer that
// fails at the first import of that subpath: refuse it.
for (const target of exportTargets(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports)) {
  if (!target.startsWith('./dist/') || /\.d\.[cm]?ts$/.test(target)) continue;
  if (!existsSync(join(dist, target.slice('./dist/'.length)))) fail(`${target} (in package.json's exports) is not in ${dist}: run npm run build first`);
}

function exportTargets(v) {
  return typeof v === 'string' ? [v] : v && typeof v === 'object' ? Object.values(v).flatMap(exportTargets) : [];
}

function fail(message) {
  console.error(`build-layer: ${message}`);
  process.exit(1);
}

function hasZip() {
  return spawnSync('zip', ['-v'], { stdio: 'ignore' }).status === 0;
}

/** Every file under `dir`, as paths relative to it, sorted (a stable zip for the same dist). */
function files(dir, base = dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? files(path, base) : [relative(base, path).split(sep).join('/')];
    });
}

/** Runtime files only: no declarations, no source maps, no CLI. */
const wanted = (path) => !/\.d\.[cm]?ts$/.test(path) && !path.endsWith('.map') && !/^(esm|cjs)\/cli\//.test(path);

/** The package.json a function needs: how to resolve the package and its subpaths, and its peers. */
function layerManifest() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const withoutTypes = (v) => (v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'types').map(([k, x]) => [k, withoutTypes(x)])) : v);
  const keep = ['name', 'version', 'description', 'license', 'type', 'engines', 'sideEffects', 'main', 'module', 'peerDependencies', 'peerDependenciesMeta'];
  return { ...Object.fromEntries(keep.filter((k) => pkg[k] !== undefined).map((k) => [k, pkg[k]])), exports: withoutTypes(pkg.exports) };
}

// Stage nodejs/node_modules/dynamorm.
const stage = mkdtempSync(join(tmpdir(), 'dynamorm-layer-'));
try {
  const pkgDir = join(stage, 'nodejs', 'node_modules', 'dynamorm');
  for (const file of files(dist).filter(wanted)) {
    mkdirSync(dirname(join(pkgDir, 'dist', file)), { recursive: true });
    copyFileSync(join(dist, file), join(pkgDir, 'dist', file));
  }
  writeFileSync(join(pkgDir, 'package.json'), `${JSON.stringify(layerManifest(), null, 2)}\n`);
  copyFileSync(join(root, 'LICENSE'), join(pkgDir, 'LICENSE'));

  mkdirSync(dirname(out), { recursive: true });
  rmSync(out, { force: true });
  if (writer === 'zip') {
    const run = spawnSync('zip', ['-q', '-r', '-X', '-D', out, 'nodejs'], { cwd: stage, stdio: 'inherit' });
    if (run.status !== 0) fail(`zip exited with ${run.status}`);
  } else {
    writeFileSync(out, zipFiles(stage, files(stage)));
  }
  const entries = files(stage).length;
  console.log(`build-layer: wrote ${relative(process.cwd(), out) || out} (${entries} files, ${(statSync(out).size / 1024).toFixed(0)} KiB, ${writer})`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}

// A zip archive (deflated entries, UTF-8 names, fixed timestamps) without a dependency.
function zipFiles(base, names) {
  const locals = [];
  const central = [];
  let offset = 0;
  for (const name of names) {
    const data = readFileSync(join(base, name));
    const packed = zlib.deflateRawSync(data, { level: 9 });
    const nameBytes = Buffer.from(name, 'utf8');
    const crc = crc32(data);
    // version 2.0, UTF-8 names (bit 11), deflate, 1980-01-01 00:00
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4);
    header.writeUInt16LE(0x0800, 6);
    header.writeUInt16LE(8, 8);
    header.writeUInt16LE(0, 10);
    header.writeUInt16LE(0x21, 12);
    header.writeUInt32LE(crc, 14);
    header.writeUInt32LE(packed.length, 18);
    header.writeUInt32LE(data.length, 22);
    header.writeUInt16LE(nameBytes.length, 26);
    header.writeUInt16LE(0, 28);
    locals.push(header, nameBytes, packed);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, version 2.0
    entry.writeUInt16LE(20, 6);
    entry.writeUInt16LE(0x0800, 8);
    entry.writeUInt16LE(8, 10);
    entry.writeUInt16LE(0, 12);
    entry.writeUInt16LE(0x21, 14);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(packed.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE((0o100644 << 16) >>> 0, 38); // a regular file, rw-r--r--
    entry.writeUInt32LE(offset, 42);
    central.push(entry, nameBytes);
    offset += header.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(names.length, 8);
  end.writeUInt16LE(names.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

function crc32(data) {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(data);
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}
