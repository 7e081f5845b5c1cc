/**
 * A test-only extension that proves the seams: for the models it is given, every write also writes
 * an "echo" record (a companion action, in the same TransactWriteItems) into the model's table, and
 * every page of stored items is counted before it is decoded. It lives in this folder alone: adding
 * it changed no file outside it.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { defineExtension, type AnyModel, type Extension, type OperationContext, type WritePlan } from '../../../src/index.js';

/** What the extension saw, for the tests to check. */
export interface EchoLog {
  /** Sizes of the pages handed to `beforeDecode`, in order. */
  readonly pages: number[];
  /** Operation kinds whose writes grew a companion. */
  readonly writes: string[];
  /** Asynchronous preparations run. */
  prepared: number;
}

/** The echo extension for the models named in `models`. */
export function echoExtension(models: readonly AnyModel[], log: EchoLog): Extension {
  return defineExtension({
    name: 'echo',
    forModel(model) {
      if (!models.includes(model)) return undefined;
      const pk = model.compiled.partitionKey.stored;
      return {
        async prepare() {
          await Promise.resolve();
          log.prepared++;
        },
        companions(context: OperationContext, write): WritePlan[] {
          log.writes.push(context.kind);
          const key = write.primary.target.key;
          const item: Record<string, AttributeValue> = {
            [pk]: { S: `ECHO#${context.kind}#${JSON.stringify(key)}#${context.now.getTime()}#${log.writes.length}` },
            _type: { S: 'Echo' },
            kind: { S: context.kind },
          };
          if (model.compiled.sortKey) item[model.compiled.sortKey.stored] = { S: 'ECHO' };
          return [
            {
              operation: 'PutItem',
              input: { TableName: context.table, Item: item, ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': pk } },
              target: { model: 'Echo', key: { kind: context.kind } },
              explain: () => new Error('echo record already written'),
            },
          ];
        },
        beforeDecode(_context, items) {
          log.pages.push(items.length);
        },
        batchWriteRefusal: 'echo records need a transaction',
      };
    },
  });
}
