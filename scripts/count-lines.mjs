#!/usr/bin/env node
/**
 * Counts the code of the payment example in its two implementations, the same way for both:
 * DynamORM's (examples/payment) and the raw AWS SDK's (examples/payment-raw). A line counts when
 * something other than white space is left once comments are removed (blank lines, `//` lines and
 * `/* ... *\/` blocks, TSDoc included, do not count; a line of code with a comment after it does).
 * Characters of code (white space and comments left out) are counted too, so that how long lines are
 * wrapped does not decide the result. The tests are shared (examples/payment/contract.ts) and not
 * counted. Usage: `node scripts/count-lines.mjs` (add `--json` for the figures as JSON).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The files of each implementation: the service (what a team writes and keeps) and the demo driver. */
const implementations = [
  { name: 'DynamORM', service: ['examples/payment/models.ts', 'examples/payment/app.ts'], driver: ['examples/payment/index.ts'] },
  { name: 'raw SDK', service: ['examples/payment-raw/app.ts'], driver: ['examples/payment-raw/index.ts'] },
];

/**
 * The source with comments replaced by spaces (line breaks kept). Strings and template literals are
 * skipped so that `//` or `/*` inside them is not taken for a comment; the files counted hold no
 * regular expression literal with a slash-star or double slash in it.
 */
export function stripComments(source) {
  let out = '';
  let i = 0;
  while (i < source.length) {
    const c = source[i];
    const next = source[i + 1];
    if (c === '/' && next === '/') {
      while (i < source.length && source[i] !== '\n') i++;
    } else if (c === '/' && next === '*') {
      const end = source.indexOf('*/', i + 2);
      const stop = end === -1 ? source.length : end + 2;
      out += source.slice(i, stop).replace(/[^\n]/g, ' ');
      i = stop;
    } else if (c === "'" || c === '"' || c === '`') {
      let j = i + 1;
      while (j < source.length && source[j] !== c) j += source[j] === '\\' ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Lines and characters of code in one file. */
export function countCode(source) {
  const lines = stripComments(source).split('\n').filter((line) => line.trim() !== '');
  return { lines: lines.length, chars: lines.join('').replace(/\s/g, '').length };
}

const sum = (rows) => rows.reduce((a, r) => ({ lines: a.lines + r.lines, chars: a.chars + r.chars }), { lines: 0, chars: 0 });

/** Counts both implementations and prints the comparison. */
function main() {
  const results = implementations.map((impl) => {
    const count = (files) => files.map((file) => ({ file, ...countCode(readFileSync(join(root, file), 'utf8')) }));
    const service = count(impl.service);
    const driver = count(impl.driver);
    return { name: impl.name, files: [...service, ...driver], service: sum(service), total: sum([...service, ...driver]) };
  });

  const [orm, raw] = results;
  const compare = (key, measure) => ({
    ratio: raw[key][measure] / orm[key][measure],
    reduction: 1 - orm[key][measure] / raw[key][measure],
  });
  const summary = {
    serviceLines: compare('service', 'lines'),
    serviceChars: compare('service', 'chars'),
    totalLines: compare('total', 'lines'),
    totalChars: compare('total', 'chars'),
  };

  if (process.argv.includes('--json')) {
    console.log(JSON.stringify({ results, summary }, null, 2));
  } else {
    const pad = (s, n) => String(s).padEnd(n);
    const num = (s, n) => String(s).padStart(n);
    for (const r of results) {
      console.log(`${r.name}`);
      for (const f of r.files) console.log(`  ${pad(f.file, 34)} ${num(f.lines, 5)} lines ${num(f.chars, 7)} chars`);
      console.log(`  ${pad('service (without the driver)', 34)} ${num(r.service.lines, 5)} lines ${num(r.service.chars, 7)} chars`);
      console.log(`  ${pad('service + driver', 34)} ${num(r.total.lines, 5)} lines ${num(r.total.chars, 7)} chars`);
    }
    const line = (label, c) => console.log(`${pad(label, 36)} raw/DynamORM ${c.ratio.toFixed(2)}, DynamORM has ${(c.reduction * 100).toFixed(1)}% less`);
    console.log('');
    line('service, lines:', summary.serviceLines);
    line('service, characters:', summary.serviceChars);
    line('service + driver, lines:', summary.totalLines);
    line('service + driver, characters:', summary.totalChars);
  }
}

// Run as a script, not when imported (the unit test imports the counting functions).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) main();
