import type { IdentityContext, RequestOrigin } from '../context.js';
import type { IdentityTrx } from '../db.js';

/** The request's address and agent, cut to what the event catalog accepts. */
export function originFields(origin: RequestOrigin): { ip: string; userAgent: string | null } {
  return { ip: origin.ip.slice(0, 64), userAgent: origin.userAgent?.slice(0, 512) ?? null };
}

export async function publishLoginSucceeded(
  ctx: IdentityContext,
  trx: IdentityTrx,
  params: { userId: string; sessionId: string; method: 'password' | 'otp'; origin: RequestOrigin },
): Promise<void> {
  ctx.metrics.signIns.inc({ outcome: 'succeeded', method: params.method });
  await ctx.bus.publish(trx, 'auth.login.succeeded', params.userId, { sessionId: params.sessionId, method: params.method, ...originFields(params.origin) });
}

/** `userId` is null when the email matched no account. */
export async function publishLoginFailed(
  ctx: IdentityContext,
  trx: IdentityTrx,
  params: { userId: string | null; email: string; reason: string; origin: RequestOrigin },
): Promise<void> {
  // A wrong current password (a password change) is published alike but is no sign-in.
  if (params.reason !== 'wrong_current_password') ctx.metrics.signIns.inc({ outcome: 'failed', reason: params.reason });
  await ctx.bus.publish(trx, 'auth.login.failed', params.userId, { email: params.email, reason: params.reason, ...originFields(params.origin) });
}
