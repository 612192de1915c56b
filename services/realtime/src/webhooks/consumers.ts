import { EVENT_TYPES } from '@expensio/common';
import type { RealtimeContext } from '../context.js';
import { disableAllUsersEndpoints, eraseUser, queueDeliveries } from './service.js';

/** Turns every event into deliveries, in the inbox transaction: exactly one set per event. */
export const WEBHOOK_CONSUMER = 'realtime.webhooks';
/** Keeps endpoints in step with their owners: erased with the user, all-users ones off without the admin role. */
export const WEBHOOK_OWNERS_CONSUMER = 'realtime.webhook-owners';

export function subscribeWebhookConsumers(ctx: RealtimeContext): void {
  ctx.bus.subscribe(WEBHOOK_CONSUMER, EVENT_TYPES, async (event, trx) => {
    await queueDeliveries(ctx, trx, event);
  });
  ctx.bus.subscribe(WEBHOOK_OWNERS_CONSUMER, ['user.updated', 'user.deleted'], async (event, trx) => {
    if (event.userId === null) return;
    switch (event.type) {
      case 'user.deleted':
        await eraseUser(ctx, trx, event.userId);
        return;
      case 'user.updated':
        if (event.payload.changed.includes('role') && event.payload.role !== 'admin') await disableAllUsersEndpoints(ctx, trx, event.userId);
        return;
    }
  });
}
