/**
 * DynamoDB Streams records as Lambda delivers them. Lambda's JSON differs from the SDK's
 * AttributeValue in one way that matters: binary values (`B`, `BS`) arrive as base64 strings. These
 * types are written here rather than taken from `@types/aws-lambda`, so the entry needs no dependency.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { AttributeMap } from '../model/item-codec.js';

/** An attribute value in a stream record (binary as base64 text). */
export type StreamAttributeValue = {
  readonly S?: string;
  readonly N?: string;
  readonly B?: string | Uint8Array;
  readonly SS?: readonly string[];
  readonly NS?: readonly string[];
  readonly BS?: readonly (string | Uint8Array)[];
  readonly M?: Readonly<Record<string, StreamAttributeValue>>;
  readonly L?: readonly StreamAttributeValue[];
  readonly NULL?: boolean;
  readonly BOOL?: boolean;
};

/** One record of a DynamoDB Streams event. */
export interface DynamoDBStreamRecord {
  readonly eventID?: string;
  readonly eventName?: 'INSERT' | 'MODIFY' | 'REMOVE';
  readonly eventSource?: string;
  /** `arn:aws:dynamodb:<region>:<account>:table/<table>/stream/<label>`: the table the record is from. */
  readonly eventSourceARN?: string;
  readonly dynamodb?: {
    readonly Keys?: Readonly<Record<string, StreamAttributeValue>>;
    readonly NewImage?: Readonly<Record<string, StreamAttributeValue>>;
    readonly OldImage?: Readonly<Record<string, StreamAttributeValue>>;
    readonly SequenceNumber?: string;
    readonly ApproximateCreationDateTime?: number;
    readonly StreamViewType?: 'KEYS_ONLY' | 'NEW_IMAGE' | 'OLD_IMAGE' | 'NEW_AND_OLD_IMAGES';
    readonly SizeBytes?: number;
  };
  /** Set for deletions made by DynamoDB itself: time-to-live expiry. */
  readonly userIdentity?: { readonly type?: string; readonly principalId?: string };
}

/** A DynamoDB Streams event, as a Lambda handler receives it. */
export interface DynamoDBStreamEvent {
  readonly Records: readonly DynamoDBStreamRecord[];
}

/** The table a record comes from, read from its event source ARN. */
export function tableOfRecord(record: DynamoDBStreamRecord): string | undefined {
  return /:table\/([^/]+)\/stream\//.exec(record.eventSourceARN ?? '')?.[1];
}

/** Whether DynamoDB deleted the item itself because its time to live passed. */
export function expiredByTtl(record: DynamoDBStreamRecord): boolean {
  return record.eventName === 'REMOVE' && record.userIdentity?.type === 'Service' && record.userIdentity.principalId === 'dynamodb.amazonaws.com';
}

const binary = (value: string | Uint8Array): Uint8Array => (typeof value === 'string' ? new Uint8Array(Buffer.from(value, 'base64')) : value);

/** A stream attribute value as the SDK's AttributeValue (binary decoded from base64). */
export function toAttributeValue(value: StreamAttributeValue): AttributeValue {
  if (value.B !== undefined) return { B: binary(value.B) };
  if (value.BS !== undefined) return { BS: value.BS.map(binary) };
  if (value.M !== undefined) return { M: toAttributeMap(value.M) };
  if (value.L !== undefined) return { L: value.L.map(toAttributeValue) };
  if (value.SS !== undefined) return { SS: [...value.SS] };
  if (value.NS !== undefined) return { NS: [...value.NS] };
  return value as AttributeValue;
}

/** A stream image (or key map) as the SDK's attribute map. */
export function toAttributeMap(image: Readonly<Record<string, StreamAttributeValue>>): AttributeMap {
  const out: AttributeMap = {};
  for (const [name, value] of Object.entries(image)) out[name] = toAttributeValue(value);
  return out;
}
