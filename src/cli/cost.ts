/**
 * `dynamorm cost FILE`: estimates a workload described in a small YAML or JSON file (the models
 * module, operations per second or per month with item sizes, region, billing mode) and prints units
 * and dollars per month, line by line and in total. Nothing is sent to DynamoDB.
 */
import { readFile } from 'node:fs/promises';
import { dirname, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { estimateWorkload, parseWorkload, type WorkloadEstimate } from '../cost/workload.js';
import type { Price } from '../cost/prices.js';
import type { AnyModel } from '../model/model.js';
import type { Output } from './output.js';

/** What the command needs from main.ts (passed in, so this module never imports main.ts). */
export interface CostCommandDeps {
  /** Imports a models module and returns its models. */
  loadModels(file: string): Promise<AnyModel[]>;
  /** A usage error (exit code 2). */
  usage(message: string): Error;
}

/** Reads the description file: YAML through the optional `yaml` peer, or JSON. */
async function readDescription(file: string): Promise<unknown> {
  const text = await readFile(file, 'utf8');
  const extension = extname(file).toLowerCase();
  if (extension !== '.yaml' && extension !== '.yml') return JSON.parse(text) as unknown;
  let yaml: typeof import('yaml');
  try {
    yaml = await import('yaml');
  } catch (error) {
    throw new Error('reading a YAML workload needs the `yaml` package (npm install --save-dev yaml), or write the file as JSON', { cause: error });
  }
  return yaml.parse(text) as unknown;
}

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const exact = new Intl.NumberFormat('en-US', { maximumFractionDigits: 6 });
const money = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

function describePrice(price: Price): string {
  const figures =
    price.billingMode === 'onDemand'
      ? `$${exact.format(price.write * 1e6)} per million write units, $${exact.format(price.read * 1e6)} per million read units`
      : `$${price.write} per write capacity unit-hour, $${price.read} per read capacity unit-hour`;
  return `${price.region}, ${price.billingMode}: ${figures} (${price.source}; since ${price.since})`;
}

/** The table the command prints. */
export function formatEstimate(estimate: WorkloadEstimate): string[] {
  const header = ['operation', 'per month', 'RU/op', 'WU/op', 'read units/month', 'write units/month', '$/month'];
  const rows = estimate.lines.map((l) => [
    l.label,
    count.format(l.perMonth),
    count.format(l.perOperation.read),
    count.format(l.perOperation.write),
    count.format(l.readUnits),
    count.format(l.writeUnits),
    money.format(l.dollars),
  ]);
  rows.push(['total', '', '', '', count.format(estimate.readUnits), count.format(estimate.writeUnits), money.format(estimate.dollars)]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number))).join('  ');
  return [format(header), ...rows.map(format)];
}

/** Runs `dynamorm cost FILE`; returns the exit code. */
export async function costCommand(args: readonly string[], out: Output, deps: CostCommandDeps): Promise<number> {
  const { positionals } = parseArgs({ args: [...args], options: {}, allowPositionals: true });
  if (positionals.length !== 1) throw deps.usage('cost needs one workload file (YAML or JSON)');
  const file = positionals[0] as string;
  const workload = parseWorkload(await readDescription(file));
  const models = await deps.loadModels(resolve(dirname(file), workload.models));
  const estimate = estimateWorkload(workload, models);
  out.line(out.colour.bold(`Workload ${file}`));
  out.line(`Prices: ${describePrice(estimate.price)}`);
  for (const line of formatEstimate(estimate)) out.line(line);
  out.line(out.colour.dim('A month is 730 hours. Units follow DynamoDB\'s published rules; check the prices before relying on them (docs/guides/cost.md).'));
  return 0;
}
