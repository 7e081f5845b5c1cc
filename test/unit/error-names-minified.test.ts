/**
 * Error names survive minification: the Lambda guide bundles with `esbuild --minify`, which renames
 * classes, and logs then said `h: ...`. Every error class DynamORM exports is bundled minified here,
 * constructed from the bundle, and must report its own name.
 */
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import * as api from '../../src/index.js';

const errorClasses = Object.entries(api).filter(
  ([, value]) => typeof value === 'function' && (value === api.DynamORMError || value.prototype instanceof api.DynamORMError),
) as [string, typeof api.DynamORMError][];

describe('error names in a minified bundle', () => {
  test('every exported error class is found', () => {
    expect(errorClasses.map(([name]) => name)).toEqual(expect.arrayContaining(['ValidationError', 'WriteInDoubtError', 'DeadlineExceededError', 'ItemAlreadyExistsError']));
    expect(errorClasses.length).toBeGreaterThanOrEqual(17);
  });

  test('each reports its own name, not the minified class name', async () => {
    const index = fileURLToPath(new URL('../../src/index.ts', import.meta.url));
    const names = errorClasses.map(([name]) => name);
    const result = await build({
      stdin: {
        contents: `import * as api from ${JSON.stringify(index)};\nexport const names = ${JSON.stringify(names)}.map((n) => [n, Object.create(api[n].prototype).constructor.name, api[n].errorName]);\nexport const made = new api.ValidationError([{ path: ['a'], rule: 'type', message: 'bad' }]);`,
        resolveDir: process.cwd(),
        loader: 'ts',
      },
      bundle: true,
      minify: true,
      format: 'esm',
      platform: 'node',
      external: ['@aws-sdk/*'],
      write: false,
    });
    // Written inside node_modules so the bundle's imports of the (external) SDK resolve.
    const dir = fileURLToPath(new URL('../../node_modules/.cache/dynamorm-tests/', import.meta.url));
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `errors-min-${process.pid}.mjs`);
    writeFileSync(file, result.outputFiles[0]?.text ?? '');
    const mod = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as { names: [string, string, string][]; made: Error };
    rmSync(file, { force: true });
    // The classes were renamed by the minifier...
    expect(mod.names.some(([name, minified]) => name !== minified)).toBe(true);
    // ...and the names errors report were not.
    for (const [name, , reported] of mod.names) expect(reported).toBe(name);
    expect(mod.made.name).toBe('ValidationError');
    expect(String(mod.made)).toMatch(/^ValidationError: /);
  });
});
