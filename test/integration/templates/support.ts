/**
 * The committed templates, read for the tests: the SAM template parsed, the Terraform parsed to JSON,
 * the tables the models give (what `dynamorm generate` writes and `tables(db).create` sends), and the
 * permissions each template grants each function.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { parse as parseHcl } from '@cdktf/hcl2json';
import { parse as parseYaml } from 'yaml';
import { modelsOf, tableSchemas, type TableSchema } from '../../../src/cli/schema.js';
import * as models from '../../../templates/models.js';
import { HANDLERS, type HandlerName, type Permission } from './access.js';
import { cloudFormationPermissions, fromCreateTable, terraformPermissions, type TableShape } from './shapes.js';

export const root = fileURLToPath(new URL('../../../', import.meta.url));
export const read = (path: string): string => readFileSync(`${root}${path}`, 'utf8');

/** The tables of templates/models.ts, as `dynamorm generate` and `tables(db).create` see them. */
export const schemas = (): TableSchema[] => tableSchemas(modelsOf(models));
export const expectedTables = (): TableShape[] => schemas().map((s) => fromCreateTable(s.definition as unknown as Record<string, unknown>, s.ttl));

export type Json = Record<string, unknown>;
export type CfnTemplate = { Resources: Record<string, { Type: string; Properties: Json }>; Outputs?: Json; Parameters?: Json; Transform?: unknown };

export const samTemplate = (): CfnTemplate => parseYaml(read('templates/sam/template.yaml')) as CfnTemplate;

/** main.tf and tables.tf parsed as Terraform reads them. */
export async function terraform(): Promise<{ main: Json; tables: Record<string, Json> }> {
  const main = (await parseHcl('main.tf', read('templates/terraform/main.tf'))) as Json;
  const parsed = (await parseHcl('tables.tf', read('templates/terraform/tables.tf'))) as { resource: { aws_dynamodb_table: Record<string, [Json]> } };
  return { main, tables: Object.fromEntries(Object.entries(parsed.resource.aws_dynamodb_table).map(([k, [v]]) => [k, v])) };
}

/** What a logical id of a CloudFormation template stands for in a permission: its table's name, or `key`. */
export function cfnResolver(template: CfnTemplate): (id: string) => string {
  return (id) => {
    const r = template.Resources[id];
    if (r?.Type === 'AWS::KMS::Key') return 'key';
    if (r?.Type === 'AWS::DynamoDB::Table' || r?.Type === 'AWS::DynamoDB::GlobalTable') return String(r.Properties.TableName);
    throw new Error(`a policy on ${id}, which is not one of the stack's tables or its key`);
  };
}

/** The permissions the SAM template grants each handler's function (its inline policies). */
export function samPermissions(template: CfnTemplate): Record<HandlerName, Set<Permission>> {
  const out: Partial<Record<HandlerName, Set<Permission>>> = {};
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::Serverless::Function') continue;
    const handler = String(r.Properties.Handler).replace(/^index\./, '') as HandlerName;
    const statements = (r.Properties.Policies as { Statement: Json[] }[]).flatMap((p) => p.Statement);
    out[handler] = cloudFormationPermissions(statements, cfnResolver(template));
  }
  return out as Record<HandlerName, Set<Permission>>;
}

/** The permissions the Terraform grants each handler's function (the policy document attached to its role). */
export async function terraformPermissionsByHandler(): Promise<Record<HandlerName, Set<Permission>>> {
  const { main, tables } = await terraform();
  const names = Object.fromEntries(Object.entries(tables).map(([k, t]) => [k, String(t.name)]));
  const documents = (main.data as { aws_iam_policy_document: Record<string, [{ statement: Json[] }]> }).aws_iam_policy_document;
  const attached = (main.resource as { aws_iam_role_policy: { payment: [{ for_each: Record<string, string> }] } }).aws_iam_role_policy.payment[0].for_each;
  const out: Partial<Record<HandlerName, Set<Permission>>> = {};
  for (const h of HANDLERS) {
    // The role policy of function `h` is the document named `h`, and nothing else.
    if (attached[h] !== `\${data.aws_iam_policy_document.${h}.json}`) throw new Error(`the role policy of ${h} is ${attached[h]}`);
    out[h] = terraformPermissions((documents[h] as [{ statement: Json[] }])[0].statement, names);
  }
  return out as Record<HandlerName, Set<Permission>>;
}

/** `@aws/cloudformation-validate`, the offline CloudFormation validator aws-cdk-lib ships (bundled inside it). */
export function cloudFormationValidator(): {
  CompositeEngine: new () => { validateTemplate(t: unknown): { diagnostics: { severity: string; ruleId: string; message: string }[] }; free(): void };
  TemplateContent: new (content: string, name?: string) => unknown;
} {
  const fromCdk = createRequire(createRequire(import.meta.url).resolve('aws-cdk-lib'));
  return fromCdk('@aws/cloudformation-validate') as ReturnType<typeof cloudFormationValidator>;
}

/** The validator's findings that are not informational (errors and warnings), as `rule: message`. */
export function cloudFormationFindings(content: string, name: string): string[] {
  const { CompositeEngine, TemplateContent } = cloudFormationValidator();
  const engine = new CompositeEngine();
  try {
    return engine
      .validateTemplate(new TemplateContent(content, name))
      .diagnostics.filter((d) => d.severity !== 'INFO')
      .map((d) => `${d.severity} ${d.ruleId}: ${d.message}`);
  } finally {
    engine.free();
  }
}
