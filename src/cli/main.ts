#!/usr/bin/env node
/**
 * The `dynamorm` command. `dynamorm help` lists the commands; docs/guides/cli.md describes them and
 * their exit codes: 0 done, 1 failed, 2 bad usage, 3 the models need changes DynamoDB cannot make in
 * place (migrate applied nothing).
 */
import { realpathSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { DynamORM } from '../dynamorm.js';
import type { AnyModel } from '../model/model.js';
import { generate, TEMPLATE_FORMATS, type TemplateFormat } from './generate.js';
import { applyStep, describeStep, planTable, readLive, type MigrationStep } from './migrate.js';
import { processOutput, type Output } from './output.js';
import { modelsOf, tableSchemas } from './schema.js';

/** Exit codes. */
export const EXIT = { ok: 0, failed: 1, usage: 2, blocked: 3, incomplete: 4 } as const;

const HELP = `dynamorm <command> [options]

Commands:
  local     [--port N]                       start DynamoDB Local and print the endpoint and credentials
  generate  --models FILE --format F [--out FILE] [--prefix P]
                                             deployment definitions of the models' tables
                                             (F: ${TEMPLATE_FORMATS.join(', ')})
  migrate   --models FILE [--apply] [--allow-delete] [--prefix P] [--endpoint URL] [--region R]
            [--migrations-table T]           compare the models with the live tables, show the plan
                                             (and the module's pending data migrations), and with
                                             --apply run it (one index per step, then the data)
  seed      --models FILE FIXTURE...         load YAML/JSON fixtures through the models
  cost      FILE                             estimate a workload (YAML/JSON: models, rates, item
                                             sizes, region, billing mode): units and $ per month
  help                                       this text

--models names a module (.js/.mjs, or .ts when tsx is installed) whose exported models are used.
Exit codes: 0 done, 1 failed, 2 bad usage, 3 changes DynamoDB cannot make in place (nothing applied),
4 a data migration left items that kept changing (run again).`;

class UsageError extends Error {}

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function main(argv: readonly string[], out: Output = processOutput()): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'local':
        return await local(rest, out);
      case 'generate':
        return await generateCommand(rest, out);
      case 'migrate':
        return await migrate(rest, out);
      case 'seed':
        return await seed(rest, out);
      case 'cost':
        return await (await import('./cost.js')).costCommand(rest, out, { loadModels, usage: (message) => new UsageError(message) });
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out.line(HELP);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      out.error(`dynamorm: ${(error as Error).message}\n\n${HELP}`);
      return EXIT.usage;
    }
    out.error(`dynamorm ${command}: ${(error as Error).name}: ${(error as Error).message}`);
    return EXIT.failed;
  }
}

const common = {
  models: { type: 'string' },
  prefix: { type: 'string' },
  endpoint: { type: 'string' },
  region: { type: 'string' },
} as const;

/** Imports the models module (TypeScript through tsx's loader when it is installed). */
async function loadModels(file: string | undefined): Promise<AnyModel[]> {
  if (!file) throw new UsageError('--models FILE is required');
  const url = pathToFileURL(resolve(file)).href;
  // TypeScript goes through tsx's loader, registered before the first import: Node remembers a
  // failed import of a URL, so trying plain Node first would make the second attempt fail too.
  if (/\.[cm]?tsx?$/.test(file)) {
    try {
      const { register } = (await import('tsx/esm/api' as string)) as { register(): void };
      register();
    } catch {
      throw new UsageError(`${file} is TypeScript: install tsx (npm install --save-dev tsx), or point --models at the compiled JavaScript`);
    }
  }
  const module = (await import(url)) as Record<string, unknown>;
  const models = modelsOf(module);
  if (models.length === 0) throw new UsageError(`${file} exports no models (values made with model())`);
  return models;
}

function database(values: { prefix?: string | undefined; endpoint?: string | undefined; region?: string | undefined }): DynamORM {
  return DynamORM.create({
    // Table management answers slowly (CreateTable, UpdateTable): no short per-request time-out.
    requestTimeoutMs: 30_000,
    ...(values.endpoint ? { endpoint: values.endpoint } : {}),
    ...(values.region ? { region: values.region } : {}),
    ...(values.prefix !== undefined ? { tablePrefix: values.prefix } : {}),
  });
}

async function generateCommand(args: readonly string[], out: Output): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { ...common, format: { type: 'string' }, out: { type: 'string' } } });
  const format = values.format as TemplateFormat | undefined;
  if (!format || !TEMPLATE_FORMATS.includes(format)) throw new UsageError(`--format is one of ${TEMPLATE_FORMATS.join(', ')}`);
  const text = generate(format, tableSchemas(await loadModels(values.models), values.prefix ?? ''));
  if (values.out) {
    await writeFile(values.out, text);
    out.line(`wrote ${values.out}`);
  } else {
    out.line(text.trimEnd());
  }
  return EXIT.ok;
}

async function migrate(args: readonly string[], out: Output): Promise<number> {
  const { values } = parseArgs({
    args: [...args],
    options: { ...common, apply: { type: 'boolean' }, 'allow-delete': { type: 'boolean' }, 'migrations-table': { type: 'string' } },
  });
  const models = await loadModels(values.models);
  const db = database(values);
  try {
    const steps: MigrationStep[] = [];
    const kept: string[] = [];
    const blocked: string[] = [];
    for (const schema of tableSchemas(models, db.config.tablePrefix)) {
      const plan = planTable(schema, await readLive(db.client, schema.name), { allowDelete: values['allow-delete'] === true });
      steps.push(...plan.steps);
      kept.push(...plan.kept);
      blocked.push(...plan.blocked);
    }
    // Data migrations the models module exports (dynamorm/migrations) run after the schema steps.
    const data = await import('../migrations/cli.js');
    const migrationsTable = values['migrations-table'];
    const pending = await data.pendingDataMigrations(db, values.models as string, migrationsTable);
    const count = steps.length + pending.length;
    const { bold, red, yellow, green, dim } = out.colour;
    out.line(bold(count === 0 ? 'Plan: nothing to do' : `Plan: ${count} step${count === 1 ? '' : 's'}`));
    steps.forEach((s, i) => out.line(`  ${i + 1}. ${s.kind === 'deleteIndex' ? red(describeStep(s)) : describeStep(s)}`));
    pending.forEach((p, i) => out.line(`  ${steps.length + i + 1}. ${data.describeDataMigration(p)}`));
    for (const k of kept) out.line(yellow(`  kept: ${k}`));
    for (const b of blocked) out.line(red(`  blocked: ${b}`));
    if (blocked.length > 0) {
      out.error('dynamorm migrate: the models need changes DynamoDB cannot make in place; nothing was applied');
      return EXIT.blocked;
    }
    if (count === 0) return EXIT.ok;
    if (!values.apply) {
      out.line(dim('Dry run: pass --apply to run these steps.'));
      return EXIT.ok;
    }
    for (const [i, step] of steps.entries()) {
      out.line(`${i + 1}/${count} ${describeStep(step)}`);
      await applyStep(db.client, step, (p) => out.progress(`    ${p.status}`, p.done, p.total));
      out.endProgress();
      out.line(green(`    done`));
    }
    for (const [i, p] of pending.entries()) {
      out.line(`${steps.length + i + 1}/${count} ${data.describeDataMigration(p)}`);
      if ((await data.applyDataMigration(db, p, out, migrationsTable)) === 'incomplete') return EXIT.incomplete;
      out.line(green(`    done`));
    }
    return EXIT.ok;
  } finally {
    db.destroy();
  }
}

async function seed(args: readonly string[], out: Output): Promise<number> {
  const { values, positionals } = parseArgs({ args: [...args], options: common, allowPositionals: true });
  if (positionals.length === 0) throw new UsageError('seed needs at least one fixture file');
  const models = await loadModels(values.models);
  const byName = Object.fromEntries(models.map((m) => [m.name, m]));
  const db = database(values);
  try {
    const { loadFixture } = await import('../testing/fixtures.js');
    for (const file of positionals) {
      await readFile(file); // a missing file fails here, with its name
      const loaded = await loadFixture(db, file, byName);
      const counts = Object.entries(loaded).filter(([, items]) => items.length > 0).map(([name, items]) => `${items.length} ${name}`);
      out.line(`${file}: ${counts.join(', ') || 'nothing'}`);
    }
    return EXIT.ok;
  } finally {
    db.destroy();
  }
}

async function local(args: readonly string[], out: Output): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { port: { type: 'string' } } });
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) throw new UsageError('--port is a port number');
  const { startLocalDynamoDB } = await import('../testing/local-dynamodb.js');
  const server = await startLocalDynamoDB(port === undefined ? {} : { port });
  out.line(`DynamoDB Local is running at ${server.endpoint} (in memory; Ctrl-C stops it). Use:`);
  out.line(`  export DYNAMODB_ENDPOINT=${server.endpoint} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local`);
  await new Promise<void>((resolveStop) => {
    process.once('SIGINT', resolveStop);
    process.once('SIGTERM', resolveStop);
  });
  await server.stop();
  return EXIT.ok;
}

// Run when executed (through node_modules/.bin's link too), not when imported by the tests.
const invoked = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invoked) process.exitCode = await main(process.argv.slice(2));
