/**
 * The docs project (`npm run test:docs`): every ```ts block of README.md and docs/**\/*.md type-checks
 * against src/ (see code-blocks.ts for how blocks become modules and when a block may opt out).
 */
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, test } from 'vitest';
import { checkDocs, extractBlocks, formatFailures, type CheckResult } from './code-blocks.js';

const root = fileURLToPath(new URL('../..', import.meta.url));

describe('the docs', () => {
  let result: CheckResult;
  beforeAll(() => {
    result = checkDocs(root);
  });

  test('every ts block in README.md and docs/ type-checks against src/', () => {
    const optOuts = result.blocks.filter((b) => b.mode !== 'module').map((b) => `${b.file}:${b.line} (${b.mode})`);
    console.log(`docs: ${result.blocks.length} ts blocks checked; isolated or not checked: ${optOuts.join(', ') || 'none'}`);
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
    ].join('\n');
    expect(extractBlocks(markdown, 'x.md')).toEqual([
      { file: 'x.md', line: 2, code: 'const a = 1;', mode: 'module' },
      { file: 'x.md', line: 7, code: 'const b = 2;', mode: 'isolated' },
      { file: 'x.md', line: 13, code: 'indexes: {}', mode: 'no-check' },
    ]);
    expect(() => extractBlocks('```ts nocheck\n```', 'y.md')).toThrow(/y\.md:1: unknown code-block option "nocheck"/);
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
