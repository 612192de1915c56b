import { z } from 'zod';
import { commaList, duration, envBoolean } from './load.js';

/**
 * Variables every service reads. Services extend this object with their own; the README's table
 * of variables mirrors these definitions.
 */
export const baseConfigShape = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** RabbitMQ for events between services; without it they stay in this process. */
  AMQP_URL: z.url({ protocol: /^amqps?$/ }).optional(),
  MIGRATE_ON_START: envBoolean.default(true),
  TRUST_PROXY: commaList.default([]),
  CORS_ORIGINS: commaList.default([]),
  RATE_LIMIT_MAX: z.coerce.number().int().min(1).default(300),
  RATE_LIMIT_WINDOW: duration.default(60_000),
  PUBLIC_URL: z.url().optional(),
  /** Who signs access tokens and for whom: identity signs with these, every service checks them. */
  JWT_ISSUER: z.string().min(1).default('expensio-identity'),
  JWT_AUDIENCE: z.string().min(1).default('expensio'),
  /** Where identity publishes its public keys, for a service running as its own process. */
  IDENTITY_JWKS_URL: z.url().optional(),
  /**
   * How long a SIGTERM may take: readiness turns 503, in-flight requests and background batches
   * finish, connections close. Past it the process exits anyway. Keep it under Kubernetes' grace
   * period (30 s by default).
   */
  SHUTDOWN_TIMEOUT: duration.default(25_000),
  /**
   * After SIGTERM, how long the process keeps serving with readiness at 503 before it closes its
   * listener, so load balancers stop routing to it first (Kubernetes: a few seconds).
   */
  SHUTDOWN_DELAY: duration.default(0),
  /** Prometheus metrics at GET /metrics (docs/deployment.md). */
  METRICS_ENABLED: envBoolean.default(true),
  /**
   * Serves /metrics on this port of its own instead of the API's, so an Ingress routing to the API
   * port never exposes it. Production sets it.
   */
  METRICS_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
};

export const baseConfigSchema = z.object(baseConfigShape);
export type BaseConfig = z.output<typeof baseConfigSchema>;
