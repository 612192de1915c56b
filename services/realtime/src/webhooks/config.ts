import { z } from 'zod';
import { duration, envBoolean, sealingKey } from '@expensio/common';
import { systemLookup, type HostLookup } from './url-safety.js';

/** The webhook variables; the README's configuration table mirrors them. */
export const webhookConfigShape = {
  /**
   * http and private/loopback targets allowed. Off unless set, whatever NODE_ENV says: `npm start`
   * leaves NODE_ENV unset, and a default that depends on it turned every such install into a proxy
   * into its own network.
   */
  WEBHOOK_ALLOW_PRIVATE_URLS: envBoolean.default(false),
  /** One attempt's limit, connection to response headers. */
  WEBHOOK_TIMEOUT: duration.default(10_000),
  /** Attempts before a delivery is failed. */
  WEBHOOK_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(30).default(8),
  /** Back-off after a failed attempt: base × 2^(attempt − 1), ±20%, capped at the max. */
  WEBHOOK_RETRY_BASE: duration.default(10_000),
  WEBHOOK_RETRY_MAX: duration.default(3_600_000),
  /** Failed deliveries in a row that disable an endpoint. */
  WEBHOOK_DISABLE_AFTER: z.coerce.number().int().min(1).max(1_000).default(10),
  /** How often the worker looks for due deliveries. */
  WEBHOOK_POLL_INTERVAL: duration.default(1_000),
  /** Requests in flight per worker. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(100).default(8),
  /** Seals endpoint secrets at rest (AES-256-GCM); unset: stored as they are. */
  WEBHOOK_SECRET_KEY: sealingKey.optional(),
};

export type WebhookConfig = z.output<z.ZodObject<typeof webhookConfigShape>>;

export interface WebhookSettings {
  allowPrivateUrls: boolean;
  timeoutMs: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
  disableAfterFailures: number;
  pollIntervalMs: number;
  concurrency: number;
  secretKey: Buffer | undefined;
  /** DNS, for the URL checks and the connection; tests replace it. */
  lookup: HostLookup;
}

/** What a context gets when its runtime says nothing: the strict URL rules. */
export const DEFAULT_WEBHOOK_SETTINGS: WebhookSettings = {
  allowPrivateUrls: false,
  timeoutMs: 10_000,
  maxAttempts: 8,
  retryBaseMs: 10_000,
  retryMaxMs: 3_600_000,
  disableAfterFailures: 10,
  pollIntervalMs: 1_000,
  concurrency: 8,
  secretKey: undefined,
  lookup: systemLookup,
};

export function webhookSettings(config: WebhookConfig): WebhookSettings {
  return {
    allowPrivateUrls: config.WEBHOOK_ALLOW_PRIVATE_URLS,
    timeoutMs: config.WEBHOOK_TIMEOUT,
    maxAttempts: config.WEBHOOK_MAX_ATTEMPTS,
    retryBaseMs: config.WEBHOOK_RETRY_BASE,
    retryMaxMs: config.WEBHOOK_RETRY_MAX,
    disableAfterFailures: config.WEBHOOK_DISABLE_AFTER,
    pollIntervalMs: config.WEBHOOK_POLL_INTERVAL,
    concurrency: config.WEBHOOK_CONCURRENCY,
    secretKey: config.WEBHOOK_SECRET_KEY,
    lookup: systemLookup,
  };
}
