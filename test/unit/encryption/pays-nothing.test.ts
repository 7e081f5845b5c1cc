/**
 * A program without encrypted fields pays nothing for encryption: the benchmark's plain handler
 * bundles no file of src/encryption and no KMS client, and the core imports nothing from the
 * encryption entry. A handler that uses it carries it (and the KMS client only as a lazy import).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { bundleHandler } from '../../../bench/lib/bundle.mjs';

type Bundle = { bytes: number; gzip: number; srcFiles: Record<string, number>; byPackage: Record<string, number>; code: Uint8Array };

/** Every .ts file under a directory. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('field encryption costs only those who use it', () => {
  test('no core file imports the encryption folder', () => {
    const core = sources('src').filter((f) => !f.startsWith(join('src', 'encryption')));
    for (const file of core) expect(readFileSync(file, 'utf8'), file).not.toMatch(/from '\.\.?\/(\.\.\/)*encryption\//);
  });

  test('the plain handler bundles no encryption code and no KMS client; an encrypted one does', async () => {
    const plain = (await bundleHandler('bench/handlers/dynamorm.ts')) as Bundle;
    expect(Object.keys(plain.srcFiles).filter((f) => f.startsWith('src/encryption/'))).toEqual([]);
    expect(Buffer.from(plain.code).toString('utf8')).not.toContain('client-kms');
    const sealed = (await bundleHandler('test/unit/encryption/fixtures/encrypted-handler.ts')) as Bundle;
    const files = Object.keys(sealed.srcFiles).filter((f) => f.startsWith('src/encryption/'));
    expect(files).toEqual(expect.arrayContaining(['src/encryption/attribute.js', 'src/encryption/extension.js'].map((f) => f.replace('.js', '.ts'))));
    // The KMS client is imported on first use only: external here, and not loaded at start.
    expect(Buffer.from(sealed.code).toString('utf8')).toMatch(/import\(["']@aws-sdk\/client-kms["']\)|require\(["']@aws-sdk\/client-kms["']\)/);
    console.log(`encryption in a handler bundle: +${sealed.gzip - plain.gzip} B gzip (${plain.gzip} B without, ${sealed.gzip} B with)`);
  }, 60_000);
});
