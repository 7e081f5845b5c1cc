/**
 * The tracing plugin: one OpenTelemetry client span per DynamoDB request, through
 * `@opentelemetry/api` (an optional peer dependency, imported only by `dynamorm/tracing`). Spans
 * carry the DynamoDB semantic conventions and, for transactions and batches, the table of every
 * action and the reason each action of a cancelled transaction failed. With no SDK registered the
 * API is a no-op; a span that is not recorded (sampled out) gets no attributes built at all.
 */
import { context as otelContext, SpanKind, SpanStatusCode, trace, type Span, type Tracer, type TracerProvider } from '@opentelemetry/api';
import type { Middleware } from '../../config.js';
import type { Plugin, PluginHost } from '../plugin.js';
import { attemptsOf, errorCode, errorName, safely, tableOf } from '../metrics/facts.js';
import { cancellationCodes, outputAttributes, requestAttributes } from './attributes.js';

/** Options of {@link tracingPlugin}. */
export interface TracingOptions {
  /** The middleware's name (default `tracing`). */
  readonly name?: string;
  /** The tracer to use (default: `tracerProvider`'s, else the global provider's, named `dynamorm`). */
  readonly tracer?: Tracer;
  /** The provider to get the `dynamorm` tracer from (default: the global one). */
  readonly tracerProvider?: TracerProvider;
  /**
   * Tenant and partner as span attributes (`dynamorm.tenant`, `dynamorm.partner`). Off by default:
   * a tenant id may itself be something to keep out of telemetry.
   */
  readonly allow?: { readonly tenant?: boolean; readonly partner?: boolean };
  /** Called with what the tracer or an exporter throws (default: ignored). The request goes on either way. */
  readonly onError?: (error: unknown) => void;
}

/** Creates the tracing plugin: install it with `db.use(plugin)` or `Database.create({ plugins: [plugin] })`. */
export function tracingPlugin(options: TracingOptions = {}): Plugin {
  const name = options.name ?? 'tracing';
  const onError = options.onError;
  const allowTenant = options.allow?.tenant === true;
  const allowPartner = options.allow?.partner === true;
  let tracer = options.tracer;
  // Resolved on first use: a provider registered after the plugin was made is still found.
  const tracerOf = (): Tracer => (tracer ??= (options.tracerProvider ?? trace.getTracerProvider()).getTracer('dynamorm'));

  const middleware: Middleware = async (request, next) => {
    let span: Span | undefined;
    safely(() => {
      const table = tableOf(request);
      span = tracerOf().startSpan(table ? `${request.operation} ${table}` : request.operation, { kind: SpanKind.CLIENT });
      if (!span.isRecording()) return;
      span.setAttributes(requestAttributes(request));
      const context = request.context;
      if (allowTenant && context?.tenant !== undefined) span.setAttribute('dynamorm.tenant', context.tenant);
      if (allowPartner && context?.partner !== undefined) span.setAttribute('dynamorm.partner', context.partner);
    }, onError);
    if (!span) return next(request);
    const active = span;
    let output: unknown;
    try {
      // The span is the parent of what the SDK (or its instrumentation) starts below it.
      output = await otelContext.with(trace.setSpan(otelContext.active(), active), () => next(request));
    } catch (error) {
      safely(() => {
        if (active.isRecording()) {
          const name = errorName(error);
          active.setAttribute('error.type', name);
          const code = errorCode(error);
          if (code !== undefined) active.setAttribute('dynamorm.error.code', code);
          active.setAttribute('dynamorm.attempts', attemptsOf(error));
          const codes = cancellationCodes(error);
          if (codes) {
            active.setAttribute('dynamorm.transaction.outcome', 'cancelled');
            active.setAttribute('dynamorm.transaction.cancellation_reasons', codes);
            codes.forEach((code, index) => {
              if (code !== 'None') active.addEvent('transaction.action_failed', { 'dynamorm.transaction.action_index': index, 'dynamorm.transaction.reason': code });
            });
          }
          // DynamORM's messages name no value (docs/decisions.md); other errors are named only.
          const message = typeof code === 'string' && error instanceof Error ? error.message : name;
          active.recordException({ name, message });
          active.setStatus({ code: SpanStatusCode.ERROR, message: name });
        }
        active.end();
      }, onError);
      throw error;
    }
    safely(() => {
      if (active.isRecording()) {
        active.setAttributes(outputAttributes(request.operation, output));
        active.setAttribute('dynamorm.attempts', attemptsOf(output));
      }
      active.end();
    }, onError);
    return output;
  };

  return {
    name,
    install(host: PluginHost) {
      host.use(name, middleware);
    },
  };
}
