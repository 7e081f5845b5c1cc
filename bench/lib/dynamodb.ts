/**
 * The DynamoDB the benchmarks talk to: DYNAMODB_ENDPOINT when set, else a DynamoDB Local started here
 * (in memory, telemetry off). Creates the table and seeds each variant's partitions with that
 * variant's own writes, so every library reads back items in the shape it wrote them.
 */
import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, ResourceNotFoundException, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { startLocalDynamoDB } from '../../src/testing/local-dynamodb.js';
import { newOrder, TABLE, type Ops } from '../handlers/shared.js';

/** Partitions each variant reads: `q` holds 20 orders (get, query 10, update), `all` holds 1,000. */
export const QUERY_ITEMS = 20;
export const ALL_ITEMS = 1000;
export const partitionOf = (variantId: string, which: 'q' | 'all' | 'w'): string => `${variantId}-${which}`;
export const orderIdOf = (i: number): string => `o-${String(i).padStart(4, '0')}`;

/** Environment every benchmark process gets: region, static credentials for DynamoDB Local, no SDK notice. */
export function benchEnv(endpoint: string): Record<string, string> {
  return {
    DYNAMODB_ENDPOINT: endpoint,
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
    // The SDK's Node 20 end-of-support notice: noise on stderr, and the same for every variant.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export interface Database {
  readonly endpoint: string;
  /** "DynamoDB Local (started by the benchmark)" or the given endpoint. */
  readonly description: string;
  stop(): Promise<void>;
}

export async function openDatabase(): Promise<Database> {
  const given = process.env.DYNAMODB_ENDPOINT;
  if (given) return { endpoint: given, description: `DYNAMODB_ENDPOINT (${new URL(given).hostname})`, stop: async () => {} };
  const local = await startLocalDynamoDB();
  return { endpoint: local.endpoint, description: 'DynamoDB Local (in memory, started by the benchmark)', stop: () => local.stop() };
}

/** (Re)creates the benchmark table: string pk and sk, on-demand. */
export async function createTable(endpoint: string): Promise<void> {
  const client = new DynamoDBClient({ endpoint, region: process.env.AWS_REGION ?? 'us-east-1' });
  try {
    try {
      await client.send(new DeleteTableCommand({ TableName: TABLE }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    await client.send(
      new CreateTableCommand({
        TableName: TABLE,
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await waitUntilTableExists({ client, maxWaitTime: 120 }, { TableName: TABLE });
  } finally {
    client.destroy();
  }
}

/** Writes a variant's seed items with its own `put` (16 in flight). */
export async function seed(variantId: string, ops: Ops): Promise<void> {
  const orders = [
    ...Array.from({ length: QUERY_ITEMS }, (_, i) => newOrder(partitionOf(variantId, 'q'), orderIdOf(i))),
    ...Array.from({ length: ALL_ITEMS }, (_, i) => newOrder(partitionOf(variantId, 'all'), orderIdOf(i))),
  ];
  let next = 0;
  const worker = async () => {
    while (next < orders.length) await ops.put(orders[next++] as (typeof orders)[number]);
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}
