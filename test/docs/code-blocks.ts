/**
 * The docs code-block checker: every ```ts (or ```typescript) block of README.md and docs/**\/*.md
 * (docs/performance.md is generated and skipped) is type-checked against the real code with the
 * TypeScript compiler API. Nothing runs and nothing talks to DynamoDB (but see the README's tour, at
 * the end of this note).
 *
 * - The module specifiers `dynamorm`, `dynamorm/attr` and every other `dynamorm/<feature>` map to
 *   src/index.ts, src/attr.ts and src/<feature>/index.ts (`paths`); the compiler
 *   options are tsconfig.json's (strict, NodeNext, ES2022), so top-level await works.
 * - The blocks of one Markdown file are concatenated in order into one module, as a reader reads them:
 *   a later block may use the names an earlier one declared (the README's `Payment`, `db`, `p`).
 * - Names the prose assumes but never declares (a `db`, the `Customer`/`Payment`/`Refund` models of a
 *   ledger, a `cursor`, a `since` date) come from test/docs/fixtures.ts: each module imports the
 *   fixtures it does not declare itself, so a file's own `Payment` wins over the fixture's.
 * - A block may demonstrate a compile error with `// @ts-expect-error`, which is checked like any other.
 *
 * Fence options (after the language, which is all GitHub renders):
 * - ```ts isolated: the block is its own module (still with the fixtures) instead of joining the file's
 *   module. For a block that is another file in the story (a Lambda handler next to the tour's
 *   script) and so declares names (`db`, a model) the file's module already has.
 * - ```ts no-check: not checked. Only for fragments that are not statements: a few properties of a
 *   model definition (`pk: attr.template(...)`, `indexes: {...}`) or an option shown on its own
 *   (`condition: (c) => ...`). Everything a reader could paste as code is checked; keep these rare.
 * - ```ts throws: joins the file's module like a plain block, and shows a call that fails on purpose
 *   (`create` of a key already taken, an update with a stale version). Only the README's tour, which
 *   also runs (readme-tour.test.ts), gives it a meaning: there the block must reject, with an error
 *   whose name the block mentions (`// ItemAlreadyExistsError: ...`), and the tour goes on after it.
 *   Its declarations do not outlive it. Keep these rare: one per lesson, a line or two each.
 *
 * The README's tour also runs, top to bottom, on DynamoDB Local: `runnableModule` builds its module
 * blocks into one program (readme-tour.test.ts transpiles and runs it). Fixtures it uses must then
 * have a value at run time, not only a type.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';

/** One fenced TypeScript block. */
export interface CodeBlock {
  /** Markdown file, relative to the repository root. */
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The code, with the fence's indentation removed. */
  readonly code: string;
  /** `throws`: a module block that must reject when the tour runs (see the header). */
  readonly mode: 'module' | 'isolated' | 'no-check' | 'throws';
}

/** A type error, placed in the Markdown file. */
export interface BlockFailure {
  readonly file: string;
  /** Line of the block's opening fence. */
  readonly blockLine: number;
  /** Line of the error in the Markdown file. */
  readonly line: number;
  readonly code: number;
  readonly message: string;
}

export interface CheckResult {
  readonly blocks: readonly CodeBlock[];
  readonly failures: readonly BlockFailure[];
}

const FENCE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)\s*(.*)$/;
const LANGUAGES = new Set(['ts', 'typescript']);
const MODES = new Set(['isolated', 'no-check', 'throws']);

/** The fenced ```ts blocks of one Markdown file. Unknown fence options are an error. */
export function extractBlocks(markdown: string, file: string): CodeBlock[] {
  const lines = markdown.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i] ?? '');
    if (!open) continue;
    const [, indent = '', fence = '', language = '', info = ''] = open;
    // Find the closing fence: same character, at least as long, nothing after it.
    let end = i + 1;
    const close = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    while (end < lines.length && !close.test(lines[end] ?? '')) end++;
    if (LANGUAGES.has(language.toLowerCase())) {
      const options = info.split(/\s+/).filter(Boolean);
      for (const option of options) {
        if (!MODES.has(option)) throw new Error(`${file}:${i + 1}: unknown code-block option ${JSON.stringify(option)} (use isolated, no-check or throws)`);
      }
      if (options.length > 1) throw new Error(`${file}:${i + 1}: one code-block option at most, not ${options.join(' and ')}`);
      const mode = (options[0] ?? 'module') as CodeBlock['mode'];
      const body = lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l.trimStart()));
      blocks.push({ file, line: i + 1, code: body.join('\n'), mode });
    }
    i = end;
  }
  return blocks;
}

/** README.md and every Markdown file under docs/, except the generated docs/performance.md. */
export function docFiles(root: string): string[] {
  const files = ['README.md'];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md') && path !== 'docs/performance.md') files.push(path);
    }
  };
  walk('docs');
  return files;
}

/** Where each line of a generated module came from. */
interface LineOrigin {
  readonly block: CodeBlock;
  /** 0-based line inside the block. */
  readonly offset: number;
}

interface VirtualModule {
  readonly path: string;
  readonly text: string;
  /** Per line of `text`; `undefined` for the lines the checker adds. */
  readonly origins: readonly (LineOrigin | undefined)[];
  readonly blocks: readonly CodeBlock[];
}

const VIRTUAL_DIR = 'test/docs/.blocks';
const FIXTURES = 'test/docs/fixtures.ts';

/** Names a module declares or imports at its top level. */
function topLevelNames(source: ts.SourceFile): Set<string> {
  const names = new Set<string>();
  const bind = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) names.add(name.text);
    else for (const element of name.elements) if (!ts.isOmittedExpression(element)) bind(element.name);
  };
  for (const statement of source.statements) {
    if (ts.isImportDeclaration(statement)) {
      const clause = statement.importClause;
      if (clause?.name) names.add(clause.name.text);
      const bindings = clause?.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) names.add(bindings.name.text);
      if (bindings && ts.isNamedImports(bindings)) for (const element of bindings.elements) names.add(element.name.text);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) bind(declaration.name);
    } else if (
      (ts.isFunctionDeclaration(statement) ||
        ts.isClassDeclaration(statement) ||
        ts.isInterfaceDeclaration(statement) ||
        ts.isTypeAliasDeclaration(statement) ||
        ts.isEnumDeclaration(statement)) &&
      statement.name
    ) {
      names.add(statement.name.text);
    }
  }
  return names;
}

/** The fixtures' exports: values (imported as such) and names that are only types. */
function fixtureExports(root: string): { values: Set<string>; types: Set<string> } {
  const source = ts.createSourceFile(FIXTURES, readFileSync(join(root, FIXTURES), 'utf8'), ts.ScriptTarget.ES2022, true);
  const values = new Set<string>();
  const types = new Set<string>();
  const exported = (node: ts.Node): boolean => ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const statement of source.statements) {
    if (!exported(statement)) continue;
    if (ts.isVariableStatement(statement)) {
      for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) values.add(d.name.text);
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name) {
      values.add(statement.name.text);
    } else if ((ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) && statement.name) {
      types.add(statement.name.text);
    }
  }
  for (const name of values) types.delete(name);
  return { values, types };
}

/** Plain blocks and `throws` blocks make up a file's module. */
const joinsModule = (block: CodeBlock): boolean => block.mode === 'module' || block.mode === 'throws';

/** Builds one module from blocks, importing the fixtures it does not declare. */
function buildModule(root: string, path: string, blocks: readonly CodeBlock[], fixtures: { values: Set<string>; types: Set<string> }): VirtualModule {
  const lines: string[] = [];
  const origins: (LineOrigin | undefined)[] = [];
  for (const block of blocks) {
    block.code.split('\n').forEach((line, offset) => {
      lines.push(line);
      origins.push({ block, offset });
    });
  }
  const body = lines.join('\n');
  const declared = topLevelNames(ts.createSourceFile(path, body, ts.ScriptTarget.ES2022, true));
  const values = [...fixtures.values].filter((n) => !declared.has(n));
  const types = [...fixtures.types].filter((n) => !declared.has(n));
  const fixturePath = relative(join(root, VIRTUAL_DIR), join(root, FIXTURES)).replace(/\\/g, '/').replace(/\.ts$/, '.js');
  const header = [
    values.length > 0 ? `import { ${values.join(', ')} } from '${fixturePath}';` : '',
    types.length > 0 ? `import type { ${types.join(', ')} } from '${fixturePath}';` : '',
  ];
  // `export {}` makes a module of blocks without imports, so top-level await works and names stay local.
  const text = [...header, body, 'export {};'].join('\n');
  return { path, text, origins: [undefined, undefined, ...origins, undefined], blocks };
}

/** The modules of one file: one for all its blocks in order, and one per `isolated` block. */
function modulesOf(root: string, file: string, blocks: readonly CodeBlock[], fixtures: { values: Set<string>; types: Set<string> }): VirtualModule[] {
  const base = join(root, VIRTUAL_DIR, file.replace(/[/\\]/g, '__'));
  const modules: VirtualModule[] = [];
  const joined = blocks.filter(joinsModule);
  if (joined.length > 0) modules.push(buildModule(root, `${base}.ts`, joined, fixtures));
  for (const block of blocks.filter((b) => b.mode === 'isolated')) {
    modules.push(buildModule(root, `${base}.${block.line}.ts`, [block], fixtures));
  }
  return modules;
}

/** A file's module as a program to run (see the header): TypeScript, each line traced to the Markdown. */
export interface RunnableModule {
  readonly text: string;
  /** `README.md:123` for a 1-based line of `text` that came from a block, else undefined. */
  where(line: number): string | undefined;
}

export interface RunOptions {
  /** What each module specifier of the blocks becomes (`dynamorm` -> a file URL of src/index.ts). */
  readonly specifiers: Readonly<Record<string, string>>;
  /** Specifier of the fixtures module, for the fixture names the blocks use but do not declare. */
  readonly fixtures: string;
}

/** Error class names a block mentions (in code or comments): what its `throws` may reject with. */
const errorNames = (code: string): string[] => [...new Set(code.match(/\b[A-Z]\w*Error\b/g) ?? [])];

/**
 * The module blocks (plain and `throws`) of `file` as one program: the fixtures it does not declare,
 * then the blocks in order, a `throws` block wrapped so that it must reject with an error it names,
 * and every import of the package rewritten by `options.specifiers`.
 */
export function runnableModule(
  root: string,
  file: string,
  options: RunOptions,
  read: (file: string) => string = (f) => readFileSync(join(root, f), 'utf8'),
): RunnableModule {
  root = resolve(root);
  const blocks = extractBlocks(read(file), file).filter(joinsModule);
  const plain = blocks.map((b) => b.code).join('\n');
  const declared = topLevelNames(ts.createSourceFile(file, plain, ts.ScriptTarget.ES2022, true));
  const fixtures = [...fixtureExports(root).values].filter((n) => !declared.has(n));

  const lines: string[] = [];
  const origins: (LineOrigin | undefined)[] = [];
  const push = (line: string, origin?: LineOrigin): void => {
    lines.push(line);
    origins.push(origin);
  };
  // A fixture declared but given no value (`export declare const cursor`) is undefined at run time.
  push(`import * as __fixtures from ${JSON.stringify(options.fixtures)};`);
  push(`const { ${fixtures.join(', ')} } = __fixtures;`);
  push('const __expectError = (error: unknown, where: string, names: string[]): void => {');
  push('  const chain: string[] = [];');
  push('  for (let p = error; p !== null && typeof p === "object"; p = Object.getPrototypeOf(p)) chain.push((p as { constructor?: { name?: string } }).constructor?.name ?? "");');
  push('  if (!names.some((n) => chain.includes(n))) throw new Error(`${where}: the block should reject with ${names.join(" or ")}, not ${String(error)}`, { cause: error });');
  push('};');
  for (const block of blocks) {
    const where = `${block.file}:${block.line}`;
    if (block.mode === 'throws') {
      const names = errorNames(block.code);
      if (names.length === 0) throw new Error(`${where}: a throws block names the error it expects (e.g. in a comment: // ItemAlreadyExistsError)`);
      push('{ let __threw = false; try {');
      block.code.split('\n').forEach((line, offset) => push(line, { block, offset }));
      push(`} catch (error) { __threw = true; __expectError(error, ${JSON.stringify(where)}, ${JSON.stringify(names)}); }`);
      push(`if (!__threw) throw new Error(${JSON.stringify(`${where}: the throws block did not reject (expected ${names.join(' or ')})`)}); }`);
    } else {
      block.code.split('\n').forEach((line, offset) => push(line, { block, offset }));
    }
  }
  push('export {};');

  // Rewrite the package's specifiers in place (same lines), from the last to the first.
  let text = lines.join('\n');
  const source = ts.createSourceFile(`${file}.ts`, text, ts.ScriptTarget.ES2022, true);
  const edits: { start: number; end: number; to: string }[] = [];
  for (const statement of source.statements) {
    const specifier = (ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)) && statement.moduleSpecifier;
    if (!specifier || !ts.isStringLiteral(specifier) || specifier.text === options.fixtures) continue;
    const to = options.specifiers[specifier.text];
    if (to === undefined) {
      if (specifier.text === 'dynamorm' || specifier.text.startsWith('dynamorm/')) throw new Error(`${file}: no file for the import of ${specifier.text}`);
      continue;
    }
    edits.push({ start: specifier.getStart(source), end: specifier.getEnd(), to: JSON.stringify(to) });
  }
  for (const edit of edits.reverse()) text = text.slice(0, edit.start) + edit.to + text.slice(edit.end);

  return {
    text,
    where(line) {
      const origin = origins[line - 1];
      return origin && `${origin.block.file}:${origin.block.line + 1 + origin.offset}`;
    },
  };
}

/** Compiler options: tsconfig.json's, with the package's entry points mapped to src/. */
function compilerOptions(root: string): ts.CompilerOptions {
  const configPath = join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, (p) => ts.sys.readFile(p));
  if (config.error) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  return {
    ...parsed.options,
    noEmit: true,
    baseUrl: root,
    paths: {
      dynamorm: ['./src/index.ts'],
      'dynamorm/attr': ['./src/attr.ts'],
      'dynamorm/lambda': ['./src/lambda/index.ts'],
      'dynamorm/testing': ['./src/testing/index.ts'],
      'dynamorm/metrics': ['./src/plugins/metrics/index.ts'],
      'dynamorm/tracing': ['./src/plugins/tracing/index.ts'],
      'dynamorm/logging': ['./src/plugins/logging/index.ts'],
      'dynamorm/circuit-breaker': ['./src/plugins/circuit-breaker/index.ts'],
      'dynamorm/cache': ['./src/plugins/cache/index.ts'],
      // Feature entries (dynamorm/tenants, dynamorm/encryption, ...) are folders with an index.ts.
      'dynamorm/*': ['./src/*/index.ts'],
    },
  };
}

/**
 * Type-checks the ```ts blocks of `files` (default: README.md and docs/**\/*.md) against the code in
 * `root`, in one compiler program. `read` gives a file's Markdown (the checker's own tests pass some).
 */
export function checkDocs(
  root: string,
  files: readonly string[] = docFiles(root),
  read: (file: string) => string = (file) => readFileSync(join(root, file), 'utf8'),
): CheckResult {
  root = resolve(root);
  const fixtures = fixtureExports(root);
  const blocks: CodeBlock[] = [];
  const modules: VirtualModule[] = [];
  for (const file of files) {
    const own = extractBlocks(read(file), file);
    blocks.push(...own);
    modules.push(...modulesOf(root, file, own, fixtures));
  }
  const byPath = new Map(modules.map((m) => [m.path, m]));
  const options = compilerOptions(root);
  const host = ts.createCompilerHost(options, true);
  const { fileExists, readFile, getSourceFile } = host;
  const virtualDir = join(root, VIRTUAL_DIR);
  host.fileExists = (p) => byPath.has(p) || fileExists.call(host, p);
  host.readFile = (p) => byPath.get(p)?.text ?? readFile.call(host, p);
  host.directoryExists = (p) => p === virtualDir || ts.sys.directoryExists(p);
  host.getSourceFile = (p, language, onError, create) => {
    const module = byPath.get(p);
    return module ? ts.createSourceFile(p, module.text, language, true) : getSourceFile.call(host, p, language, onError, create);
  };
  const program = ts.createProgram({ rootNames: [...byPath.keys()], options, host });

  const failures: BlockFailure[] = [];
  const message = (d: ts.Diagnostic) => ts.flattenDiagnosticMessageText(d.messageText, '\n');
  for (const d of [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()]) {
    failures.push({ file: '(compiler options)', blockLine: 0, line: 0, code: d.code, message: message(d) });
  }
  const fixtureSource = program.getSourceFile(join(root, FIXTURES));
  if (fixtureSource) {
    for (const d of [...program.getSyntacticDiagnostics(fixtureSource), ...program.getSemanticDiagnostics(fixtureSource)]) {
      const line = d.start === undefined ? 0 : fixtureSource.getLineAndCharacterOfPosition(d.start).line + 1;
      failures.push({ file: FIXTURES, blockLine: 0, line, code: d.code, message: message(d) });
    }
  }
  for (const module of modules) {
    const source = program.getSourceFile(module.path);
    if (!source) throw new Error(`${module.path} is not in the program`);
    for (const d of [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)]) {
      const inModule = d.file !== undefined && d.file.fileName === module.path && d.start !== undefined;
      const origin = inModule && d.file && d.start !== undefined ? module.origins[d.file.getLineAndCharacterOfPosition(d.start).line] : undefined;
      const block = origin?.block ?? module.blocks[0]!;
      const where = d.file && !inModule ? ` (in ${relative(root, d.file.fileName)})` : '';
      failures.push({
        file: block.file,
        blockLine: block.line,
        line: origin ? block.line + 1 + origin.offset : block.line,
        code: d.code,
        message: message(d) + where,
      });
    }
  }
  return { blocks, failures };
}

/** `README.md:123 (block at line 120): TS2345 ...`, one line per failure. */
export function formatFailures(failures: readonly BlockFailure[]): string {
  return failures.map((f) => `${f.file}:${f.line} (block at line ${f.blockLine}): TS${f.code} ${f.message}`).join('\n');
}
