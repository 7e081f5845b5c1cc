/**
 * scripts/count-lines.mjs (docs/less-code.md): what counts as a line of code. Comments and blank
 * lines never count, a line of code does even with a comment after it, and comment markers inside
 * strings are not comments.
 */
import fc from 'fast-check';
import { expect, test } from 'vitest';

type Counter = {
  stripComments(source: string): string;
  countCode(source: string): { lines: number; chars: number };
};
const { stripComments, countCode } = (await import(new URL('../../scripts/count-lines.mjs', import.meta.url).href)) as Counter;

test('blank lines, line comments and block comments (TSDoc) do not count', () => {
  const source = ['/**', ' * A TSDoc block.', ' */', '', 'const a = 1;', '  // a note', '/* one */ /* two */', 'const b = 2; // trailing', '   ', '/* starts', 'ends */ const c = 3;'].join('\n');
  expect(countCode(source)).toEqual({ lines: 3, chars: 'consta=1;constb=2;constc=3;'.length });
});

test('comment markers inside strings and template literals are code', () => {
  const source = ["const url = 'https://example.com';", 'const glob = "src/*";', 'const t = `a // b ${1}`;', "const q = 'it\\'s // here';"].join('\n');
  expect(stripComments(source)).toBe(source);
  expect(countCode(source).lines).toBe(4);
});

test('stripping keeps the line structure, and never adds code', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom('const x = 1;', '// c', '/* c */', '/*', '*/', ' * c', '', '  ', "'s'", 'y();'), { maxLength: 30 }), (parts) => {
      const source = parts.join('\n');
      const stripped = stripComments(source);
      expect(stripped.split('\n')).toHaveLength(source.split('\n').length);
      expect(countCode(source).lines).toBeLessThanOrEqual(source.split('\n').filter((l) => l.trim() !== '').length);
    }),
  );
});
