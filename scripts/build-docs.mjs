// `npm run docs`: the static docs site in site/ (git-ignored).
// - README.md becomes site/index.html; docs/**/*.md become site/docs/**/*.html, with a navigation bar
//   generated from the folders (getting started, guides, reference, architecture).
// - The API reference is generated from the TSDoc comments by TypeDoc into site/api/, one module per
//   package entry (`dynamorm`, `dynamorm/attr`, `dynamorm/lambda`, ... read from package.json "exports").
// - Links between Markdown files become links between pages; links to other repository files (source,
//   tests) become code spans, since the site does not carry them. test/docs/site.test.ts checks every
//   link and anchor of the built site.
// Options: --no-api skips TypeDoc (for the link checker's quick runs).
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { Marked } from 'marked';

const root = process.cwd();
const out = join(root, 'site');
const withApi = !process.argv.includes('--no-api');

/** Markdown files of the site, repository-relative, README first. */
export function sourcePages() {
  const walk = (dir) =>
    readdirSync(join(root, dir)).flatMap((entry) => {
      const path = posix.join(dir, entry);
      if (statSync(join(root, path)).isDirectory()) return walk(path);
      return path.endsWith('.md') ? [path] : [];
    });
  return ['README.md', ...walk('docs').sort(), ...['CONTRIBUTING.md', 'SECURITY.md', 'CODE_OF_CONDUCT.md', 'CHANGELOG.md'].filter((f) => statSync(join(root, f), { throwIfNoEntry: false }))];
}

/** The page a Markdown file becomes (README.md -> index.html). */
const pageOf = (file) => (file === 'README.md' ? 'index.html' : file.replace(/\.md$/, '.html'));

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function slugger() {
  const seen = new Map();
  return (text) => {
    const base = text
      .toLowerCase()
      .trim()
      .replace(/<[^>]+>/g, '')
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    return count === 0 ? base : `${base}-${count}`;
  };
}

const escapeHtml = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Renders one Markdown file to the HTML of its page body. */
function render(file, markdown) {
  const slug = slugger();
  const marked = new Marked({
    gfm: true,
    renderer: {
      heading({ tokens, depth }) {
        const text = this.parser.parseInline(tokens);
        const id = slug(tokens.map((t) => t.raw ?? '').join(''));
        return `<h${depth} id="${escapeHtml(id)}"><a class="anchor" href="#${escapeHtml(id)}">#</a>${text}</h${depth}>\n`;
      },
      link({ href, title, tokens }) {
        const text = this.parser.parseInline(tokens);
        const target = rewriteLink(file, href);
        if (target === undefined) return `<code>${text}</code>`;
        return `<a href="${escapeHtml(target)}"${title ? ` title="${escapeHtml(title)}"` : ''}>${text}</a>`;
      },
    },
  });
  return marked.parse(markdown);
}

/**
 * Where a link of `file` goes on the site: external and anchor links unchanged, Markdown files to their
 * page, other repository files to nothing (rendered as code).
 */
export function rewriteLink(file, href) {
  if (/^[a-z]+:/i.test(href) || href.startsWith('#')) return href;
  const [path, anchor] = href.split('#');
  const target = posix.normalize(posix.join(posix.dirname(file), path));
  if (!target.endsWith('.md')) return undefined;
  const link = posix.relative(posix.dirname(pageOf(file)), pageOf(target)) || posix.basename(pageOf(target));
  return anchor === undefined ? link : `${link}#${anchor}`;
}

function titleOf(markdown, file) {
  return /^#\s+(.+)$/m.exec(markdown)?.[1].replace(/`/g, '') ?? file;
}

function navigation(pages, current) {
  const start = (f) => f === 'README.md' || f === 'docs/getting-started.md';
  const groups = [
    ['Getting started', start],
    ['Guides', (f) => f.startsWith('docs/guides/')],
    ['Reference', (f) => f.startsWith('docs/reference/')],
    ['Project', (f) => !start(f) && !f.startsWith('docs/guides/') && !f.startsWith('docs/reference/')],
  ];
  const here = posix.dirname(pageOf(current));
  const href = (page) => posix.relative(here, page) || posix.basename(page);
  let html = '<nav>';
  for (const [name, test] of groups) {
    const members = pages.filter((p) => test(p.file));
    if (members.length === 0 && name !== 'Reference') continue;
    html += `<h3>${name}</h3><ul>`;
    for (const p of members) html += `<li${p.file === current ? ' class="here"' : ''}><a href="${href(pageOf(p.file))}">${escapeHtml(p.title)}</a></li>`;
    if (name === 'Reference' && withApi) html += `<li><a href="${href('api/index.html')}">API (from the TSDoc comments)</a></li>`;
    html += '</ul>';
  }
  return `${html}</nav>`;
}

const STYLE = `body{margin:0;font:16px/1.55 system-ui,sans-serif;color:#1d2330;display:flex}
nav{width:260px;flex:none;padding:1rem 1.2rem;background:#f3f5f8;min-height:100vh;box-sizing:border-box;font-size:14px}
nav h3{margin:1.2rem 0 .3rem;font-size:12px;text-transform:uppercase;color:#5a6475}nav ul{list-style:none;margin:0;padding:0}
nav li{margin:.2rem 0}nav li.here a{font-weight:600;color:#0b5cad}nav a{color:#1d2330;text-decoration:none}
main{max-width:860px;padding:1rem 2.5rem 4rem;min-width:0}a{color:#0b5cad}
pre{background:#f6f8fa;padding:.8rem 1rem;overflow:auto;border-radius:6px;font-size:13.5px}code{font-size:90%}
table{border-collapse:collapse;display:block;max-width:100%;overflow-x:auto}td code{overflow-wrap:anywhere}td,th{border:1px solid #d5dae1;padding:.3rem .6rem;vertical-align:top}
h1,h2,h3,h4{position:relative}a.anchor{position:absolute;left:-1.1em;color:#c0c6cf;text-decoration:none;visibility:hidden}
h1:hover a.anchor,h2:hover a.anchor,h3:hover a.anchor,h4:hover a.anchor{visibility:visible}img{max-width:100%}`;

function layout(title, nav, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · DynamORM</title><style>${STYLE}</style></head><body>${nav}<main>${body}</main></body></html>\n`;
}

/** The package entries and the source files they start from, read from package.json "exports". */
function entryPoints() {
  const exports = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).exports;
  return Object.entries(exports)
    .filter(([name]) => name !== './package.json')
    .map(([name, value]) => ({
      specifier: name === '.' ? 'dynamorm' : `dynamorm/${name.slice(2)}`,
      file: value.import.default.replace('./dist/esm/', 'src/').replace(/\.js$/, '.ts'),
    }));
}

/** TypeDoc's name of an entry's module (its path from src/, less `/index`), e.g. `plugins/metrics`. */
const moduleName = (file) => file.replace(/^src\//, '').replace(/(\/index)?\.ts$/, '') || 'index';

async function buildApi() {
  const { Application } = await import('typedoc');
  const entries = entryPoints();
  const app = await Application.bootstrapWithPlugins({
    entryPoints: entries.map((e) => e.file),
    tsconfig: join(root, 'tsconfig.build.json'),
    out: join(out, 'api'),
    name: 'DynamORM API',
    readme: 'none',
    excludeInternal: true,
    excludePrivate: true,
    githubPages: false,
    disableSources: true,
    logLevel: 'Warn',
    validation: { notExported: false, invalidLink: true, rewrittenLink: true },
  });
  const project = await app.convert();
  if (!project) throw new Error('TypeDoc could not convert the project (see the messages above)');
  // Modules are named as readers import them (`dynamorm/lambda`), not by their file (`lambda/index`).
  const names = new Map(entries.map((e) => [moduleName(e.file), e.specifier]));
  for (const child of project.children ?? []) child.name = names.get(child.name) ?? child.name;
  project.children?.sort((a, b) => a.name.localeCompare(b.name));
  await app.generateOutputs(project);
}

rmSync(out, { recursive: true, force: true });
const pages = sourcePages().map((file) => {
  const markdown = readFileSync(join(root, file), 'utf8');
  return { file, markdown, title: file === 'README.md' ? 'Introduction' : titleOf(markdown, file) };
});
for (const page of pages) {
  const target = join(out, pageOf(page.file));
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, layout(page.title, navigation(pages, page.file), render(page.file, page.markdown)));
}
// Images and other assets docs link to (SVG charts) are copied beside their pages.
for (const file of readdirSync(join(root, 'docs'), { recursive: true })) {
  if (!/\.(svg|png)$/.test(file)) continue;
  const target = join(out, 'docs', file);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, readFileSync(join(root, 'docs', file)));
}
if (withApi) await buildApi();
console.log(`docs site: ${pages.length} pages${withApi ? ' and the API reference' : ''} in ${relative(root, out)}/`);
