/**
 * Network replaced by recorded answers. `Recorder` sits in the SDK's `requestHandler` slot, sends
 * through the SDK's own Node HTTP handler to a real DynamoDB and keeps every answer; `Replayer` plays
 * them back from memory (status, headers, body as a stream, as the real handler hands it over), so the
 * warm benchmark measures the library and the SDK, not the network or DynamoDB.
 */
import { Readable } from 'node:stream';
import { HttpResponse } from '@smithy/core/protocols';
import { NodeHttpHandler } from '@smithy/node-http-handler';

/** One recorded HTTP answer. */
export interface Recorded {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  /** The body as text (DynamoDB answers JSON). */
  readonly body: string;
}

interface HandlerLike {
  handle(request: unknown, options?: unknown): Promise<{ response: HttpResponse }>;
  updateHttpClientConfig(): void;
  httpHandlerConfigs(): Record<string, never>;
  destroy(): void;
}

async function readAll(body: unknown): Promise<Buffer> {
  if (body instanceof Uint8Array) return Buffer.from(body);
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Sends for real and records every answer into `log`, which the caller swaps per operation. */
export class Recorder implements HandlerLike {
  log: Recorded[] = [];
  private readonly inner = new NodeHttpHandler();

  async handle(request: unknown, options?: unknown): Promise<{ response: HttpResponse }> {
    const { response } = await this.inner.handle(request as never, options as never);
    const body = await readAll(response.body);
    const headers = { ...response.headers };
    this.log.push({ statusCode: response.statusCode, headers, body: body.toString('utf8') });
    return { response: new HttpResponse({ statusCode: response.statusCode, headers, body: Readable.from([body], { objectMode: false }) }) };
  }
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {
    this.inner.destroy();
  }
}

/** Answers from a recorded sequence, in order and round and round (one operation's answers at a time). */
export class Replayer implements HandlerLike {
  private answers: { statusCode: number; headers: Record<string, string>; body: Buffer }[] = [];
  private next = 0;

  /** Plays this sequence from now on (the answers of one operation). */
  play(recorded: readonly Recorded[]): void {
    this.answers = recorded.map((r) => ({ statusCode: r.statusCode, headers: r.headers, body: Buffer.from(r.body, 'utf8') }));
    this.next = 0;
  }

  handle(): Promise<{ response: HttpResponse }> {
    const answer = this.answers[this.next++ % this.answers.length];
    if (!answer) throw new Error('Replayer: nothing to play');
    const response = new HttpResponse({ statusCode: answer.statusCode, headers: { ...answer.headers }, body: Readable.from([answer.body], { objectMode: false }) });
    return Promise.resolve({ response });
  }
  updateHttpClientConfig(): void {}
  httpHandlerConfigs(): Record<string, never> {
    return {};
  }
  destroy(): void {}
}
