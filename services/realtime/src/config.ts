import type { ServiceConfig } from '@expensio/common';
import { gatewayConfigShape } from './gateway/config.js';
import { webhookConfigShape } from './webhooks/config.js';

/** What realtime reads in every runtime, the all-in-one included. */
export const realtimeConfigShape = {
  ...webhookConfigShape,
  ...gatewayConfigShape,
};

export type RealtimeConfig = ServiceConfig<typeof realtimeConfigShape>;
