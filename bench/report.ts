/**
 * Writes docs/performance.md from the stage results in bench/results/: machine, versions, method,
 * every table with its ratio to the raw SDK, the targets side by side, and the commands that
 * reproduce them.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { SizeRow } from './bundle-size/index.js';
import { MODES, type ColdResults } from './cold-start/index.js';
import { readResult } from './lib/stats.js';
import { baseRef } from './lib/base.js';
import { BASE, BASELINE, VARIANTS } from './lib/variants.js';
import { LABELS, OPERATIONS } from './warm-overhead/operations.js';
import type { WarmResults } from './warm-overhead/index.js';

interface Meta {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  database: string;
  versions: Record<string, string>;
  seconds: number;
  /** The BENCH_BASE_REF commit, when the run measured one. */
  base?: { ref: string; commit: string; short: string };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const int = (n: number) => Math.round(n).toLocaleString('en-US');
const x = (ratio: number) => (Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a');
const us = (n: number) => (n >= 100 ? int(n) : n.toFixed(1));
const name = (id: string) => VARIANTS.find((v) => v.id === id)?.name ?? id;
/** A markdown table; numbers (every column but the first) right-aligned unless `left`. */
const table = (head: string[], rows: string[][], left = false) =>
  [`| ${head.join(' | ')} |`, `| ${head.map((_, i) => (i === 0 || left ? '---' : '---:')).join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

function targets(size?: Record<string, SizeRow>, cold?: ColdResults, warm?: WarmResults): string {
  const rows: string[][] = [];
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  if (size?.dynamorm) {
    const g = size.dynamorm.library.gzip;
    rows.push(['library code for the handler, gzip', 'under 10 KiB', kib(g), verdict(g < 10 * 1024)]);
  }
  for (const mode of ['cjs-bundled', 'cjs-external', 'esm-bundled', 'esm-external']) {
    const m = cold?.modes[mode];
    if (!m?.dynamorm || !m[BASELINE]) continue;
    const r = m.dynamorm.medianMs / m[BASELINE].medianMs;
    const cpu = m.dynamorm.medianCpuMs / m[BASELINE].medianCpuMs;
    rows.push([`cold start, ${MODES.find((d) => d.id === mode)?.label}`, 'at most 1.02x raw', `${x(r)} wall (${x(cpu)} CPU)`, verdict(r <= 1.02)]);
  }
  if (warm?.cpuUs.dynamorm && warm.cpuUs[BASELINE]) {
    for (const op of OPERATIONS) {
      const r = warm.cpuUs.dynamorm[op] / warm.cpuUs[BASELINE][op];
      rows.push([`CPU per operation: ${LABELS[op]}`, op === 'update' ? '(no target)' : 'at most 1.05x raw', x(r), op === 'update' ? '' : verdict(r <= 1.05)]);
    }
    const worst = Math.max(...Object.values(warm.dynamorm.build));
    rows.push(['request building (slowest of the four)', 'under 3 µs', `${worst.toFixed(2)} µs`, verdict(worst < 3)]);
  }
  return table(['metric (DynamORM)', 'target (issue 4)', 'measured', ''], rows);
}

/** A signed difference: `+0.03`, `-1.20`. */
const signed = (n: number, digits: number) => (Number.isFinite(n) ? `${n > 0 ? '+' : n < 0 ? '-' : '±'}${Math.abs(n).toFixed(digits)}` : 'n/a');

/**
 * With BENCH_BASE_REF: the working tree against DynamORM at that commit, both measured in this run
 * (undefined when the knob is not set or the results hold no base).
 */
function againstBase(size?: Record<string, SizeRow>, warm?: WarmResults): string | undefined {
  const base = baseRef();
  if (!base) return undefined;
  const rows: string[][] = [];
  const now = size?.dynamorm?.library.gzip;
  const then = size?.[BASE]?.library.gzip;
  if (now !== undefined && then !== undefined) {
    rows.push(['library code for the handler, gzip', kib(now), kib(then), `${signed((now - then) / 1024, 1)} KiB`]);
  }
  const raw = warm?.cpuUs[BASELINE];
  const tree = warm?.cpuUs.dynamorm;
  const past = warm?.cpuUs[BASE];
  if (raw && tree && past) {
    for (const op of ['put', 'get', 'query', 'update'] as const) {
      const a = tree[op] / raw[op];
      const b = past[op] / raw[op];
      rows.push([`CPU per operation, ratio to raw: ${LABELS[op]}`, x(a), x(b), signed(a - b, 2)]);
    }
  }
  if (rows.length === 0) return undefined;
  return [
    `## Against ${base.short}`,
    '',
    `The working tree beside DynamORM at commit \`${base.commit}\` (\`BENCH_BASE_REF=${base.ref}\`), checked out in a git worktree`,
    'and measured in the same run with the same dependencies (its row in the tables below). The difference is the working tree',
    'minus the base: negative is smaller or cheaper. Bytes are exact; CPU ratios carry the noise described under the warm overhead.',
    '',
    table(['metric (DynamORM)', 'working tree', base.short, 'difference'], rows),
  ].join('\n');
}

function sizeSection(size: Record<string, SizeRow>): string {
  const rows = VARIANTS.filter((v) => size[v.id]).map((v) => {
    const s = size[v.id] as SizeRow;
    const lib = v.id === BASELINE ? ['(baseline)', '(baseline)'] : [int(s.library.bytes), `**${kib(s.library.gzip)}**`];
    return [name(v.id), int(s.external.bytes), int(s.external.gzip), ...lib, int(s.bundled.bytes), int(s.bundled.gzip)];
  });
  const files = Object.entries(size.dynamorm?.srcFiles ?? {})
    .sort((a, b) => b[1] - a[1])
    .map(([file, bytes]) => [`\`${file}\``, int(bytes)]);
  return [
    '## Bundle size',
    '',
    'The handler (create, get, query 10, update one field) bundled by esbuild: minified, platform node, target node20, CommonJS,',
    'gzip level 9. "Library code" is the bundle with `@aws-sdk/*` external (as the Lambda runtime provides it) minus the bundle of',
    'the same handler written with the raw SDK: what the library adds to a function. Bytes are exact and do not vary between runs.',
    '',
    table(['variant', 'bundle, SDK external (B)', 'gzip (B)', 'library code (B)', 'library code, gzip', 'bundle, SDK bundled (B)', 'gzip (B)'], rows),
    '',
    '<details><summary>Where DynamORM\'s bytes go (minified bytes per source file, from esbuild\'s metafile)</summary>',
    '',
    table(['file', 'bytes'], files),
    '',
    '</details>',
  ].join('\n');
}

function coldSection(cold: ColdResults): string {
  const parts = [
    '## Cold start',
    '',
    `A fresh \`node\` process per run loads the bundled handler (\`require\` for CommonJS, \`import\` for ESM), which creates its`,
    `client and sends its first GetItem to the database; the time runs from \`spawn()\` in the parent to the answer on the child's`,
    `stdout. Peak RSS and CPU time (user + system, all threads) are the child's \`process.resourceUsage()\` at that moment; CPU`,
    `time is the steadier figure on a busy machine. ${cold.runs} runs per variant and kind, round-robin over the variants (a`,
    'different one first each round) after one discarded warm-up round; medians, and ratios of medians to the raw SDK. For',
    `reference, a bare \`node\` process that answers at once: ${cold.node.medianMs.toFixed(1)} ms wall, ${cold.node.medianCpuMs.toFixed(1)} ms CPU, ${cold.node.medianRssMiB.toFixed(1)} MiB.`,
    'The last column is the median time the child spent in `require`/`import` of the bundle (with the SDK external, that includes',
    'loading the SDK); the rest is Node starting, the client being created and the first request. Differences of a few per cent',
    'in wall time are within the noise of this machine.',
  ];
  for (const mode of MODES) {
    const m = cold.modes[mode.id];
    const base = m?.[BASELINE];
    if (!m || !base) continue;
    const rows = VARIANTS.filter((v) => m[v.id]).map((v) => {
      const r = m[v.id] as ColdResults['modes'][string][string];
      return [
        name(v.id),
        r.medianMs.toFixed(1),
        x(r.medianMs / base.medianMs),
        r.medianCpuMs.toFixed(1),
        x(r.medianCpuMs / base.medianCpuMs),
        r.medianRssMiB.toFixed(1),
        x(r.medianRssMiB / base.medianRssMiB),
        r.medianLoadMs.toFixed(1),
      ];
    });
    parts.push(
      '',
      `### ${mode.label}`,
      '',
      table(['variant', 'median wall (ms)', 'ratio', 'median CPU (ms)', 'ratio', 'median peak RSS (MiB)', 'ratio', 'of which loading the bundle (ms)'], rows),
    );
  }
  return parts.join('\n');
}

function warmSection(warm: WarmResults): string {
  const it = warm.iterations;
  const base = warm.cpuUs[BASELINE];
  const cpuRows = VARIANTS.filter((v) => warm.cpuUs[v.id]).map((v) => [
    name(v.id),
    ...OPERATIONS.map((op) => {
      const value = (warm.cpuUs[v.id] as Record<string, number>)[op] as number;
      return v.id === BASELINE ? us(value) : `${us(value)} (${x(value / (base?.[op] ?? NaN))})`;
    }),
  ]);
  const liveBase = warm.opsPerSec[BASELINE];
  const liveRows = VARIANTS.filter((v) => warm.opsPerSec[v.id]).map((v) => [
    name(v.id),
    ...OPERATIONS.map((op) => {
      const value = (warm.opsPerSec[v.id] as Record<string, number>)[op] as number;
      return v.id === BASELINE ? value.toFixed(0) : `${value.toFixed(0)} (${x(value / (liveBase?.[op] ?? NaN))})`;
    }),
  ]);
  const own = warm.dynamorm.ownCpuUs;
  const ownRows = OPERATIONS.map((op) => {
    const d = warm.cpuUs.dynamorm?.[op] ?? NaN;
    const raw = base?.[op] ?? NaN;
    return [LABELS[op], us(own[op]), us(d), us(raw), us(d - raw)];
  });
  return [
    '## Warm overhead: CPU per operation, network replaced by recorded answers',
    '',
    'Each variant first sends every operation once to the database through a recording `requestHandler` (the SDK\'s own',
    '`NodeHttpHandler`, wrapped); every client is then built with a replaying `requestHandler` that answers from memory with',
    '`new HttpResponse({ statusCode, headers, body })` (`@smithy/core/protocols`), the body as a stream, as the real handler hands it',
    'over. So signing, serialisation, parsing and the library are measured, and the network and the database are not. Each variant',
    `runs in a process of its own, in ${it.passes} passes (alternating order). Per operation: ${it.warmup} warm-up calls (the SDK's`,
    `cost per call keeps falling for the first few thousand calls while V8 optimises it), then ${it.rounds} rounds of ${it.perRound}`,
    `sequential calls (${it.warmupBig} and ${it.rounds} x ${it.perRoundBig} for the 1,000-item read). CPU is \`process.cpuUsage()\` (user +`,
    'system, all threads, GC included) per call; the table shows the median round over all passes in µs, and the ratio to the raw',
    'SDK. Expect about ±10% between runs on a shared machine.',
    '',
    table(['variant', ...OPERATIONS.map((op) => LABELS[op])], cpuRows),
    '',
    'Requests and answer bytes per operation, as recorded. Partition names carry the variant\'s id, so items differ by a few',
    'bytes; beyond that ElectroDB stores two identifier attributes, and DynamORM asks for one item more than its limit (so a',
    'walk never ends on an empty page):',
    '',
    table(
      ['variant', ...OPERATIONS.map((op) => LABELS[op])],
      VARIANTS.filter((v) => warm.responseBytes[v.id]).map((v) => [
        name(v.id),
        ...OPERATIONS.map((op) => `${warm.requestsPerOp[v.id]?.[op]} req, ${int(warm.responseBytes[v.id]?.[op] ?? NaN)} B`),
      ]),
    ),
    '',
    '### DynamORM alone',
    '',
    'Request building: CPU time to build the DynamoDB input of a request, timed on the planners the operations call (20,000 calls',
    'a round, median of 5 rounds):',
    '',
    table(['request', 'µs'], Object.entries(warm.dynamorm.build).map(([k, v]) => [k, v.toFixed(2)])),
    '',
    'DynamORM\'s own CPU per operation: the same operations with a middleware that answers from captured SDK outputs, so',
    'validation, encoding, decoding, planning and the middleware chain are measured and the SDK is not. Beside it the replayed',
    'figures from above and their difference, which is DynamORM\'s own time plus any difference in what the SDK does for it.',
    '',
    table(['operation', 'DynamORM alone (µs)', 'DynamORM, replayed (µs)', 'raw SDK, replayed (µs)', 'difference (µs)'], ownRows),
    '',
    '## Against the database: operations per second',
    '',
    `The same operations, one at a time, against the database: all variants in one process, ${it.liveRounds} rounds of ${it.live} calls`,
    `per variant and operation (${it.liveBig} for the 1,000-item read), interleaved with a different variant first each round, after`,
    'a warm-up round; the median round in operations per second, and the ratio to the raw SDK (higher is better). These mostly',
    'measure DynamoDB Local (a Java process on the same two cores) and how it handles each library\'s requests, so differences',
    'under ~15% are noise.',
    '',
    table(['variant', ...OPERATIONS.map((op) => LABELS[op])], liveRows),
  ].join('\n');
}

/** The report's markdown, from the stage results in bench/results/. */
export function renderReport(): string {
  const meta = readResult<Meta>('meta');
  const size = readResult<Record<string, SizeRow>>('bundle-size');
  const cold = readResult<ColdResults>('cold-start');
  const warm = readResult<WarmResults>('warm-overhead');
  const v = meta?.versions ?? {};
  const base = baseRef();
  if (base && meta?.base && meta.base.commit !== base.commit) {
    console.warn(`report: BENCH_BASE_REF=${base.ref} is ${base.short}, but the last measuring run measured ${meta.base.short} as the base`);
  }
  const against = againstBase(size, warm);
  const peers = VARIANTS.filter((x) => x.pkg).map((x) => `${x.pkg} ${v[x.pkg as string] ?? '?'}`);
  const lines = [
    '# Performance',
    '',
    '<!-- Generated by `npm run bench` (bench/report.ts); edit the generator, not this file. -->',
    '',
    'DynamORM side by side with the raw AWS SDK v3 (DocumentClient) and with OneTable, ElectroDB and DynamoDB-Toolbox, all running',
    'the same small Lambda handler on the same table: one table with string `pk` and `sk`, items `CUST#{customerId}` /',
    '`ORDER#{orderId}` with six fields; the handler creates an order (a put that must not overwrite), reads it back, queries the',
    'customer\'s first 10 orders and sets one field with an update that returns the new item. The five handlers are in',
    '[bench/handlers/](../bench/handlers/); each uses its library the way its documentation shows.',
    '',
    '## Machine and versions',
    '',
    meta
      ? table(
          ['', ''],
          [
            ['run', `${meta.date.slice(0, 16).replace('T', ' ')} UTC, ${Math.round(meta.seconds / 60)} min`],
            ['CPU', `${meta.cpu}, ${meta.cores} cores, ${meta.memoryGiB} GiB`],
            ['OS', meta.platform],
            ['Node.js', v.node ?? '?'],
            ['database', meta.database],
            ['AWS SDK', `@aws-sdk/client-dynamodb ${v['@aws-sdk/client-dynamodb']}, lib-dynamodb ${v['@aws-sdk/lib-dynamodb']}, util-dynamodb ${v['@aws-sdk/util-dynamodb']}`],
            ['peers', peers.join(', ')],
            ['DynamORM', 'this repository\'s src/, bundled directly by esbuild (no build step)'],
            ...(base ? [[`DynamORM at ${base.short}`, `commit ${base.commit} (\`BENCH_BASE_REF=${base.ref}\`): its src/ and bench/handlers/ from a git worktree, with this repository's node_modules`]] : []),
            ['bundler', `esbuild ${v.esbuild}`],
          ],
          true,
        )
      : '(no machine information: run all stages)',
    '',
    'The machine is shared (other test suites may run at the same time), so timings carry noise; ratios are taken within one run,',
    'and the runs are interleaved so noise falls on every variant alike. Byte counts are exact.',
    '',
    '## DynamORM against the targets',
    '',
    targets(size, cold, warm),
    '',
    ...(against ? [against, ''] : []),
    size ? sizeSection(size) : '## Bundle size\n\n(not measured in this run)',
    '',
    cold ? coldSection(cold) : '## Cold start\n\n(not measured in this run)',
    '',
    warm ? warmSection(warm) : '## Warm overhead\n\n(not measured in this run)',
    '',
    '## Reproduce',
    '',
    '```sh',
    'npm ci',
    'npm run bench                                 # everything, then this file (Java 17+ for DynamoDB Local)',
    'npm run bench -- bundle-size report           # some stages; the report reuses the others\' last results',
    'DYNAMODB_ENDPOINT=http://127.0.0.1:8000 npm run bench   # another DynamoDB (the table bench-orders is recreated)',
    '```',
    '',
    'Knobs (environment variables): `BENCH_COLD_RUNS` (runs per variant and bundle kind, default 20, at least 10), `BENCH_PASSES`',
    '(warm worker passes, 3), `BENCH_ROUNDS` (5), `BENCH_WARMUP` / `BENCH_ITER` (4,000 warm-up calls, 600 calls a round),',
    '`BENCH_WARMUP_BIG` / `BENCH_ITER_BIG` (30 / 40 for the 1,000-item read), `BENCH_LIVE_ROUNDS` / `BENCH_LIVE` / `BENCH_LIVE_BIG`',
    '(5 rounds of 60 / 4 calls against the database). `BENCH_BASE_REF` (a git ref such as `HEAD~1`; unset by default) also measures',
    'DynamORM at that commit, from a git worktree in `.bench-base/<short hash>/` with this repository\'s `node_modules`, as a variant',
    'of its own, and adds the section "Against <short hash>".',
    '',
    'Raw results, every sample included, are in `bench/results/*.json` (not committed). `npm test` checks only the bundle-size',
    'budget (`npm run test:bundle`: bytes, no timing; the limit is in `bench/budget.json`); the benchmarks are not part of the tests.',
    '',
  ];
  return lines.join('\n');
}

export function writeReport(): void {
  mkdirSync('docs', { recursive: true });
  writeFileSync('docs/performance.md', renderReport());
  // The SVG charts are drawn from the tables just written (and their image lines put back).
  execFileSync(process.execPath, ['scripts/charts.mjs'], { stdio: 'inherit' });
}
