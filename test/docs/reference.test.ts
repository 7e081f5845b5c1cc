/**
 * The reference pages (docs/reference/) are complete tables, so they must not go stale: every error
 * class any package entry exports is on errors.md, every `attr` builder and `Attr` modifier on
 * attributes.md, every option of `DynamORMConfig` and every environment variable the code reads on
 * configuration.md. The lists come from the code itself (the entries imported, the source parsed),
 * never from a list kept here.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { describe, expect, test } from 'vitest';
import { Attr, attr } from '../../src/index.js';
import { ENVIRONMENT_VARIABLES } from '../../src/presets/index.js';

const root = join(import.meta.dirname, '..', '..');
const read = (file: string): string => readFileSync(join(root, file), 'utf8');

function walk(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((entry) => {
    const path = `${dir}/${entry}`;
    return statSync(join(root, path)).isDirectory() ? walk(path) : [path];
  });
}

/** Table rows of a page by the code span that starts their first cell (`` `name` ``, `` `attr.name(...)` ``). */
const rowNames = (page: string): string[] => [...page.matchAll(/^\| `([^`]+)`[^|]*\|/gm)].map((m) => m[1] as string);

/** Every entry of the package: package.json "exports" and every src/**\/index.ts. */
function entries(): { name: string; file: string }[] {
  const exports = JSON.parse(read('package.json')).exports as Record<string, { import?: { default: string } } | string>;
  const found = new Map<string, string>();
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value === 'string') continue;
    const file = (value.import?.default as string).replace('./dist/esm/', 'src/').replace(/\.js$/, '.ts');
    found.set(file, name === '.' ? 'dynamorm' : `dynamorm/${name.slice(2)}`);
  }
  for (const file of walk('src').filter((f) => f.endsWith('/index.ts'))) {
    if (!found.has(file)) found.set(file, file.replace(/^src\//, 'dynamorm/').replace(/\/index\.ts$/, ''));
  }
  return [...found].map(([file, name]) => ({ name, file }));
}

/** Names of the public (not private, not internal) methods of a class in a source file. */
function publicMethods(file: string, className: string): string[] {
  const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.ES2022, true);
  const names: string[] = [];
  source.forEachChild((node) => {
    if (!ts.isClassDeclaration(node) || node.name?.text !== className) return;
    for (const member of node.members) {
      if (!ts.isMethodDeclaration(member) || !ts.isIdentifier(member.name)) continue;
      const hidden = (ts.getModifiers(member) ?? []).some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword);
      if (!hidden) names.push(member.name.text);
    }
  });
  return names;
}

/** Property names of an interface in a source file. */
function interfaceProperties(file: string, name: string): string[] {
  const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.ES2022, true);
  const names: string[] = [];
  source.forEachChild((node) => {
    if (ts.isInterfaceDeclaration(node) && node.name.text === name) {
      for (const member of node.members) if (ts.isPropertySignature(member) && ts.isIdentifier(member.name)) names.push(member.name.text);
    }
  });
  return names;
}

const VARIABLE = /^(?:AWS|DYNAMORM|DYNAMODB)_[A-Z0-9_]+$|^_X_AMZN_TRACE_ID$|^CI$|^NO_COLOR$/;

/** Environment variables a source file reads: `env.X`, `env['X']`, and `'DYNAMORM_...'`-style names in strings. */
function variablesRead(file: string): string[] {
  const source = ts.createSourceFile(file, read(file), ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  const visit = (node: ts.Node): void => {
    const assigned = node.parent !== undefined && ts.isBinaryExpression(node.parent) && node.parent.left === node && node.parent.operatorToken.kind === ts.SyntaxKind.EqualsToken;
    if (ts.isPropertyAccessExpression(node) && /(^|\.)env$/.test(node.expression.getText(source)) && !assigned && VARIABLE.test(node.name.text)) names.add(node.name.text);
    if (ts.isElementAccessExpression(node) && /(^|\.)env$/.test(node.expression.getText(source)) && ts.isStringLiteral(node.argumentExpression)) names.add(node.argumentExpression.text);
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && /^(?:AWS|DYNAMORM|DYNAMODB)_[A-Z0-9_]+$/.test(node.text)) names.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  return [...names];
}

describe('docs/reference/errors.md', () => {
  const page = read('docs/reference/errors.md');
  const documented = rowNames(page);

  test('lists every error class exported by every entry of the package, and no other', async () => {
    const exported = new Map<string, string>();
    for (const entry of entries()) {
      const module = (await import(pathToFileURL(join(root, entry.file)).href)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(module)) {
        if (typeof value === 'function' && (value === Error || value.prototype instanceof Error)) exported.set(name, exported.get(name) ?? entry.name);
      }
    }
    expect(exported.size).toBeGreaterThan(40);
    const missing = [...exported].filter(([name]) => !documented.includes(name)).map(([name, entry]) => `${name} (${entry})`);
    expect(missing, 'exported error classes missing from docs/reference/errors.md').toEqual([]);
    const stale = documented.filter((name) => !exported.has(name));
    expect(stale, 'rows of docs/reference/errors.md that no entry exports').toEqual([]);
  });

  test('every code on the page is one the source raises', () => {
    const source = walk('src')
      .filter((f) => f.endsWith('.ts'))
      .map(read)
      .join('\n');
    const codes = [...page.matchAll(/^\| `\w+`[^|]*\| ([^|]+) \|/gm)].flatMap((m) => [...(m[1] as string).matchAll(/`([A-Z_]+)`/g)].map((c) => c[1] as string));
    expect(codes.length).toBeGreaterThan(40);
    expect(codes.filter((code) => !source.includes(`'${code}'`))).toEqual([]);
  });

  test('every row says what the error guarantees about the table', () => {
    const rows = page.split('\n').filter((l) => /^\| `\w+Error`[^|]*\|/.test(l));
    expect(rows.length).toBeGreaterThan(40);
    for (const line of rows) {
      const cells = line.split(' | ');
      expect(cells.length, line).toBe(4);
      expect((cells[3] as string).replace(/\|$/, '').trim().length, line).toBeGreaterThan(5);
    }
  });
});

describe('docs/reference/attributes.md', () => {
  const page = read('docs/reference/attributes.md');
  const documented = rowNames(page);

  test('lists every builder of attr', () => {
    const builders = Object.keys(attr);
    expect(builders.length).toBeGreaterThan(20);
    const missing = builders.filter((name) => !documented.some((row) => row.startsWith(`attr.${name}(`) || row.startsWith(`attr.${name}<`)));
    expect(missing).toEqual([]);
  });

  test('lists every public modifier of Attr', () => {
    const modifiers = publicMethods('src/model/attributes.ts', 'Attr');
    expect(modifiers).toContain('optional');
    // The source parse and the runtime agree (a method added elsewhere would be missed otherwise).
    const runtime = Object.getOwnPropertyNames(Attr.prototype).filter((n) => n !== 'constructor' && n !== 'with');
    expect(runtime.sort()).toEqual([...modifiers].sort());
    const missing = modifiers.filter((name) => !documented.some((row) => row.startsWith(`.${name}(`)));
    expect(missing).toEqual([]);
  });
});

describe('docs/reference/configuration.md', () => {
  const page = read('docs/reference/configuration.md');
  const documented = rowNames(page);
  const variableCells = [...page.matchAll(/^\| ([^|]+) \|/gm)].flatMap((m) => [...(m[1] as string).matchAll(/`([A-Z_][A-Z0-9_]*)`/g)].map((v) => v[1] as string));

  test('lists every option of DynamORMConfig and every field of RetryPolicy', () => {
    const options = interfaceProperties('src/config.ts', 'DynamORMConfig');
    expect(options.length).toBeGreaterThan(15);
    expect(options.filter((o) => !documented.includes(o))).toEqual([]);
    const retry = interfaceProperties('src/config.ts', 'RetryPolicy');
    expect(retry.filter((o) => !documented.includes(o))).toEqual([]);
  });

  test('lists every variable configFromEnv reads (ENVIRONMENT_VARIABLES), with the option it sets', () => {
    for (const variable of ENVIRONMENT_VARIABLES) {
      const row = page.split('\n').find((l) => l.startsWith(`| \`${variable.name}\` |`));
      expect(row, variable.name).toBeDefined();
      expect(row, variable.name).toContain(`\`${variable.option.split(' ')[0]}\``);
    }
  });

  test('lists every environment variable the source reads, in any entry', () => {
    const files = walk('src').filter((f) => f.endsWith('.ts'));
    const read = new Map<string, string>();
    for (const file of files) for (const name of variablesRead(file)) if (!read.has(name)) read.set(name, relative(root, join(root, file)));
    expect(read.has('DYNAMORM_CURSOR_SECRET')).toBe(true);
    expect(read.has('AWS_LAMBDA_FUNCTION_NAME')).toBe(true);
    const missing = [...read].filter(([name]) => !variableCells.includes(name)).map(([name, file]) => `${name} (${file})`);
    expect(missing).toEqual([]);
  });
});
