// A cold start as Lambda has it: a fresh Node process loads the bundled handler (require for a
// CommonJS bundle, import for ESM), which creates its client and sends its first GetItem. Prints the
// answer with the peak RSS, the CPU time (all threads) and the time spent loading the bundle; the
// parent times from spawn to this line. Without a bundle argument it answers at once (the cost of
// starting Node itself, for reference).
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

const [file, keyJson] = process.argv.slice(2);
let found = true;
let loadMs = 0;
if (file) {
  const key = JSON.parse(keyJson);
  const start = performance.now();
  const mod = file.endsWith('.cjs') ? createRequire(import.meta.url)(file) : await import(pathToFileURL(file).href);
  loadMs = performance.now() - start; // evaluating the bundle (and, SDK external, loading the SDK)
  const item = await mod.getItem(key);
  found = item?.orderId === key.orderId;
}
const usage = process.resourceUsage();
const cpuMs = (usage.userCPUTime + usage.systemCPUTime) / 1000;
process.stdout.write(`${JSON.stringify({ found, maxRssKiB: usage.maxRSS, cpuMs, loadMs })}\n`);
process.exit(0); // do not wait for keep-alive sockets
