import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanStatusCode,
  trace,
  isSpanContextValid,
  type Attributes,
  type Context,
  type Span,
  type SpanKind,
} from '@opentelemetry/api';
import { safeErrorMessage } from '../logging/errors.js';

/**
 * W3C Trace Context as it travels inside an event envelope and its outbox row. Without an SDK the
 * API's propagator is a no-op, so nothing is written and events look as they always did.
 */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

const TRACER_NAME = '@expensio/common';

export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/** The active span's context as a carrier, or undefined when nothing is traced. */
export function currentTraceContext(active: Context = context.active()): TraceCarrier | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(active, carrier);
  const { traceparent, tracestate } = carrier;
  if (traceparent === undefined) return undefined;
  return tracestate === undefined || tracestate === '' ? { traceparent } : { traceparent, tracestate };
}

/**
 * The context a carrier names, over the root: work started from an event belongs to the trace
 * that published it, never to whatever happened to be active where it was picked up.
 */
export function contextFrom(carrier: TraceCarrier | null | undefined): Context {
  if (carrier === null || carrier === undefined) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, carrier);
}

/** The ids of the active span, for log lines; empty outside a sampled span. */
export function activeTraceIds(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const ids = span.spanContext();
  return isSpanContextValid(ids) ? { trace_id: ids.traceId, span_id: ids.spanId } : {};
}

export function recordFailure(span: Span, error: unknown): void {
  // The safe message only: a database error quotes row values (see logging/errors.ts).
  const message = safeErrorMessage(error);
  span.recordException({ name: error instanceof Error ? error.name : 'Error', message });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}

/** Runs `work` in a new span under `parent`, ending it however `work` ends. */
export function inSpan<T>(name: string, options: { kind: SpanKind; attributes?: Attributes }, parent: Context, work: (span: Span) => Promise<T>): Promise<T> {
  return tracer().startActiveSpan(name, options, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      recordFailure(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}
