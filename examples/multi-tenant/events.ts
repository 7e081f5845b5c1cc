/**
 * The API Gateway events and responses the multi-tenant example handles, and builders of simulated
 * events for the demo and the tests: what API Gateway sends after its authorizer has run. Only the
 * fields the handler reads are typed (the real events carry many more).
 */

/** What the authorizer put in the request context: the partner and the merchant it authenticated. */
export interface Caller {
  readonly partnerId?: string;
  readonly merchantId?: string;
}

/** An HTTP API (payload format 2.0) event, with a Lambda authorizer. */
export interface HttpApiEvent {
  readonly version: '2.0';
  readonly rawPath: string;
  readonly requestContext: {
    readonly http: { readonly method: string };
    readonly authorizer?: { readonly lambda?: Readonly<Record<string, unknown>> };
  };
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>>;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: string;
  readonly isBase64Encoded?: boolean;
}

/** A REST API (payload format 1.0) event, with a Lambda authorizer. */
export interface RestApiEvent {
  readonly version?: '1.0';
  readonly httpMethod: string;
  readonly path: string;
  readonly requestContext: { readonly authorizer?: Readonly<Record<string, unknown>> | null };
  readonly queryStringParameters?: Readonly<Record<string, string | undefined>> | null;
  readonly headers?: Readonly<Record<string, string | undefined>> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

export type ApiEvent = HttpApiEvent | RestApiEvent;

/** The response both payload formats accept. */
export interface ApiResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** A request to simulate. `body` is sent as JSON unless it is a string (sent as is). */
export interface SimulatedRequest {
  readonly method: string;
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

const authorizer = (caller: Caller | undefined): Record<string, unknown> | undefined =>
  caller && Object.fromEntries(Object.entries(caller).filter(([, v]) => v !== undefined));

const bodyText = (body: unknown): string | undefined => (body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body));

/** An HTTP API event as API Gateway sends it after a Lambda authorizer allowed `caller` (none: no authorizer ran). */
export function httpApiEvent(caller: Caller | undefined, request: SimulatedRequest): HttpApiEvent {
  const body = bodyText(request.body);
  const lambda = authorizer(caller);
  return {
    version: '2.0',
    rawPath: request.path,
    requestContext: { http: { method: request.method }, ...(lambda ? { authorizer: { lambda } } : {}) },
    ...(request.query ? { queryStringParameters: request.query } : {}),
    headers: { 'content-type': 'application/json', ...request.headers },
    ...(body !== undefined ? { body, isBase64Encoded: false } : {}),
  };
}

/** A REST API event as API Gateway sends it after a Lambda authorizer allowed `caller`. */
export function restApiEvent(caller: Caller | undefined, request: SimulatedRequest): RestApiEvent {
  return {
    httpMethod: request.method,
    path: request.path,
    requestContext: { authorizer: authorizer(caller) ?? null },
    queryStringParameters: request.query ?? null,
    headers: { 'content-type': 'application/json', ...request.headers },
    body: bodyText(request.body) ?? null,
    isBase64Encoded: false,
  };
}
