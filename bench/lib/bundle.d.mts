/** Types for bundle.mjs (plain JavaScript so scripts/check-bundle-size.mjs runs without a TypeScript loader). */
export interface BundleOptions {
  sdk?: 'external' | 'bundled';
  format?: 'cjs' | 'esm';
  outfile?: string;
  write?: boolean;
}
export interface BundleResult {
  bytes: number;
  /** gzip -9 bytes; undefined when the bundle was written to disk. */
  gzip: number | undefined;
  /** Minified bytes each package contributed (`src`: DynamORM's own code, `bench`: the handler). */
  byPackage: Record<string, number>;
  /** Minified bytes of each file of this repository's src/ (DynamORM) in the bundle. */
  srcFiles: Record<string, number>;
  code: Uint8Array | undefined;
}
export function bundleHandler(entry: string, options?: BundleOptions): Promise<BundleResult>;
export function gzipBytes(buffer: Uint8Array): number;
