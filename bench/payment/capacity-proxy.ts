/**
 * A counting proxy in front of DynamoDB for the payment benchmark: it asks every request for its
 * consumed capacity (`ReturnConsumedCapacity: TOTAL`, unless the request asked for more) and adds up
 * the write and read units DynamoDB reports, so two handlers are charged by the same rules.
 */
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface CapacityProxy {
  readonly endpoint: string;
  readonly units: { write: number; read: number; requests: number; byOperation: Record<string, { requests: number; write: number; read: number }> };
  reset(): void;
  stop(): Promise<void>;
}

const body = (stream: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve(Buffer.concat(chunks))).on('error', reject);
  });

type Capacity = { CapacityUnits?: number; WriteCapacityUnits?: number; ReadCapacityUnits?: number };

export async function startCapacityProxy(target: string): Promise<CapacityProxy> {
  const to = new URL(target);
  const units: CapacityProxy['units'] = { write: 0, read: 0, requests: 0, byOperation: {} };
  const server = createServer(async (req, res) => {
    const input = await body(req);
    let sent = input;
    try {
      const json = JSON.parse(input.toString('utf8')) as Record<string, unknown>;
      if (!json.ReturnConsumedCapacity || json.ReturnConsumedCapacity === 'NONE') json.ReturnConsumedCapacity = 'TOTAL';
      sent = Buffer.from(JSON.stringify(json));
    } catch {
      // not JSON: forwarded as is
    }
    const headers = { ...req.headers, 'content-length': String(sent.length) };
    const upstream = httpRequest({ host: to.hostname, port: to.port, method: req.method, path: req.url, headers }, async (answer) => {
      const out = await body(answer);
      units.requests++;
      try {
        const json = JSON.parse(out.toString('utf8')) as { ConsumedCapacity?: Capacity | Capacity[] };
        const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
        const reads = ['GetItem', 'Query', 'Scan', 'BatchGetItem', 'TransactGetItems'].includes(operation);
        const op = (units.byOperation[operation] ??= { requests: 0, write: 0, read: 0 });
        op.requests++;
        for (const c of [json.ConsumedCapacity ?? []].flat()) {
          const total = c.CapacityUnits ?? (c.WriteCapacityUnits ?? 0) + (c.ReadCapacityUnits ?? 0);
          const write = reads ? 0 : (c.WriteCapacityUnits ?? total - (c.ReadCapacityUnits ?? 0));
          const read = reads ? total : (c.ReadCapacityUnits ?? 0);
          units.write += write;
          units.read += read;
          op.write += write;
          op.read += read;
        }
      } catch {
        // not JSON
      }
      res.writeHead(answer.statusCode ?? 500, answer.headers);
      res.end(out);
    });
    upstream.on('error', () => res.destroy());
    upstream.end(sent);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    units,
    reset: () => Object.assign(units, { write: 0, read: 0, requests: 0, byOperation: {} }),
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
