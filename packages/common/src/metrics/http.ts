import { createServer, type Server } from 'node:http';
import type { HttpApp } from '../http/app.js';
import type { Metrics } from './registry.js';

/** Requests that matched no route share one label, so a scan of random paths cannot grow the series. */
const UNMATCHED = 'unmatched';

/** Counts every answer by route template (never the raw path) and status class. */
export function countRequests(app: HttpApp, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? UNMATCHED;
    const labels = { method: request.method, route, status_class: `${String(Math.floor(reply.statusCode / 100))}xx` };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    if (reply.statusCode === 429) metrics.rateLimitRefusals.inc({ route });
  });
}

/** `GET /metrics` on the app itself: for one machine, where no Ingress exposes it. */
export function metricsRoute(app: HttpApp, metrics: Metrics): void {
  app.get('/metrics', { schema: { hide: true }, config: { rateLimit: false } }, async (_request, reply) => {
    const body = await metrics.registry.metrics();
    return reply.type(metrics.registry.contentType).send(body);
  });
}

/**
 * `/metrics` on a port of its own (METRICS_PORT): Prometheus scrapes it inside the cluster, and the
 * Ingress, which routes to the API's port only, never exposes it.
 */
export async function startMetricsServer(metrics: Metrics, options: { host: string; port: number }): Promise<{ address: string; close(): Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    metrics.registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(body),
      (error: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${error instanceof Error ? error.message : 'metrics failed'}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : options.port;
  return {
    address: `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${String(port)}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => {
          if (error) reject(error);
          else resolve();
        });
      }),
  };
}
