import type { AttemptLimiter, Clock, EventBus, GeoLocator, Logger, Metrics } from '@expensio/common';
import type { IdentityConfig } from './config.js';
import type { IdentityDb, IdentityTables } from './db.js';
import type { MailQueue } from './mail/queue.js';
import type { PasswordHasher } from './passwords/hasher.js';
import type { SigningKeys } from './tokens/keys.js';
import type { RevocationStore } from './tokens/revocations.js';

/** Everything the identity rules need, passed in so tests swap the clock, mail and stores. */
export interface IdentityContext {
  db: IdentityDb;
  clock: Clock;
  config: IdentityConfig;
  keys: SigningKeys;
  hasher: PasswordHasher;
  limiter: AttemptLimiter;
  revocations: RevocationStore;
  mail: MailQueue;
  log: Logger;
  /** Where a client IP is, from the shipped GeoLite2 data. */
  geo: GeoLocator;
  /** Seals TOTP secrets at rest. */
  totpKey: Buffer;
  /** Counts sign-ins by outcome. */
  metrics: Metrics;
  /** Publishes through the caller's transaction (the outbox); identity's consumers subscribe here. */
  bus: EventBus<IdentityTables>;
}

/** Where a request came from, for limits and the security log. */
export interface RequestOrigin {
  ip: string;
  userAgent: string | null;
}
