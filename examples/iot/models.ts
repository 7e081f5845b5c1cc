/**
 * The sensor readings: one partition per device, sorted by the reading's time (epoch milliseconds,
 * a number, so ranges compare as numbers), each expiring after the retention period through
 * DynamoDB's time to live (`expiresAt`, epoch seconds, as TTL requires).
 */
import * as attr from '../../src/attr.js';
import { model, type Item } from '../../src/index.js';

/** How long a reading is kept. */
export const RETENTION_MS = 7 * 24 * 3_600_000;

export const Reading = model('Reading', {
  table: 'iot-readings',
  attributes: {
    deviceId: attr.string().partitionKey().loggable(),
    /** When the device measured it (its clock), in epoch milliseconds: a number sort key (key fields cannot be dates). */
    at: attr.integer().sortKey(),
    temperature: attr.number().validate((t) => (t >= -60 && t <= 150) || 'from -60 to 150 °C', 'temperature'),
    humidity: attr.number().optional().validate((h) => (h >= 0 && h <= 100) || 'from 0 to 100 %', 'humidity'),
    /** DynamoDB deletes the item some time after this instant (stored as epoch seconds). */
    expiresAt: attr.ttl(),
  },
});
export type Reading = Item<typeof Reading>;
