import type { AnyServiceDescriptor } from '@expensio/common';
import { financeService } from '@expensio/finance';
import { identityService } from '@expensio/identity';
import { realtimeService } from '@expensio/realtime';

/**
 * Every service, in the order they are built and migrated (and the reverse order they are rolled
 * back). Identity comes first: it signs the tokens the others verify in-process.
 */
export const allServices: readonly AnyServiceDescriptor[] = [identityService, financeService, realtimeService];

export const ALL_IN_ONE = {
  name: 'expensio',
  title: 'Expensio API',
  description: 'Self-hosted personal finance. Sign in under /api/auth, then send the access token as a Bearer token.',
};
