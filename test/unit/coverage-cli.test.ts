/**
 * The CLI's branches the other tests leave out: what `processOutput` writes on a terminal, in CI and
 * with NO_COLOR; `main()`'s usage errors and exit codes (run in process with a fake Output, nothing
 * sent to DynamoDB); and templates for tables with provisioned throughput, streams, local indexes,
 * KEYS_ONLY/INCLUDE projections, TTL, number and binary keys, several tables at once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { afterAll, describe, expect, test, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { attr, model } from '../../src/index.js';
import { cloudFormation, generate, resourceName, toYaml } from '../../src/cli/generate.js';
import { EXIT, main } from '../../src/cli/main.js';
import { processOutput, type Output } from '../../src/cli/output.js';
import { tableSchemas, type TableSchema } from '../../src/cli/schema.js';

/** A stream that records what is written to it. */
function stream(isTTY: boolean): { s: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const s = { isTTY, write: (chunk: string) => (chunks.push(chunk), true) } as unknown as NodeJS.WriteStream;
  return { s, text: () => chunks.join('') };
}

describe('processOutput', () => {
  test('on a terminal: colours, a progress line redrawn in place, closed by the next line', () => {
    const out = stream(true);
    const err = stream(true);
    const o = processOutput(out.s, err.s, {});
    expect(o.colour.red('x')).toBe('\u001b[31mx\u001b[0m');
    expect(o.colour.bold('x')).toBe('\u001b[1mx\u001b[0m');
    expect(o.colour.green('x')).toBe('\u001b[32mx\u001b[0m');
    expect(o.colour.yellow('x')).toBe('\u001b[33mx\u001b[0m');
    expect(o.colour.dim('x')).toBe('\u001b[2mx\u001b[0m');
    o.progress('copy', 5, 10);
    o.progress('copy', 15, 10); // past the total: the bar stops at 100%
    o.progress('wait', undefined, undefined); // nothing known: the label alone
    o.line('next');
    o.line('after');
    expect(out.text()).toBe(
      `\rcopy [##########..........] 50%\u001b[K\rcopy [####################] 100%\u001b[K\rwait\u001b[K\nnext\nafter\n`,
    );
    o.error('bad');
    expect(err.text()).toBe('bad\n');
    expect(out.text()).not.toContain('bad');
  });

  test('on a terminal, endProgress ends a drawn line once, and does nothing when none is drawn', () => {
    const out = stream(true);
    const o = processOutput(out.s, stream(true).s, {});
    o.endProgress();
    expect(out.text()).toBe('');
    o.progress('p', 1, 4);
    o.endProgress();
    o.endProgress();
    o.line('x');
    expect(out.text()).toBe(`\rp [#####...............] 25%\u001b[K\nx\n`);
  });

  test('NO_COLOR on a terminal: plain text, progress still redrawn', () => {
    const out = stream(true);
    const o = processOutput(out.s, stream(true).s, { NO_COLOR: '1' });
    expect(o.colour.red('x')).toBe('x');
    expect(o.colour.bold('x')).toBe('x');
    o.progress('p', 1, 2);
    expect(out.text()).toBe(`\rp [##########..........] 50%\u001b[K`);
  });

  test('in CI (even on a terminal) and on a pipe: no colour, a plain line at most once per tenth', () => {
    for (const [isTTY, env] of [
      [true, { CI: 'true' }],
      [false, {}],
    ] as const) {
      const out = stream(isTTY);
      const o = processOutput(out.s, stream(isTTY).s, env);
      expect(o.colour.green('x')).toBe('x');
      o.progress('copy', 0, 100);
      o.progress('copy', 5, 100); // same tenth: not printed again
      o.progress('copy', 12, 100);
      o.progress('copy', 19, 100); // same tenth
      o.progress('copy', 100, 100);
      o.endProgress(); // no newline owed: lines were whole
      o.progress('copy', 0, 100); // a new progress prints its first tenth again
      o.endProgress();
      o.progress('scan', undefined, 100); // no count: the label alone
      o.progress('scan', 3, 0); // a zero total is "unknown" too (no division by zero): same tenth, not repeated
      o.line('done');
      expect(out.text()).toBe('copy 0%\ncopy 12%\ncopy 100%\ncopy 0%\nscan\ndone\n');
    }
  });

  test('defaults to the process streams and environment', () => {
    const o = processOutput();
    expect(typeof o.line).toBe('function');
    const tty = process.stdout.isTTY === true && !process.env.CI && !process.env.NO_COLOR;
    expect(o.colour.red('x')).toBe(tty ? '\u001b[31mx\u001b[0m' : 'x');
  });
});

/** An Output that collects lines and errors. */
function fakeOutput(): Output & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  const id = (s: string) => s;
  return {
    lines,
    errors,
    line: (t) => void lines.push(t),
    error: (t) => void errors.push(t),
    progress: () => undefined,
    endProgress: () => undefined,
    colour: { bold: id, red: id, green: id, yellow: id, dim: id },
  };
}

async function run(...argv: string[]) {
  const out = fakeOutput();
  const code = await main(argv, out);
  return { code, lines: out.lines, errors: out.errors };
}

const dir = mkdtempSync(join(tmpdir(), 'dynamorm-cov-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const modelsFile = 'test/integration/cli/models-v1.ts';

describe('main: help, usage errors and exit codes', () => {
  test('no command prints the help and exits with the usage code; help, --help and -h exit 0', async () => {
    const none = await run();
    expect(none.code).toBe(EXIT.usage);
    expect(none.lines[0]).toMatch(/^dynamorm <command> \[options\]/);
    for (const flag of ['help', '--help', '-h']) {
      const r = await run(flag);
      expect(r.code).toBe(EXIT.ok);
      expect(r.lines).toEqual(none.lines);
      expect(r.errors).toEqual([]);
    }
  });

  test('an unknown command is a usage error, with the help on stderr', async () => {
    const r = await run('deploy');
    expect(r.code).toBe(EXIT.usage);
    expect(r.lines).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^dynamorm: unknown command deploy\n\ndynamorm <command>/);
  });

  test('an unknown option (node:util parseArgs) is a usage error', async () => {
    const r = await run('generate', '--models', modelsFile, '--format', 'sam', '--bogus');
    expect(r.code).toBe(EXIT.usage);
    expect(r.errors[0]).toMatch(/^dynamorm: .*--bogus/);
  });

  test('generate: a missing or unknown --format and a missing --models are usage errors', async () => {
    for (const args of [['--models', modelsFile], ['--models', modelsFile, '--format', 'pulumi']]) {
      const r = await run('generate', ...args);
      expect(r.code).toBe(EXIT.usage);
      expect(r.errors[0]).toMatch(/^dynamorm: --format is one of cloudformation, sam, cdk, terraform/);
    }
    const r = await run('generate', '--format', 'sam');
    expect(r.code).toBe(EXIT.usage);
    expect(r.errors[0]).toMatch(/^dynamorm: --models FILE is required/);
  });

  test('generate: a module without models is a usage error; a module that does not load fails (exit 1)', async () => {
    const empty = join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const notAModel = { table: "x" };\n');
    const r = await run('generate', '--models', empty, '--format', 'sam');
    expect(r.code).toBe(EXIT.usage);
    expect(r.errors[0]).toContain('exports no models');
    const missing = await run('generate', '--models', join(dir, 'missing.mjs'), '--format', 'sam');
    expect(missing.code).toBe(EXIT.failed);
    expect(missing.errors).toHaveLength(1);
    expect(missing.errors[0]).toMatch(/^dynamorm generate: \w*Error: /);
    expect(missing.errors[0]).not.toContain('dynamorm <command>');
  });

  test('generate prints the template, with the prefix, or writes it to --out', async () => {
    const printed = await run('generate', '--models', modelsFile, '--format', 'terraform', '--prefix', 'prod-');
    expect(printed.code).toBe(EXIT.ok);
    expect(printed.lines).toHaveLength(1);
    expect(printed.lines[0]).toContain('name         = "prod-cli-payments"');
    expect(printed.lines[0]?.endsWith('\n')).toBe(false);
    const file = join(dir, 'tables.yaml');
    const written = await run('generate', '--models', modelsFile, '--format', 'cloudformation', '--out', file);
    expect(written).toEqual({ code: EXIT.ok, lines: [`wrote ${file}`], errors: [] });
    const template = parseYaml(readFileSync(file, 'utf8')) as { Resources: Record<string, { Properties: { TableName: string } }> };
    expect(template.Resources.CliPaymentsTable?.Properties.TableName).toBe('cli-payments');
  });

  test('migrate and seed check their arguments before any request', async () => {
    const migrate = await run('migrate');
    expect(migrate.code).toBe(EXIT.usage);
    expect(migrate.errors[0]).toMatch(/^dynamorm: --models FILE is required/);
    const seed = await run('seed', '--models', modelsFile);
    expect(seed.code).toBe(EXIT.usage);
    expect(seed.errors[0]).toMatch(/^dynamorm: seed needs at least one fixture file/);
    const noModels = await run('seed', 'fixture.yaml');
    expect(noModels.code).toBe(EXIT.usage);
  });

  test('seed: a missing fixture file fails with its name, nothing loaded', async () => {
    const fixture = join(dir, 'no-such-fixture.yaml');
    for (const extra of [[], ['--endpoint', 'http://127.0.0.1:9', '--region', 'us-east-1', '--prefix', 't-']]) {
      const r = await run('seed', '--models', modelsFile, ...extra, fixture);
      expect(r.code).toBe(EXIT.failed);
      expect(r.lines).toEqual([]);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]).toMatch(/^dynamorm seed: Error: ENOENT/);
      expect(r.errors[0]).toContain('no-such-fixture.yaml');
    }
  });

  test('migrate: an endpoint nobody answers on fails (exit 1) with the cause, no plan printed', async () => {
    // Credentials present, so what fails is the connection, not the credential chain.
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'local');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local');
    const started = Date.now();
    const r = await run('migrate', '--models', modelsFile, '--endpoint', 'http://127.0.0.1:9', '--region', 'us-east-1', '--prefix', 't-');
    expect(r.code).toBe(EXIT.failed);
    expect(r.lines).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatch(/^dynamorm migrate: /);
    expect(r.errors[0]).not.toContain('dynamorm <command>');
    expect(r.errors[0]).toMatch(/ECONNREFUSED|connect/i);
    expect(Date.now() - started).toBeLessThan(8_000);
    vi.unstubAllEnvs();
  });

  test('cost: the workload file is a positional argument, exactly one', async () => {
    for (const args of [[], ['a.json', 'b.json']]) {
      const r = await run('cost', ...args);
      expect(r.code).toBe(EXIT.usage);
      expect(r.errors[0]).toMatch(/^dynamorm: cost needs one workload file/);
    }
  });

  test('local: --port must be a port number', async () => {
    for (const port of ['0', '65536', 'abc', '80.5']) {
      const r = await run('local', '--port', port);
      expect(r.code).toBe(EXIT.usage);
      expect(r.errors[0]).toMatch(/^dynamorm: --port is a port number/);
    }
  });
});

// Models covering what the first unit test's models do not: number and binary keys, a local index,
// KEYS_ONLY (declared, and INCLUDE of key attributes only), a hash-only table.
const Entry = model('Entry', {
  table: 'ledger',
  attributes: {
    accountId: attr.string().partitionKey(),
    seq: attr.number().sortKey(),
    amount: attr.number(),
    ref: attr.string(),
    note: attr.string().optional(),
    expiresAt: attr.ttl().optional(),
  },
  indexes: {
    byAmount: { name: 'lsi-amount', type: 'local', partitionKey: 'accountId', sortKey: 'amount', projection: 'keys' },
    byRef: { name: 'gsi-ref', partitionKey: 'ref', projection: ['note'] },
    byRefKeys: { name: 'gsi-ref-keys', partitionKey: 'ref', sortKey: 'seq', projection: ['seq'] },
  },
});
const Blob = model('Blob', { table: '9-blobs', attributes: { hash: attr.binary().partitionKey(), size: attr.number() } });

const provisioned = tableSchemas([Entry], 'p-', { throughput: { read: 3, write: 2 }, stream: 'NEW_AND_OLD_IMAGES' });
const onDemand = tableSchemas([Blob]);
const tables = [...provisioned, ...onDemand];

describe('generate: provisioned, streams, local indexes, projections, several tables', () => {
  test('CloudFormation: throughput on the table and its global indexes, the stream view type only, LSIs', () => {
    const t = parseYaml(generate('cloudformation', tables)) as {
      Transform?: string;
      Resources: Record<string, { Properties: Record<string, unknown> }>;
      Outputs: Record<string, unknown>;
    };
    expect(t.Transform).toBeUndefined();
    expect(Object.keys(t.Resources)).toEqual(['PLedgerTable', 'T9BlobsTable']);
    expect(t.Outputs).toEqual({ PLedgerTableName: { Value: { Ref: 'PLedgerTable' } }, T9BlobsTableName: { Value: { Ref: 'T9BlobsTable' } } });
    const ledger = t.Resources.PLedgerTable?.Properties ?? {};
    expect(ledger.BillingMode).toBe('PROVISIONED');
    expect(ledger.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 3, WriteCapacityUnits: 2 });
    // CloudFormation rejects StreamEnabled: only the view type goes in.
    expect(ledger.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(ledger.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
    expect(ledger.LocalSecondaryIndexes).toEqual([
      { IndexName: 'lsi-amount', KeySchema: [{ AttributeName: 'accountId', KeyType: 'HASH' }, { AttributeName: 'amount', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' } },
    ]);
    expect(ledger.GlobalSecondaryIndexes).toEqual([
      { IndexName: 'gsi-ref', KeySchema: [{ AttributeName: 'ref', KeyType: 'HASH' }], Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['note'] }, ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 2 } },
      { IndexName: 'gsi-ref-keys', KeySchema: [{ AttributeName: 'ref', KeyType: 'HASH' }, { AttributeName: 'seq', KeyType: 'RANGE' }], Projection: { ProjectionType: 'KEYS_ONLY' }, ProvisionedThroughput: { ReadCapacityUnits: 3, WriteCapacityUnits: 2 } },
    ]);
    const blobs = t.Resources.T9BlobsTable?.Properties ?? {};
    expect(blobs.BillingMode).toBe('PAY_PER_REQUEST');
    expect(blobs.KeySchema).toEqual([{ AttributeName: 'hash', KeyType: 'HASH' }]);
    expect(blobs.AttributeDefinitions).toEqual([{ AttributeName: 'hash', AttributeType: 'B' }]);
    for (const key of ['ProvisionedThroughput', 'StreamSpecification', 'TimeToLiveSpecification', 'GlobalSecondaryIndexes', 'LocalSecondaryIndexes']) expect(blobs).not.toHaveProperty(key);
    expect(cloudFormation(tables, true)).toMatchObject({ Transform: 'AWS::Serverless-2016-10-31' });
    // SAM is the same template with the SAM transform.
    const sam = parseYaml(generate('sam', tables)) as Record<string, unknown>;
    expect(sam.Transform).toBe('AWS::Serverless-2016-10-31');
    expect({ ...sam, Transform: undefined }).toEqual({ ...t, Transform: undefined });
  });

  test('Terraform: capacities, stream, LSI without hash_key or capacity, projections, TTL only where set', async () => {
    const parsed = (await parseHcl('t.tf', generate('terraform', tables))) as { resource: { aws_dynamodb_table: Record<string, [Record<string, unknown>]> } };
    const all = parsed.resource.aws_dynamodb_table;
    // Words split at a lower-case letter or digit before a capital: PLedger -> pledger, T9Blobs -> t9_blobs.
    expect(Object.keys(all)).toEqual(['pledger', 't9_blobs']);
    const ledger = all.pledger?.[0] ?? {};
    expect(ledger).toMatchObject({ name: 'p-ledger', billing_mode: 'PROVISIONED', hash_key: 'accountId', range_key: 'seq', read_capacity: 3, write_capacity: 2, stream_enabled: true, stream_view_type: 'NEW_AND_OLD_IMAGES' });
    expect(ledger.attribute).toEqual(expect.arrayContaining([{ name: 'seq', type: 'N' }, { name: 'amount', type: 'N' }, { name: 'ref', type: 'S' }]));
    expect(ledger.local_secondary_index).toEqual([{ name: 'lsi-amount', range_key: 'amount', projection_type: 'KEYS_ONLY' }]);
    expect(ledger.global_secondary_index).toEqual([
      { name: 'gsi-ref', hash_key: 'ref', projection_type: 'INCLUDE', non_key_attributes: ['note'], read_capacity: 3, write_capacity: 2 },
      { name: 'gsi-ref-keys', hash_key: 'ref', range_key: 'seq', projection_type: 'KEYS_ONLY', read_capacity: 3, write_capacity: 2 },
    ]);
    expect(ledger.ttl).toEqual([{ attribute_name: 'expiresAt', enabled: true }]);
    const blobs = all.t9_blobs?.[0] ?? {};
    expect(blobs).toMatchObject({ name: '9-blobs', billing_mode: 'PAY_PER_REQUEST', hash_key: 'hash' });
    for (const key of ['range_key', 'read_capacity', 'stream_enabled', 'ttl', 'global_secondary_index', 'local_secondary_index']) expect(blobs).not.toHaveProperty(key);
  });

  test('Terraform: interpolation markers in names stay literal', () => {
    const weird = { ...onDemand[0]!, name: 'a${b}%{c}' };
    const text = generate('terraform', [weird]);
    expect(text).toContain('name         = "a$${b}%%{c}"');
  });

  test('CDK: Capacity, StreamViewType and ProjectionType imported only when used; provisioned billing, LSIs, number and binary keys', () => {
    const code = generate('cdk', tables);
    expect(code).toContain("import { AttributeType, Billing, Capacity, ProjectionType, StreamViewType, TableV2 } from 'aws-cdk-lib/aws-dynamodb';");
    expect(code).toContain('readonly pLedger: TableV2;');
    expect(code).toContain('readonly t9Blobs: TableV2;');
    // TableV2 wants provisioned write capacity autoscaled; the ceiling is ten times the write units, at least 10.
    expect(code).toContain('billing: Billing.provisioned({ readCapacity: Capacity.fixed(3), writeCapacity: Capacity.autoscaled({ maxCapacity: 20 }) }),');
    expect(code).toContain('sortKey: { name: "seq", type: AttributeType.NUMBER },');
    expect(code).toContain('localSecondaryIndexes: [{ indexName: "lsi-amount", sortKey: { name: "amount", type: AttributeType.NUMBER }, projectionType: ProjectionType.KEYS_ONLY }],');
    expect(code).toContain('{ indexName: "gsi-ref-keys", partitionKey: { name: "ref", type: AttributeType.STRING }, sortKey: { name: "seq", type: AttributeType.NUMBER }, projectionType: ProjectionType.KEYS_ONLY }');
    expect(code).toContain('dynamoStream: StreamViewType.NEW_AND_OLD_IMAGES,');
    expect(code).toContain('partitionKey: { name: "hash", type: AttributeType.BINARY },');
    const blobs = code.slice(code.indexOf('"T9BlobsTable"'));
    expect(blobs).toContain('billing: Billing.onDemand(),');
    expect(blobs).not.toMatch(/sortKey|Indexes|timeToLive|dynamoStream/);

    const simple = generate('cdk', onDemand);
    expect(simple).toContain("import { AttributeType, Billing, TableV2 } from 'aws-cdk-lib/aws-dynamodb';");
    const small = generate('cdk', tableSchemas([Blob], '', { billingMode: 'PROVISIONED' }));
    expect(small).toContain('Capacity.fixed(5), writeCapacity: Capacity.autoscaled({ maxCapacity: 50 })');
    const tiny = generate('cdk', tableSchemas([Blob], '', { throughput: { read: 1, write: 1 } }));
    expect(tiny).toContain('Capacity.autoscaled({ maxCapacity: 10 })');
  });

  test('a hand-written definition: no billing mode is on-demand, an index without projection projects ALL', async () => {
    const bare: TableSchema = {
      name: 'bare',
      models: [],
      ttl: undefined,
      definition: {
        TableName: 'bare',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }, { AttributeName: 'g', AttributeType: 'S' }],
        GlobalSecondaryIndexes: [{ IndexName: 'by-g', KeySchema: [{ AttributeName: 'g', KeyType: 'HASH' }], Projection: undefined }],
      },
    };
    const parsed = (await parseHcl('t.tf', generate('terraform', [bare]))) as { resource: { aws_dynamodb_table: Record<string, [Record<string, unknown>]> } };
    expect(parsed.resource.aws_dynamodb_table.bare?.[0]).toMatchObject({ billing_mode: 'PAY_PER_REQUEST', global_secondary_index: [{ name: 'by-g', hash_key: 'g', projection_type: 'ALL' }] });
    expect(generate('cdk', [bare])).toContain('{ indexName: "by-g", partitionKey: { name: "g", type: AttributeType.STRING }, projectionType: ProjectionType.ALL }');
    // Read units only: the write ceiling falls back to the library's default of 5 units, times ten.
    const readOnly = { ...bare, definition: { ...bare.definition, BillingMode: 'PROVISIONED' as const, ProvisionedThroughput: { ReadCapacityUnits: 2, WriteCapacityUnits: undefined } } };
    expect(generate('cdk', [readOnly])).toContain('Capacity.fixed(2), writeCapacity: Capacity.autoscaled({ maxCapacity: 50 })');
  });

  test('resourceName: words joined, a leading digit prefixed, nothing usable gives Table', () => {
    expect(resourceName('9-blobs')).toBe('T9Blobs');
    expect(resourceName('my-payments.v2')).toBe('MyPaymentsV2');
    expect(resourceName('---')).toBe('Table');
  });

  test('toYaml: empty lists and maps, nested lists of maps, numbers and booleans unquoted', () => {
    const text = toYaml({ a: [], b: {}, c: [{ x: 1, y: [true] }, 'z'], d: 'q"uote' });
    expect(text).toBe('a: []\nb: {}\nc:\n  - x: 1\n    y:\n      - true\n  - "z"\nd: "q\\"uote"\n');
    expect(parseYaml(text)).toEqual({ a: [], b: {}, c: [{ x: 1, y: [true] }, 'z'], d: 'q"uote' });
  });
});
