import { context, propagation, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Requests that matched no route share one name, so a scan of random paths cannot grow span names. */
const UNMATCHED = 'unmatched';

/**
 * A server span per request, continuing the caller's trace when it sends `traceparent`, and
 * active for the whole request (hooks, handler, the database calls and the events it publishes).
 * Added first, so rate-limit refusals and CORS preflights are traced too.
 */
export function traceRequests(app: FastifyInstance): void {
  const spans = new WeakMap<FastifyRequest, Span>();

  app.addHook('onRequest', (request, _reply, done) => {
    const parent = propagation.extract(context.active(), request.headers);
    const span = trace.getTracer('@expensio/common').startSpan(
      request.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': request.method,
          'url.path': request.url.split('?')[0] ?? request.url,
          'url.scheme': request.protocol,
          'client.address': request.ip,
          'expensio.request_id': request.id,
        },
      },
      parent,
    );
    spans.set(request, span);
    // What runs after `done` (the other hooks, the handler) inherits this context.
    context.with(trace.setSpan(parent, span), done);
  });

  const finish = (request: FastifyRequest, statusCode: number | undefined) => {
    const span = spans.get(request);
    if (span === undefined) return;
    spans.delete(request);
    const route = request.routeOptions.url ?? UNMATCHED;
    span.updateName(`${request.method} ${route}`);
    span.setAttribute('http.route', route);
    if (statusCode === undefined) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: 'request aborted' });
    } else {
      span.setAttribute('http.response.status_code', statusCode);
      if (statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
  };

  app.addHook('onResponse', async (request, reply) => {
    finish(request, reply.statusCode);
  });
  app.addHook('onRequestAbort', async (request) => {
    finish(request, undefined);
  });
}
