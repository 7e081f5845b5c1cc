/**
 * The payment example's handlers as deployed Lambda functions behind an HTTP API (payload format 2.0,
 * IAM-authorised routes): the request body is JSON, the path and query parameters join it, and the
 * answer is JSON. One module, four exports, one function each (`index.create`, `index.capture`,
 * `index.refund`, `index.list`), so each function's role grants only what its handler uses.
 *
 * Settings come from the environment the templates set: `PAYMENT_KEY_ARN` (the KMS key that wraps the
 * card numbers' data keys) and `DYNAMORM_CURSOR_SECRET` (signs the listing's cursors).
 */
import { paymentService, type ApiEvent, type ApiResponse } from '../examples/payment/app.js';
import { kmsKeyProvider } from '../src/encryption/index.js';
import type { LambdaContext } from '../src/lambda/index.js';

/** The parts of an HTTP API (payload 2.0) event the handlers read. */
export interface HttpApiEvent {
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
  readonly pathParameters?: Readonly<Record<string, string | undefined>>;
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>>;
  /** Request id, source IP and the authoriser's identity (an IAM caller's ARN with `AWS_IAM` routes). */
  readonly requestContext?: Readonly<Record<string, unknown>>;
}

/** What an HTTP API expects back. */
export interface HttpApiResult {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

type PaymentService = ReturnType<typeof paymentService>;
type HandlerName = 'create' | 'capture' | 'refund' | 'list';
type HttpHandler = (event: HttpApiEvent, context: LambdaContext) => Promise<HttpApiResult>;

const json = (r: ApiResponse): HttpApiResult => ({ statusCode: r.statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(r.body) });

/** The body as an object; undefined when it is not a JSON object. */
function bodyOf(event: HttpApiEvent): Record<string, unknown> | undefined {
  if (!event.body) return {};
  try {
    const parsed: unknown = JSON.parse(event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** HTTP API handlers over the service `service()` returns (called on the first request, then kept). */
export function httpHandlers(service: () => PaymentService): Record<HandlerName, HttpHandler> {
  const adapt =
    (name: HandlerName): HttpHandler =>
    async (event, context) => {
      const body = bodyOf(event);
      if (!body) return json({ statusCode: 400, body: { error: 'BodyNotJsonObject' } });
      // Path parameters last: `/payments/{id}/capture` decides which payment, not the body.
      const merged = { ...body, ...event.queryStringParameters, ...event.pathParameters };
      const handler = service()[name] as (e: ApiEvent<unknown>, c: LambdaContext) => Promise<ApiResponse>;
      return json(await handler({ ...(event.headers ? { headers: event.headers } : {}), body: merged, ...(event.requestContext ? { requestContext: event.requestContext as ApiEvent['requestContext'] } : {}) }, context));
    };
  return { create: adapt('create'), capture: adapt('capture'), refund: adapt('refund'), list: adapt('list') };
}

let deployed: PaymentService | undefined;

/** The service as deployed: created on the first request, reused by the warm function after it. */
function fromEnvironment(): PaymentService {
  const keyId = process.env.PAYMENT_KEY_ARN;
  if (!keyId) throw new Error('PAYMENT_KEY_ARN is not set: the template sets it to the card-number key');
  return (deployed ??= paymentService({ keyProvider: kmsKeyProvider({ keyId }) }));
}

export const { create, capture, refund, list } = httpHandlers(fromEnvironment);
