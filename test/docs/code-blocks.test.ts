/**
 * The docs project (`npm run test:docs`): every ```ts block of README.md and docs/**\/*.md type-checks
 * against src/ (see code-blocks.ts for how blocks become modules and when a block may opt out).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { checkDocs, extractBlocks, formatFailures, runnableModule, type CheckResult } from './code-blocks.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the docs', () => {
  let result: CheckResult;
  beforeAll(() => {
    result = checkDocs(root);
  });

  test('every ts block in README.md and docs/ type-checks against src/', () => {
    const optOuts = result.blocks.filter((b) => b.mode !== 'module').map((b) => `${b.file}:${b.line} (${b.mode})`);
    console.log(`docs: ${result.blocks.length} ts blocks checked; isolated, not checked or throwing: ${optOuts.join(', ') || 'none'}`);
    expect(result.blocks.length).toBeGreaterThan(0);
    expect(formatFailures(result.failures)).toBe('');
  });

  test('blocks left unchecked stay rare', () => {
    const unchecked = result.blocks.filter((b) => b.mode === 'no-check');
    expect(unchecked.length).toBeLessThanOrEqual(Math.ceil(result.blocks.length / 10));
  });
});

describe('the checker', () => {
  test('extracts ts and typescript blocks, indented ones included, with their fence line and option', () => {
    const markdown = [
      '# Title', //                                                  1
      '```ts', //                                                    2
      'const a = 1;',
      '```',
      '- a list item:', //                                           5
      '',
      '  ```typescript isolated', //                                 7
      '  const b = 2;',
      '  ```',
      '```sh', //                                                   10
      'npm test',
      '```',
      '```ts no-check', //                                          13
      'indexes: {}',
      '```',
      '```ts throws', //                                            16
      'JSON.parse(\'{\'); // SyntaxError',
      '```',
    ].join('\n');
    expect(extractBlocks(markdown, 'x.md')).toEqual([
      { file: 'x.md', line: 2, code: 'const a = 1;', mode: 'module' },
      { file: 'x.md', line: 7, code: 'const b = 2;', mode: 'isolated' },
      { file: 'x.md', line: 13, code: 'indexes: {}', mode: 'no-check' },
      { file: 'x.md', line: 16, code: "JSON.parse('{'); // SyntaxError", mode: 'throws' },
    ]);
    expect(() => extractBlocks('```ts nocheck\n```', 'y.md')).toThrow(/y\.md:1: unknown code-block option "nocheck"/);
    expect(() => extractBlocks('```ts isolated throws\n```', 'y.md')).toThrow(/y\.md:1: one code-block option at most/);
  });

  test('reports a wrong block with its file, lines and the compiler message; joins blocks of a file', () => {
    const docs: Record<string, string> = {
      'wrong.md': [
        '```ts', //                                                  1
        "import { Database } from 'dynamorm';",
        'const orders = Database.create();',
        '```',
        'Text.', //                                                  5
        '```ts', //                                                  6
        "orders.model(Payment).where('status', '=', 'lost');", //   the enum has no 'lost'
        'await orders.tables.create(Payment);', //                   Database has no tables
        '```',
        '```ts no-check', //                                        10
        'this is not code',
        '```',
      ].join('\n'),
    };
    const { blocks, failures } = checkDocs(root, ['wrong.md'], (file) => docs[file] as string);
    expect(blocks.map((b) => b.mode)).toEqual(['module', 'module', 'no-check']);
    expect(failures.map((f) => [f.file, f.blockLine, f.line, f.code])).toEqual([
      ['wrong.md', 6, 7, 2345],
      ['wrong.md', 6, 8, 2339],
    ]);
    expect(formatFailures(failures)).toMatch(/^wrong\.md:8 \(block at line 6\): TS2339 Property 'tables' does not exist on type 'Database'/m);
  });
});

describe('the runnable module (the README tour, readme-tour.test.ts)', () => {
  const options = { specifiers: { dynamorm: pathToFileURL(join(root, 'src/index.ts')).href }, fixtures: pathToFileURL(join(root, 'test/docs/fixtures.ts')).href };
  /** Builds `markdown` as the tour is built and imports it; resolves to the module's failure, if any. */
  async function run(markdown: string): Promise<string | undefined> {
    const module = runnableModule(root, 'tour.md', options, () => markdown);
    const dir = mkdtempSync(join(tmpdir(), 'dynamorm-blocks-'));
    try {
      const file = join(dir, 'tour.ts');
      writeFileSync(file, module.text);
      await import(/* @vite-ignore */ pathToFileURL(file).href);
      return undefined;
    } catch (error) {
      return String(error);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test('rewrites the package imports, keeps the fixtures the blocks use and maps lines back', () => {
    const markdown = ['```ts', "import { model } from 'dynamorm';", 'const at = since;', '```', '```ts isolated', 'skipped();', '```'].join('\n');
    const module = runnableModule(root, 'tour.md', options, () => markdown);
    expect(module.text).toContain(`import { model } from ${JSON.stringify(options.specifiers.dynamorm)};`);
    expect(module.text).not.toContain('skipped');
    const lines = module.text.split('\n');
    expect(module.where(lines.indexOf('const at = since;') + 1)).toBe('tour.md:3');
    expect(module.where(1)).toBeUndefined();
    expect(() => runnableModule(root, 'tour.md', options, () => "```ts\nimport { x } from 'dynamorm/other';\n```")).toThrow(/tour\.md: no file for the import of dynamorm\/other/);
  });

  test('a throws block must reject with an error it names, and the program goes on after it', async () => {
    const tour = (throwing: string) => ['```ts', 'const values: number[] = [];', '```', '```ts throws', throwing, '```', '```ts', 'values.push(1);', 'if (since.getTime() !== Date.UTC(2026, 0, 1)) throw new Error(String(since));', '```'].join('\n');
    expect(await run(tour("JSON.parse('{'); // SyntaxError"))).toBeUndefined();
    expect(await run(tour('JSON.parse("1"); // SyntaxError'))).toMatch(/tour\.md:4: the throws block did not reject \(expected SyntaxError\)/);
    expect(await run(tour('null!.x; // SyntaxError'))).toMatch(/tour\.md:4: the block should reject with SyntaxError, not TypeError/);
    expect(() => runnableModule(root, 'tour.md', options, () => tour("JSON.parse('{');"))).toThrow(/tour\.md:4: a throws block names the error it expects/);
  });
});
