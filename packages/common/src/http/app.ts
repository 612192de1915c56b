import { randomUUID } from 'node:crypto';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import scalar from '@scalar/fastify-api-reference';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type RawServerDefault } from 'fastify';
import { jsonSchemaTransformObject, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Redis } from 'ioredis';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { TooManyRequestsError } from '../errors/index.js';
import { clientNetwork } from '../rate-limit/client-network.js';
import type { Logger } from '../logger.js';
import { traceRequests } from '../tracing/http.js';
import { documentServers, documentTransform } from './openapi.js';
import { notFoundHandler, preRoutingErrorHandler, problemErrorHandler } from './problem.js';
import { referencePageConfiguration } from './reference-page.js';
import { readinessRoutes, type ReadinessCheck } from './health.js';
import { RouteMethods } from './route-methods.js';

export type HttpApp = FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, FastifyBaseLogger, ZodTypeProvider>;

export interface HttpAppOptions {
  title: string;
  version: string;
  description?: string;
  logger: Logger | false;
  trustProxy: string[];
  corsOrigins: string[];
  rateLimit: { max: number; windowMs: number };
  /** With Redis the global limit holds across replicas; without it each process counts alone. */
  redis?: Redis;
  /** Where the limit counts in Redis; tests running side by side each count under their own. */
  rateLimitNamespace?: string;
  readiness: ReadinessCheck[];
  /** True once the process has begun to shut down: readiness then answers 503. */
  shuttingDown?: () => boolean;
  /** A server span per request (ADR 0023); only when the process started the tracing SDK. */
  traced?: boolean;
  /** The public base URL (PUBLIC_URL): the document's server, so samples and "Try it" use it. */
  publicUrl?: string | undefined;
}

const REQUEST_ID_RE = /^[\w.:-]{1,128}$/;

/** Routes that must stay reachable under load and that a browser renders with inline script. */
const UNLIMITED_PREFIXES = ['/health', '/ready', '/docs', '/openapi.json'];
const isRateLimited = (url: string) => !UNLIMITED_PREFIXES.some((prefix) => url.startsWith(prefix));

export async function createHttpApp(options: HttpAppOptions): Promise<HttpApp> {
  // Typed as Fastify's logger so the instance type matches HttpApp.
  const loggerInstance: FastifyBaseLogger | undefined = options.logger === false ? undefined : options.logger;
  const app = Fastify({
    ...(loggerInstance === undefined ? { logger: false } : { loggerInstance }),
    trustProxy: options.trustProxy.length > 0 ? options.trustProxy : false,
    requestIdHeader: false,
    // Refusals before routing (an undecodable URL, an over-long path parameter) answer problem+json too.
    frameworkErrors: preRoutingErrorHandler,
    // A caller's id is kept when it looks like one, so a trace crosses services.
    genReqId: (req) => {
      const incoming = req.headers['x-request-id'];
      return typeof incoming === 'string' && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
    },
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler(problemErrorHandler);
  const routeMethods = new RouteMethods();
  app.setNotFoundHandler(notFoundHandler((path) => routeMethods.allowed(path)));
  if (options.traced === true) traceRequests(app);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('x-request-id', request.id);
  });

  app.addHook('onRoute', (route) => {
    routeMethods.add(route.method, route.url);
    if (!isRateLimited(route.url)) {
      route.config = { ...(route.config ?? {}), rateLimit: false };
    }
    if (route.url.startsWith('/docs')) {
      // The reference page runs an inline script; the JSON API keeps the strict default.
      (route as { helmet?: unknown }).helmet = { contentSecurityPolicy: false };
    }
  });

  await app.register(helmet, { global: true });
  await app.register(cors, {
    origin: options.corsOrigins.length === 0 ? false : options.corsOrigins,
    credentials: true,
    exposedHeaders: ['x-request-id', 'retry-after'],
  });
  await app.register(rateLimit, {
    global: true,
    max: options.rateLimit.max,
    timeWindow: options.rateLimit.windowMs,
    keyGenerator: (request) => clientNetwork(request.ip),
    ...(options.redis !== undefined && { redis: options.redis, nameSpace: options.rateLimitNamespace ?? 'expensio:http-rl:' }),
    errorResponseBuilder: (_request, context) => new TooManyRequestsError(context.ttl / 1000),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: options.title, version: options.version, ...(options.description && { description: options.description }) },
      servers: documentServers(options.publicUrl),
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      },
    },
    transform: documentTransform(isRateLimited),
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(scalar, { routePrefix: '/docs', configuration: referencePageConfiguration(options.title) });

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  app.get(
    '/health',
    { schema: { tags: ['health'], summary: 'Liveness: the process is up', response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  readinessRoutes(app, options.readiness, options.shuttingDown);
  return app;
}

/** The HTTP settings every service reads from the shared configuration variables. */
export function httpSettings(config: {
  TRUST_PROXY: string[];
  CORS_ORIGINS: string[];
  RATE_LIMIT_MAX: number;
  RATE_LIMIT_WINDOW: number;
  PUBLIC_URL?: string | undefined;
}) {
  return {
    publicUrl: config.PUBLIC_URL,
    trustProxy: config.TRUST_PROXY,
    corsOrigins: config.CORS_ORIGINS,
    rateLimit: { max: config.RATE_LIMIT_MAX, windowMs: config.RATE_LIMIT_WINDOW },
  };
}
