/**
 * The docs site (`npm run docs`): it builds (Markdown pages and the TypeDoc API reference), and every
 * link in it works: each relative href or src names a file of the site, each anchor an id of its page.
 * Links from the Markdown to repository files the site does not carry (source, tests) are checked
 * against the repository instead.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const site = join(root, 'site');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

/** Every `id="..."` (and TypeDoc's `name="..."` anchors) of an HTML page. */
const idsCache = new Map<string, Set<string>>();
function ids(file: string): Set<string> {
  let found = idsCache.get(file);
  if (!found) {
    const html = readFileSync(file, 'utf8');
    found = new Set([...html.matchAll(/\s(?:id|name)="([^"]*)"/g)].map((m) => decodeURIComponent(m[1] as string)));
    idsCache.set(file, found);
  }
  return found;
}

const unescape = (s: string) => s.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>');

describe('the docs site', () => {
  beforeAll(() => {
    execFileSync(process.execPath, ['scripts/build-docs.mjs'], { cwd: root, stdio: 'pipe' });
  }, 180_000);

  test('has a page for the README, every doc and the API reference of every package entry', () => {
    expect(existsSync(join(site, 'index.html'))).toBe(true);
    expect(existsSync(join(site, 'docs/guides/lambda.html'))).toBe(true);
    const api = readFileSync(join(site, 'api/index.html'), 'utf8');
    const exports = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports as Record<string, unknown>);
    for (const name of exports.filter((n) => n !== './package.json')) {
      expect(api).toContain(name === '.' ? '>dynamorm<' : `>dynamorm/${name.slice(2)}<`);
    }
  });

  test('every relative link and anchor of every page resolves', () => {
    const broken: string[] = [];
    const pages = walk(site).filter((f) => f.endsWith('.html'));
    expect(pages.length).toBeGreaterThan(20);
    for (const page of pages) {
      const html = readFileSync(page, 'utf8');
      for (const match of html.matchAll(/\s(?:href|src)="([^"]*)"/g)) {
        const link = unescape(match[1] as string);
        if (/^[a-z]+:/i.test(link) || link.startsWith('//')) continue;
        const [path, anchor] = link.split('#') as [string, string | undefined];
        const target = path === '' ? page : join(dirname(page), decodeURIComponent(path));
        if (!existsSync(target) || statSync(target).isDirectory()) {
          broken.push(`${relative(site, page)}: ${link} (no such file)`);
        } else if (anchor && target.endsWith('.html') && !ids(target).has(decodeURIComponent(anchor))) {
          broken.push(`${relative(site, page)}: ${link} (no such anchor)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  test('links from the Markdown to repository files name files that exist', () => {
    const broken: string[] = [];
    const markdown = ['README.md', ...walk(join(root, 'docs')).map((f) => relative(root, f))].filter((f) => f.endsWith('.md'));
    for (const file of markdown) {
      const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const match of text.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        const link = match[1] as string;
        if (/^[a-z]+:/i.test(link) || link.startsWith('#')) continue;
        const path = link.split('#')[0] as string;
        if (!existsSync(join(root, posix.dirname(file), path))) broken.push(`${file}: ${link}`);
      }
    }
    expect(broken).toEqual([]);
  });
});
