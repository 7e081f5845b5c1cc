/**
 * Validates CloudFormation (and SAM) resources against the AWS resource specification that the AWS CDK
 * generates its L1 constructs from (`@aws-cdk/aws-service-spec`: the CloudFormation resource provider
 * schemas, and the SAM specification for `AWS::Serverless::*`). Every resource's type must exist; every
 * property must be one the type has, every required property present, and every value of the type the
 * specification gives (strings, integers, numbers, booleans, lists, maps, nested property types and
 * their own required properties, allowed values). An intrinsic function (`Ref`, `Fn::*`) is accepted
 * wherever a value is: what it resolves to is only known at deployment.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';

interface SpecType {
  readonly type: string;
  readonly element?: SpecType;
  readonly types?: readonly SpecType[];
  readonly reference?: { readonly $ref: string };
  readonly allowedValues?: readonly string[];
}
interface SpecProperty {
  readonly type: SpecType;
  readonly required?: boolean;
}
interface SpecShape {
  readonly name: string;
  readonly properties: Readonly<Record<string, SpecProperty>>;
}
interface SpecResource extends SpecShape {
  readonly cloudFormationType: string;
}

/** The resource types and property types of the specification. */
export interface ResourceSpec {
  readonly resources: ReadonlyMap<string, SpecResource>;
  readonly types: ReadonlyMap<string, SpecShape>;
}

/** One thing wrong with a template: where (`Resource.Properties.Path[0].Name`) and what. */
export interface SpecProblem {
  readonly path: string;
  readonly problem: string;
}

let loaded: ResourceSpec | undefined;

/** Loads the specification shipped by `@aws-cdk/aws-service-spec` (a gzipped JSON database), once. */
export function loadResourceSpec(): ResourceSpec {
  if (loaded) return loaded;
  const file = createRequire(import.meta.url).resolve('@aws-cdk/aws-service-spec/db.json.gz');
  const db = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as {
    schema: { resource: { entities: Record<string, SpecResource & { $id: string }> }; typeDefinition: { entities: Record<string, SpecShape & { $id: string }> } };
  };
  const resources = new Map(Object.values(db.schema.resource.entities).map((r) => [r.cloudFormationType, r]));
  const types = new Map(Object.values(db.schema.typeDefinition.entities).map((t) => [t.$id, t]));
  return (loaded = { resources, types });
}

const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Metadata', 'Condition', 'DeletionPolicy', 'UpdateReplacePolicy', 'UpdatePolicy', 'CreationPolicy']);
const POLICIES = new Set(['Delete', 'Retain', 'RetainExceptOnCreate', 'Snapshot']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `{ Ref: ... }`, `{ 'Fn::GetAtt': ... }`, ...: a value only known at deployment. */
export function isIntrinsic(v: unknown): boolean {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && (keys[0] === 'Ref' || (keys[0] as string).startsWith('Fn::'));
}

/** Every problem of the resources of `template` (an empty list when it is valid). */
export function validateResources(template: { readonly Resources?: unknown }, spec: ResourceSpec = loadResourceSpec()): SpecProblem[] {
  const problems: SpecProblem[] = [];
  if (!isObject(template.Resources)) return [{ path: 'Resources', problem: 'missing' }];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (!isObject(resource)) {
      problems.push({ path: id, problem: 'not an object' });
      continue;
    }
    for (const key of Object.keys(resource)) if (!RESOURCE_KEYS.has(key)) problems.push({ path: `${id}.${key}`, problem: 'not a resource attribute' });
    for (const key of ['DeletionPolicy', 'UpdateReplacePolicy'] as const) {
      if (resource[key] !== undefined && !POLICIES.has(resource[key] as string)) problems.push({ path: `${id}.${key}`, problem: `not one of ${[...POLICIES].join(', ')}` });
    }
    const type = spec.resources.get(String(resource.Type));
    if (!type) {
      problems.push({ path: `${id}.Type`, problem: `unknown resource type ${String(resource.Type)}` });
      continue;
    }
    const properties = resource.Properties ?? {};
    if (!isObject(properties)) problems.push({ path: `${id}.Properties`, problem: 'not an object' });
    else problems.push(...checkShape(type, properties, `${id}.Properties`, spec));
  }
  return problems;
}

function checkShape(shape: SpecShape, value: Record<string, unknown>, path: string, spec: ResourceSpec): SpecProblem[] {
  const problems: SpecProblem[] = [];
  for (const [name, property] of Object.entries(shape.properties)) {
    if (property.required && value[name] === undefined) problems.push({ path: `${path}.${name}`, problem: `required by ${shape.name}` });
  }
  for (const [name, v] of Object.entries(value)) {
    const property = shape.properties[name];
    if (!property) problems.push({ path: `${path}.${name}`, problem: `not a property of ${shape.name}` });
    else problems.push(...checkValue(property.type, v, `${path}.${name}`, spec));
  }
  return problems;
}

function checkValue(type: SpecType, value: unknown, path: string, spec: ResourceSpec): SpecProblem[] {
  if (isIntrinsic(value)) return [];
  const wrong = (expected: string): SpecProblem[] => [{ path, problem: `expected ${expected}, got ${Array.isArray(value) ? 'a list' : typeof value}` }];
  switch (type.type) {
    case 'string':
    case 'date-time':
      if (typeof value !== 'string') return wrong('a string');
      return type.allowedValues && !type.allowedValues.includes(value) ? [{ path, problem: `${JSON.stringify(value)} is not one of ${type.allowedValues.join(', ')}` }] : [];
    case 'integer':
      return Number.isInteger(value) ? [] : wrong('an integer');
    case 'number':
      return typeof value === 'number' ? [] : wrong('a number');
    case 'boolean':
      return typeof value === 'boolean' ? [] : wrong('a boolean');
    case 'json':
      return [];
    case 'array':
      return Array.isArray(value) ? value.flatMap((v, i) => checkValue(type.element as SpecType, v, `${path}[${i}]`, spec)) : wrong('a list');
    case 'map':
      return isObject(value) ? Object.entries(value).flatMap(([k, v]) => checkValue(type.element as SpecType, v, `${path}.${k}`, spec)) : wrong('a map');
    case 'tag':
      if (!Array.isArray(value)) return wrong('a list of tags');
      return value.flatMap((t, i) => (isObject(t) && typeof t.Key === 'string' && (typeof t.Value === 'string' || isIntrinsic(t.Value)) ? [] : [{ path: `${path}[${i}]`, problem: 'expected { Key, Value }' }]));
    case 'ref': {
      const shape = spec.types.get(type.reference?.$ref ?? '');
      if (!shape) return [{ path, problem: `the specification has no type ${type.reference?.$ref}` }];
      return isObject(value) ? checkShape(shape, value, path, spec) : wrong(`a ${shape.name}`);
    }
    case 'union': {
      const tried = (type.types ?? []).map((t) => checkValue(t, value, path, spec));
      return tried.some((p) => p.length === 0) ? [] : (tried.sort((a, b) => a.length - b.length)[0] ?? wrong('a value of the union'));
    }
    default:
      return [{ path, problem: `the specification's type ${type.type} is not understood by this check` }];
  }
}
