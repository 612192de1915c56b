import type { FinanceContext } from './context.js';
import { eraseUser } from './users/erase.js';

/** Finance's reactions to other services' events; every runtime subscribes them before starting the bus. */
export function subscribeFinanceConsumers(ctx: FinanceContext): void {
  ctx.bus.subscribe('finance.user-erasure', ['user.deleted'], async (event, trx) => {
    if (event.userId === null) return;
    await eraseUser(trx, event.userId);
    ctx.log.info({ userId: event.userId }, 'erased a deleted user\'s finance data');
  });
}
