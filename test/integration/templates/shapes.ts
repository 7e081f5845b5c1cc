/**
 * The templates reduced to what must agree between them: each table's shape (keys, key attributes,
 * indexes, billing, time to live, stream) and each function's permissions (`action resource`, with
 * resources named by table, `table/index/name`, or `key` for the KMS key). Each reader takes one
 * format: a CreateTable request, CloudFormation (SAM's tables and the CDK's synthesised GlobalTables)
 * and Terraform parsed to JSON. A reference these readers do not understand fails the test: a policy
 * on `*` or on anything but the stack's own tables and key is never read as something narrower.
 */
import type { Permission } from './access.js';

/** A table as the three templates and CreateTable must agree on it. */
export interface TableShape {
  readonly name: string;
  readonly keys: readonly string[];
  readonly attributes: readonly string[];
  readonly indexes: readonly string[];
  readonly billing: string;
  readonly ttl?: string;
  readonly stream?: string;
}

type Json = Record<string, unknown>;
type KeyElement = { AttributeName?: string; KeyType?: string };
type Index = { IndexName?: string; KeySchema?: KeyElement[]; Projection?: { ProjectionType?: string; NonKeyAttributes?: string[] } };

const keyText = (k: readonly KeyElement[] | undefined) => (k ?? []).map((e) => `${e.AttributeName}:${e.KeyType}`);
const indexText = (kind: 'global' | 'local', i: Index) =>
  `${kind} ${i.IndexName} ${keyText(i.KeySchema).join(' ')} ${i.Projection?.ProjectionType ?? 'ALL'}${i.Projection?.NonKeyAttributes ? ` ${[...i.Projection.NonKeyAttributes].sort().join(',')}` : ''}`;

function shape(s: { name: string; keys: KeyElement[] | undefined; attributes: { AttributeName?: string; AttributeType?: string }[] | undefined; global?: Index[] | undefined; local?: Index[] | undefined; billing: string | undefined; ttl: string | undefined; stream: string | undefined }): TableShape {
  return {
    name: s.name,
    keys: keyText(s.keys),
    attributes: (s.attributes ?? []).map((a) => `${a.AttributeName}:${a.AttributeType}`).sort(),
    indexes: [...(s.global ?? []).map((i) => indexText('global', i)), ...(s.local ?? []).map((i) => indexText('local', i))].sort(),
    billing: s.billing ?? 'PROVISIONED',
    ...(s.ttl ? { ttl: s.ttl } : {}),
    ...(s.stream ? { stream: s.stream } : {}),
  };
}

/** From a CreateTable request (and the UpdateTimeToLive that follows it, if any). */
export function fromCreateTable(input: Json, ttl?: string): TableShape {
  return shape({
    name: String(input.TableName),
    keys: input.KeySchema as KeyElement[],
    attributes: input.AttributeDefinitions as [],
    global: input.GlobalSecondaryIndexes as Index[] | undefined,
    local: input.LocalSecondaryIndexes as Index[] | undefined,
    billing: input.BillingMode as string | undefined,
    ttl,
    stream: (input.StreamSpecification as { StreamViewType?: string } | undefined)?.StreamViewType,
  });
}

/** From an `AWS::DynamoDB::Table` or `AWS::DynamoDB::GlobalTable` resource's properties. */
export function fromCloudFormation(p: Json): TableShape {
  const ttl = p.TimeToLiveSpecification as { AttributeName?: string; Enabled?: boolean } | undefined;
  return shape({
    name: String(p.TableName),
    keys: p.KeySchema as KeyElement[],
    attributes: p.AttributeDefinitions as [],
    global: p.GlobalSecondaryIndexes as Index[] | undefined,
    local: p.LocalSecondaryIndexes as Index[] | undefined,
    billing: p.BillingMode as string | undefined,
    ttl: ttl?.Enabled ? ttl.AttributeName : undefined,
    stream: (p.StreamSpecification as { StreamViewType?: string } | undefined)?.StreamViewType,
  });
}

/** From an `aws_dynamodb_table` block as `@cdktf/hcl2json` parses it. */
export function fromTerraform(t: Json): TableShape {
  const key = (hash: unknown, range: unknown): KeyElement[] => [{ AttributeName: String(hash), KeyType: 'HASH' }, ...(range ? [{ AttributeName: String(range), KeyType: 'RANGE' }] : [])];
  const index = (i: Json): Index => ({
    IndexName: String(i.name),
    KeySchema: i.hash_key ? key(i.hash_key, i.range_key) : [{ AttributeName: String(t.hash_key), KeyType: 'HASH' }, { AttributeName: String(i.range_key), KeyType: 'RANGE' }],
    Projection: { ProjectionType: String(i.projection_type), ...(i.non_key_attributes ? { NonKeyAttributes: i.non_key_attributes as string[] } : {}) },
  });
  const ttl = (t.ttl as Json[] | undefined)?.[0];
  return shape({
    name: String(t.name),
    keys: key(t.hash_key, t.range_key),
    attributes: (t.attribute as Json[]).map((a) => ({ AttributeName: String(a.name), AttributeType: String(a.type) })),
    global: (t.global_secondary_index as Json[] | undefined)?.map(index),
    local: (t.local_secondary_index as Json[] | undefined)?.map(index),
    billing: t.billing_mode as string | undefined,
    ttl: ttl?.enabled ? String(ttl.attribute_name) : undefined,
    stream: t.stream_enabled ? String(t.stream_view_type) : undefined,
  });
}

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

/**
 * The permissions of CloudFormation policy statements; `resolve` names what a logical id stands for
 * (a table name, or `key`). Only Allow statements; a Deny or NotAction would be refused.
 */
export function cloudFormationPermissions(statements: readonly Json[], resolve: (logicalId: string) => string): Set<Permission> {
  const resource = (r: unknown): string => {
    const v = r as Json;
    const getAtt = (x: unknown) => {
      const g = (x as Json)['Fn::GetAtt'] as [string, string] | undefined;
      if (!g || g[1] !== 'Arn') throw new Error(`a policy resource this test does not read: ${JSON.stringify(x)}`);
      return resolve(g[0]);
    };
    if (v['Fn::GetAtt']) return getAtt(v);
    const sub = typeof v['Fn::Sub'] === 'string' ? /^\$\{([A-Za-z0-9]+)\.Arn\}(\/index\/[A-Za-z0-9_.-]+)$/.exec(v['Fn::Sub']) : null;
    if (sub) return `${resolve(sub[1] as string)}${sub[2]}`;
    const join = v['Fn::Join'] as [string, unknown[]] | undefined;
    if (join && join[0] === '' && join[1].length === 2 && typeof join[1][1] === 'string' && /^\/index\/[A-Za-z0-9_.-]+$/.test(join[1][1])) return `${getAtt(join[1][0])}${join[1][1]}`;
    throw new Error(`a policy resource this test does not read: ${JSON.stringify(r)}`);
  };
  const out = new Set<Permission>();
  for (const s of statements) {
    if (s.Effect !== 'Allow' || s.NotAction || s.NotResource) throw new Error(`a statement this test does not read: ${JSON.stringify(s)}`);
    for (const a of list(s.Action)) for (const r of list(s.Resource)) out.add(`${String(a)} ${resource(r)}`);
  }
  return out;
}

/** The permissions of a Terraform `aws_iam_policy_document`'s statements; `tables` maps resource names to table names. */
export function terraformPermissions(statements: readonly Json[], tables: Readonly<Record<string, string>>): Set<Permission> {
  const resource = (r: string): string => {
    const table = /^\$\{aws_dynamodb_table\.([a-z0-9_]+)\.arn\}(\/index\/[A-Za-z0-9_.-]+)?$/.exec(r);
    if (table && tables[table[1] as string]) return `${tables[table[1] as string]}${table[2] ?? ''}`;
    if (r === '${aws_kms_key.payment.arn}') return 'key';
    throw new Error(`a policy resource this test does not read: ${r}`);
  };
  const out = new Set<Permission>();
  for (const s of statements) {
    if ((s.effect ?? 'Allow') !== 'Allow' || s.not_actions || s.not_resources) throw new Error(`a statement this test does not read: ${JSON.stringify(s)}`);
    for (const a of s.actions as string[]) for (const r of s.resources as string[]) out.add(`${a} ${resource(r)}`);
  }
  return out;
}
