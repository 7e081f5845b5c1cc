/**
 * A local KMS: an HTTP server speaking the AWS KMS JSON 1.1 protocol (POST /, `X-Amz-Target:
 * TrentService.<Operation>`, `application/x-amz-json-1.1`, base64 blobs, errors as `{ __type, message }`)
 * for GenerateDataKey, Encrypt and Decrypt, so the real `@aws-sdk/client-kms` client is tested end to
 * end with no AWS account. Signatures are not checked.
 *
 * Each key has a master secret held only by the server. A ciphertext blob is
 * `version | key ARN | IV | AES-256-GCM(plaintext) | tag`, with the key ARN and the encryption context
 * (sorted) as additional authenticated data: opaque to clients, and any change to it, to the key or to
 * the context makes Decrypt fail with InvalidCiphertextException, as KMS does.
 *
 * Tests can inject failures (`failNext`) and latency (`latencyMs`), disable a key, and read the calls
 * made per operation (`calls`).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KMSClient } from '@aws-sdk/client-kms';

const REGION = 'us-east-1';
const ACCOUNT = '111122223333';
const BLOB_VERSION = 1;

type Operation = 'GenerateDataKey' | 'Encrypt' | 'Decrypt';

/** A failure to answer with instead of the real result. */
export interface InjectedFailure {
  /** The KMS error name, e.g. `KMSInternalException`, `DisabledException`, `AccessDeniedException`. */
  readonly type: string;
  /** HTTP status (400 for client errors; 500 makes the SDK retry). */
  readonly status?: number;
  /** Only for this operation (default: any). */
  readonly operation?: Operation;
}

class KmsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** A running local KMS. */
export class KmsEndpoint {
  /** Calls answered (successfully or not), per operation. */
  readonly calls: Record<Operation, number> = { GenerateDataKey: 0, Encrypt: 0, Decrypt: 0 };
  /** Delay before every answer, in milliseconds. */
  latencyMs = 0;
  private readonly secrets = new Map<string, Buffer>();
  private readonly aliases = new Map<string, string>();
  private readonly disabled = new Set<string>();
  private failures: InjectedFailure[] = [];

  private constructor(
    private readonly server: Server,
    /** The endpoint URL to give the KMS client. */
    readonly url: string,
  ) {}

  /** Starts a local KMS on a free loopback port. */
  static async start(): Promise<KmsEndpoint> {
    const handler: { endpoint?: KmsEndpoint } = {};
    const server = createServer((req, res) => void (handler.endpoint as KmsEndpoint).handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    // Idle keep-alive sockets stay open longer than the client keeps them: no reset under a reused socket.
    server.keepAliveTimeout = 120_000;
    handler.endpoint = new KmsEndpoint(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    return handler.endpoint;
  }

  /** Creates a symmetric key (with an alias, if given) and returns its ARN. */
  createKey(alias?: string): string {
    const arn = `arn:aws:kms:${REGION}:${ACCOUNT}:key/${randomBytes(16).toString('hex')}`;
    this.secrets.set(arn, randomBytes(32));
    if (alias) this.aliases.set(alias.startsWith('alias/') ? alias : `alias/${alias}`, arn);
    return arn;
  }

  /** Points an alias at another key (what a rotation by alias does). */
  setAlias(alias: string, arn: string): void {
    this.aliases.set(alias, arn);
  }

  /** Disables or enables a key: a disabled key answers DisabledException. */
  setEnabled(arn: string, enabled: boolean): void {
    if (enabled) this.disabled.delete(arn);
    else this.disabled.add(arn);
  }

  /** The next `count` calls (of `failure.operation`, if given) fail with `failure`. */
  failNext(count: number, failure: InjectedFailure): void {
    for (let i = 0; i < count; i++) this.failures.push(failure);
  }

  /** Sets every call count back to zero. */
  resetCalls(): void {
    for (const k of Object.keys(this.calls) as Operation[]) this.calls[k] = 0;
  }

  /** A real KMS client pointed at this endpoint (the SDK's retries on, as in production: 400s are not retried). */
  client(maxAttempts = 3): KMSClient {
    return new KMSClient({ endpoint: this.url, region: REGION, credentials: { accessKeyId: 'local', secretAccessKey: 'local' }, maxAttempts });
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('TrentService.') ? (target.slice('TrentService.'.length) as Operation) : undefined;
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    try {
      if (req.method !== 'POST' || !operation || !(operation in this.calls)) throw new KmsError('UnknownOperationException', 'unknown operation');
      if (!String(req.headers['content-type'] ?? '').startsWith('application/x-amz-json-1.1')) throw new KmsError('SerializationException', 'expected application/x-amz-json-1.1');
      this.calls[operation]++;
      const index = this.failures.findIndex((f) => f.operation === undefined || f.operation === operation);
      if (index >= 0) {
        const [failure] = this.failures.splice(index, 1) as [InjectedFailure];
        throw new KmsError(failure.type, 'injected failure', failure.status ?? 400);
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      this.reply(res, 200, this.run(operation, body));
    } catch (error) {
      const e = error instanceof KmsError ? error : new KmsError('KMSInternalException', 'internal error', 500);
      this.reply(res, e.status, { __type: e.type, message: e.message });
    }
  }

  private reply(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': randomBytes(8).toString('hex'), 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private run(operation: Operation, body: Record<string, unknown>): Record<string, unknown> {
    const context = encryptionContext(body.EncryptionContext);
    switch (operation) {
      case 'GenerateDataKey': {
        const arn = this.resolve(body.KeyId);
        const bytes = body.KeySpec === 'AES_128' ? 16 : body.KeySpec === 'AES_256' || body.KeySpec === undefined ? (typeof body.NumberOfBytes === 'number' ? body.NumberOfBytes : 32) : -1;
        if (bytes < 1 || bytes > 1024) throw new KmsError('ValidationException', 'bad KeySpec or NumberOfBytes');
        const plaintext = randomBytes(bytes);
        return { KeyId: arn, Plaintext: plaintext.toString('base64'), CiphertextBlob: this.wrap(arn, plaintext, context).toString('base64') };
      }
      case 'Encrypt': {
        const arn = this.resolve(body.KeyId);
        const plaintext = blob(body.Plaintext, 'Plaintext');
        if (plaintext.byteLength > 4096) throw new KmsError('ValidationException', 'plaintext over 4096 bytes');
        return { KeyId: arn, CiphertextBlob: this.wrap(arn, plaintext, context).toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      }
      case 'Decrypt': {
        const ciphertext = blob(body.CiphertextBlob, 'CiphertextBlob');
        const { arn, plaintext } = this.unwrap(ciphertext, context);
        if (body.KeyId !== undefined && this.resolve(body.KeyId) !== arn) throw new KmsError('IncorrectKeyException', 'the ciphertext was not encrypted under the given key');
        return { KeyId: arn, Plaintext: plaintext.toString('base64'), EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
      }
    }
  }

  /** The ARN of a key id, key ARN, alias name or alias ARN; refuses unknown and disabled keys. */
  private resolve(keyId: unknown): string {
    if (typeof keyId !== 'string' || keyId === '') throw new KmsError('ValidationException', 'KeyId is required');
    let arn: string | undefined;
    if (keyId.startsWith('alias/')) arn = this.aliases.get(keyId);
    else if (keyId.startsWith('arn:aws:kms:') && keyId.includes(':alias/')) arn = this.aliases.get(keyId.slice(keyId.indexOf(':alias/') + 1));
    else if (this.secrets.has(keyId)) arn = keyId;
    else arn = [...this.secrets.keys()].find((k) => k.endsWith(`/${keyId}`));
    if (!arn || !this.secrets.has(arn)) throw new KmsError('NotFoundException', 'key not found');
    if (this.disabled.has(arn)) throw new KmsError('DisabledException', 'the key is disabled');
    return arn;
  }

  private wrap(arn: string, plaintext: Buffer, context: Buffer): Buffer {
    const id = Buffer.from(arn, 'utf8');
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.secrets.get(arn) as Buffer, iv);
    cipher.setAAD(Buffer.concat([id, context]));
    const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const head = Buffer.alloc(3);
    head[0] = BLOB_VERSION;
    head.writeUInt16BE(id.byteLength, 1);
    return Buffer.concat([head, id, iv, body]);
  }

  private unwrap(ciphertext: Buffer, context: Buffer): { arn: string; plaintext: Buffer } {
    const invalid = () => new KmsError('InvalidCiphertextException', 'the ciphertext is invalid');
    if (ciphertext.byteLength < 3 || ciphertext[0] !== BLOB_VERSION) throw invalid();
    const idLength = ciphertext.readUInt16BE(1);
    if (ciphertext.byteLength < 3 + idLength + 12 + 16) throw invalid();
    const arn = ciphertext.subarray(3, 3 + idLength).toString('utf8');
    const secret = this.secrets.get(arn);
    if (!secret) throw invalid();
    if (this.disabled.has(arn)) throw new KmsError('DisabledException', 'the key is disabled');
    const iv = ciphertext.subarray(3 + idLength, 15 + idLength);
    const body = ciphertext.subarray(15 + idLength);
    try {
      const decipher = createDecipheriv('aes-256-gcm', secret, iv);
      decipher.setAAD(Buffer.concat([Buffer.from(arn, 'utf8'), context]));
      decipher.setAuthTag(body.subarray(body.byteLength - 16));
      return { arn, plaintext: Buffer.concat([decipher.update(body.subarray(0, body.byteLength - 16)), decipher.final()]) };
    } catch {
      throw invalid();
    }
  }
}

function blob(value: unknown, name: string): Buffer {
  if (typeof value !== 'string' || value === '') throw new KmsError('ValidationException', `${name} is required`);
  return Buffer.from(value, 'base64');
}

/** The encryption context as authenticated bytes: pairs sorted by key, length-prefixed. */
function encryptionContext(value: unknown): Buffer {
  if (value === undefined) return Buffer.alloc(0);
  if (typeof value !== 'object' || value === null) throw new KmsError('ValidationException', 'EncryptionContext is a map');
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (typeof v !== 'string') throw new KmsError('ValidationException', 'EncryptionContext values are strings');
    for (const s of [k, v]) {
      const b = Buffer.from(s, 'utf8');
      const n = Buffer.alloc(4);
      n.writeUInt32BE(b.byteLength);
      parts.push(n, b);
    }
  }
  return Buffer.concat(parts);
}
