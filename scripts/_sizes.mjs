import { build } from 'esbuild';
const r = await build({ entryPoints: ['bench/handlers/dynamorm.ts'], bundle: true, minify: true, platform: 'node', target: 'node20', format: 'cjs', external: ['@aws-sdk/*'], write: false, metafile: true, outfile: 'x.cjs', logLevel: 'error' });
const out = Object.values(r.metafile.outputs)[0];
const rows = Object.entries(out.inputs).filter(([p]) => p.startsWith('src')).map(([p, i]) => [i.bytesInOutput, p]).sort((a, b) => b[0] - a[0]);
let t=0; for (const [b, p] of rows) { t+=b; console.log(String(b).padStart(6), p); } console.log(t);
