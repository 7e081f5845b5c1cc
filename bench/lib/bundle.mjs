// One esbuild configuration for every bundle the benchmarks and the bundle-size budget measure, so
// `npm test` (scripts/check-bundle-size.mjs) and docs/performance.md count the same bytes.
// Minified, platform node, target node20; `@aws-sdk/*` external as in the Lambda runtime, or bundled.
import { gzipSync } from 'node:zlib';
import { relative } from 'node:path';
import { build } from 'esbuild';

/**
 * Bundles one handler. Nothing is written unless `outfile` is given with `write: true`.
 * @param {string} entry handler source file
 * @param {{ sdk?: 'external' | 'bundled', format?: 'cjs' | 'esm', outfile?: string, write?: boolean }} [options]
 */
export async function bundleHandler(entry, options = {}) {
  const { sdk = 'external', format = 'cjs', outfile = `bundle.${format === 'esm' ? 'mjs' : 'cjs'}`, write = false } = options;
  const result = await build({
    absWorkingDir: process.cwd(), // esbuild otherwise keeps the directory it was loaded in
    entryPoints: [entry],
    outfile,
    write,
    bundle: true,
    minify: true,
    platform: 'node',
    target: 'node20',
    format,
    external: sdk === 'external' ? ['@aws-sdk/*'] : [],
    legalComments: 'none',
    metafile: true,
    logLevel: 'error',
    // An ESM bundle of CommonJS code (the SDK, ElectroDB) needs `require` for Node's built-ins.
    banner: format === 'esm' ? { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" } : {},
  });
  const code = write ? undefined : result.outputFiles?.[0]?.contents;
  const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint !== undefined) ?? Object.values(result.metafile.outputs)[0];
  const bytes = code ? code.length : output.bytes;
  const gzip = code ? gzipSync(code, { level: 9 }).length : undefined;
  // Minified bytes each input contributed, grouped by package (or `src` for this repository's code).
  const byPackage = {};
  const srcFiles = {};
  for (const [path, info] of Object.entries(output.inputs)) {
    const name = packageOf(path);
    byPackage[name] = (byPackage[name] ?? 0) + info.bytesInOutput;
    if (name === 'src' && info.bytesInOutput > 0) srcFiles[repoPath(path)] = info.bytesInOutput;
  }
  return { bytes, gzip, byPackage, srcFiles, code };
}

/**
 * A file's path relative to the repository root; a file of a base worktree (BENCH_BASE_REF,
 * `.bench-base/<short hash>/...`) relative to that worktree, so its `src/` counts as DynamORM's.
 */
function repoPath(path) {
  const p = relative(process.cwd(), path).split('\\').join('/');
  const base = /^\.bench-base\/[^/]+\/(.*)$/.exec(p);
  return base ? base[1] : p;
}

/** `node_modules/@scope/name/...` -> `@scope/name`; this repository's files -> `src` or `bench`. */
function packageOf(path) {
  const p = repoPath(path);
  const at = p.lastIndexOf('node_modules/');
  if (at < 0) return p.startsWith('src/') ? 'src' : p.split('/')[0];
  const parts = p.slice(at + 'node_modules/'.length).split('/');
  return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
}

/** gzip level 9 of a buffer, as every size in the report is counted. */
export function gzipBytes(buffer) {
  return gzipSync(buffer, { level: 9 }).length;
}
