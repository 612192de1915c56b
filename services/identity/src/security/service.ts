import { DAY_MS, ForbiddenError, NotFoundError, type AuthUser } from '@expensio/common';
import type { IdentityContext, RequestOrigin } from '../context.js';
import { endSessions } from '../tokens/sessions.js';
import { secondFactorState } from '../totp/service.js';
import { recordSecurityEvent } from './events.js';
import { acknowledgeAlert, deleteDevice, lastSignIns, listAlerts, listEvents, riskSince, sessionsOfDevice, type EventOwner } from './queries-repo.js';
import { INCIDENT_SCORES, riskLevel } from './signals.js';

/** The caller's own rows, or (an admin only) another user's or everyone's. */
export function ownerFor(caller: AuthUser, query: { userId?: string | undefined; all?: 'true' | 'false' | undefined }): EventOwner {
  const wantsOthers = query.all === 'true' || (query.userId !== undefined && query.userId !== caller.id);
  if (wantsOthers && caller.role !== 'admin') throw new ForbiddenError("Only an administrator may read other users' security events", 'admin_only');
  if (query.all === 'true') return { all: true };
  return { userId: query.userId ?? caller.id };
}

export { listAlerts, listEvents };

export async function securitySummary(ctx: IdentityContext, userId: string) {
  const since = new Date(ctx.clock.now().getTime() - 30 * DAY_MS);
  const [risk, recent, secondFactor] = await Promise.all([
    riskSince(ctx.db, { userId, since }),
    lastSignIns(ctx.db, { userId, limit: 5 }),
    secondFactorState(ctx, userId),
  ]);
  const incidentScores = Object.entries(risk.incidents).map(([type]) => INCIDENT_SCORES[type as keyof typeof INCIDENT_SCORES]);
  const riskScore = Math.max(risk.topSignIn?.risk_score ?? 0, ...incidentScores);
  const reasons = [...new Set([...(risk.topSignIn?.reasons ?? []), ...Object.keys(risk.incidents)])];
  return {
    riskScore,
    level: riskLevel(riskScore),
    reasons,
    openAlerts: risk.openAlerts,
    recentAnomalies: risk.recentAnomalies,
    lastSignIns: recent,
    devices: risk.devices,
    locations: risk.locations,
    secondFactor,
  };
}

/** Forgets a device: it counts as new next time, and every session it opened ends now. */
export async function forgetDevice(ctx: IdentityContext, caller: AuthUser, deviceId: string, origin: RequestOrigin): Promise<void> {
  const now = ctx.clock.now();
  await ctx.db.transaction().execute(async (trx) => {
    const gone = await deleteDevice(trx, { userId: caller.id, id: deviceId });
    if (!gone) throw new NotFoundError('No such device', 'device_not_found');
    const sessionIds = await sessionsOfDevice(trx, { userId: caller.id, fingerprint: gone.fingerprint });
    await endSessions(ctx, { userId: caller.id, sessionIds, reason: 'device_forgotten' }, trx);
    await recordSecurityEvent(trx, {
      userId: caller.id,
      type: 'device.forgotten',
      severity: 'info',
      origin,
      details: { deviceId, sessionsEnded: sessionIds.length },
      now,
    });
  });
}

export async function acknowledge(ctx: IdentityContext, caller: AuthUser, alertId: string) {
  const row = await acknowledgeAlert(ctx.db, { userId: caller.id, id: alertId, now: ctx.clock.now() });
  if (!row) throw new NotFoundError('No such alert', 'alert_not_found');
  return row;
}
