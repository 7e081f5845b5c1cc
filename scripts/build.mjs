// Builds the package: ESM + declarations with tsc (dist/esm), and CommonJS with esbuild, file by file
// (dist/cjs, marked "type": "commonjs"), with the same declarations beside it. File by file rather
// than one bundle per entry, so `dynamorm` and `dynamorm/lambda` share one copy of every module
// (one AsyncLocalStorage for deadlines, one set of error classes for instanceof).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

function files(dir, suffix) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return files(path, suffix);
    return path.endsWith(suffix) ? [path] : [];
  });
}

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

await build({
  // The CLI is an ES module only (top-level await; it runs as the package's bin, never through require).
  entryPoints: files('src', '.ts').filter((f) => !f.split(/[\\/]/).includes('cli')),
  outdir: 'dist/cjs',
  outbase: 'src',
  bundle: false,
  format: 'cjs',
  platform: 'node',
  // Optional peers are loaded on demand with import(); in CommonJS that becomes require(), which jest
  // (and any CommonJS host without ESM support in its module system) can run.
  supported: { 'dynamic-import': false },
  target: 'node20',
  logLevel: 'warning',
});
writeFileSync('dist/cjs/package.json', `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
for (const declaration of files('dist/esm', '.d.ts')) {
  const target = join('dist/cjs', declaration.slice('dist/esm/'.length));
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(declaration, target);
}
