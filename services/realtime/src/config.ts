import { z } from 'zod';
import { baseConfigShape, loadConfig } from '@expensio/common';
import { gatewayConfigShape } from './gateway/config.js';
import { webhookConfigShape } from './webhooks/config.js';

/** What realtime reads in every runtime, the all-in-one included. */
export const realtimeConfigShape = {
  ...webhookConfigShape,
  ...gatewayConfigShape,
};

export const realtimeStandaloneShape = {
  ...baseConfigShape,
  ...realtimeConfigShape,
  JWT_ISSUER: z.string().min(1).default('expensio-identity'),
  JWT_AUDIENCE: z.string().min(1).default('expensio'),
  /** Where identity publishes its public keys, when realtime runs as its own process. */
  IDENTITY_JWKS_URL: z.url().optional(),
};

export const realtimeConfigSchema = z.object(realtimeStandaloneShape);
export type RealtimeConfig = z.output<typeof realtimeConfigSchema>;

export function loadRealtimeConfig(env: NodeJS.ProcessEnv = process.env): RealtimeConfig {
  return loadConfig(realtimeConfigSchema, env);
}
