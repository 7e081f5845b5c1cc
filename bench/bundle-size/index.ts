/**
 * Bundle size stage: each handler bundled by esbuild (bench/lib/bundle.mjs: minified, platform node,
 * CommonJS), once with `@aws-sdk/*` external as in the Lambda runtime and once with the SDK inside.
 * A library's own code is the external bundle minus the raw-SDK handler's bundle (bytes and gzip
 * bytes): what the library adds to a function over the same handler written by hand. The minified
 * bytes each package contributes (esbuild's metafile) are kept as a cross-check.
 */
import { bundleHandler } from '../lib/bundle.mjs';
import { BASELINE, VARIANTS } from '../lib/variants.js';
import { writeResult } from '../lib/stats.js';

export interface SizeRow {
  readonly external: { bytes: number; gzip: number };
  readonly bundled: { bytes: number; gzip: number };
  /** External bundle minus the raw-SDK handler's external bundle. */
  readonly library: { bytes: number; gzip: number };
  /** Minified bytes by package in the external bundle (`src`: DynamORM, `bench`: handler code). */
  readonly byPackage: Record<string, number>;
  /** DynamORM only: minified bytes by source file. */
  readonly srcFiles: Record<string, number>;
}

export async function bundleSize(): Promise<Record<string, SizeRow>> {
  const measured: Record<string, Omit<SizeRow, 'library'>> = {};
  for (const v of VARIANTS) {
    const external = await bundleHandler(v.entry, { sdk: 'external' });
    const bundled = await bundleHandler(v.entry, { sdk: 'bundled' });
    measured[v.id] = {
      external: { bytes: external.bytes, gzip: external.gzip ?? NaN },
      bundled: { bytes: bundled.bytes, gzip: bundled.gzip ?? NaN },
      byPackage: external.byPackage,
      srcFiles: external.srcFiles,
    };
  }
  const base = measured[BASELINE]?.external;
  if (!base) throw new Error('baseline not measured');
  const rows = Object.fromEntries(
    Object.entries(measured).map(([id, m]) => [id, { ...m, library: { bytes: m.external.bytes - base.bytes, gzip: m.external.gzip - base.gzip } }]),
  );
  writeResult('bundle-size', rows);
  return rows;
}
