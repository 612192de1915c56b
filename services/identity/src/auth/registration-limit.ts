import { TooManyRequestsError, clientNetwork } from '@expensio/common';
import type { IdentityContext, RequestOrigin } from '../context.js';
import { recordSecurityEvent } from '../security/events.js';

/**
 * Registration answers 409 `email_taken` for a known address (clients need it), which makes it an
 * oracle for who has an account: every attempt from a client IP counts, so it cannot be mined at scale.
 */
export async function limitRegistrations(ctx: IdentityContext, email: string, origin: RequestOrigin): Promise<void> {
  const now = ctx.clock.now();
  const decision = await ctx.limiter.consume(
    `register:ip:${clientNetwork(origin.ip)}`,
    { limit: ctx.config.REGISTRATION_IP_LIMIT, windowMs: ctx.config.REGISTRATION_IP_WINDOW },
    now,
  );
  if (decision.allowed) return;
  await recordSecurityEvent(ctx.db, { userId: null, type: 'registration.rate_limited', severity: 'warning', origin, details: { email }, now });
  throw new TooManyRequestsError(decision.retryAfterMs / 1000, 'Too many registrations from this client; try again later', 'registration_rate_limited');
}
