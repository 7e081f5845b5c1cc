/**
 * The five handler variants, in report order. The raw SDK is the baseline of every ratio. With
 * BENCH_BASE_REF set, a sixth right after DynamORM: `base`, DynamORM at that commit (bench/lib/base.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { baseRef } from './base.js';

export interface Variant {
  /** Short id: file names, partition keys, JSON keys. */
  readonly id: string;
  /** Name in the report. */
  readonly name: string;
  /** Handler source: relative to the repository root (the working directory), or absolute (the base worktree's). */
  readonly entry: string;
  /** The npm package measured (undefined for the raw SDK and for DynamORM itself). */
  readonly pkg?: string;
}

/** Id of DynamORM at the BENCH_BASE_REF commit (present only with that knob). */
export const BASE = 'base';

function baseVariants(): Variant[] {
  const base = baseRef();
  return base ? [{ id: BASE, name: `DynamORM at ${base.short}`, entry: base.entry }] : [];
}

export const VARIANTS: readonly Variant[] = [
  { id: 'raw', name: 'AWS SDK v3 DocumentClient (baseline)', entry: 'bench/handlers/raw-sdk.ts', pkg: '@aws-sdk/lib-dynamodb' },
  { id: 'dynamorm', name: 'DynamORM', entry: 'bench/handlers/dynamorm.ts' },
  ...baseVariants(),
  { id: 'onetable', name: 'OneTable', entry: 'bench/handlers/onetable.ts', pkg: 'dynamodb-onetable' },
  { id: 'electrodb', name: 'ElectroDB', entry: 'bench/handlers/electrodb.ts', pkg: 'electrodb' },
  { id: 'toolbox', name: 'DynamoDB-Toolbox', entry: 'bench/handlers/toolbox.ts', pkg: 'dynamodb-toolbox' },
];

export const BASELINE = 'raw';

/** A variant's handler as a URL for `import()`, whether its entry is relative to the repository root or absolute. */
export function entryUrl(v: Variant): string {
  return pathToFileURL(resolve(v.entry)).href;
}

export function variant(id: string): Variant {
  const v = VARIANTS.find((x) => x.id === id);
  if (!v) throw new Error(`unknown variant ${id}; known: ${VARIANTS.map((x) => x.id).join(', ')}`);
  return v;
}

/** Installed version of a package (read from its package.json, so the report names what ran). */
export function installedVersion(pkg: string): string {
  const require = createRequire(import.meta.url);
  try {
    return (require(`${pkg}/package.json`) as { version: string }).version;
  } catch {
    // Packages whose exports hide package.json: find it beside the resolved entry.
    const entry = require.resolve(pkg);
    const root = entry.slice(0, entry.lastIndexOf(`node_modules/${pkg}/`) + `node_modules/${pkg}/`.length);
    return (JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { version: string }).version;
  }
}

/** Versions of everything the report compares. */
export function versions(): Record<string, string> {
  const out: Record<string, string> = { node: process.version };
  for (const pkg of ['@aws-sdk/client-dynamodb', '@aws-sdk/lib-dynamodb', '@aws-sdk/util-dynamodb', 'dynamodb-onetable', 'electrodb', 'dynamodb-toolbox', 'esbuild']) {
    out[pkg] = installedVersion(pkg);
  }
  return out;
}
