import { newId, type GeoLocation } from '@expensio/common';
import type { IdentityContext, RequestOrigin } from '../context.js';
import type { IdentityDb, IdentityTrx, SignInMethod, SignInOutcome } from '../db.js';
import type { UserRow } from '../users/repo.js';
import { describeDevice, parseDevice, type ParsedDevice } from './device.js';
import { raiseAlert } from './alerts.js';
import { getSettings } from './settings.js';
import { insertSignIn, readHistory, rememberDevice } from './sign-ins-repo.js';
import { assessSignIn, hourIn, type Assessment, type SignInHistory } from './signals.js';

/** One attempt seen against the account's history, before anything is written. */
export interface Observation {
  origin: RequestOrigin;
  location: GeoLocation | null;
  device: ParsedDevice;
  history: SignInHistory;
  assessment: Assessment;
}

export async function observeSignIn(
  ctx: IdentityContext,
  user: Pick<UserRow, 'id' | 'time_zone'>,
  origin: RequestOrigin,
  db: IdentityDb = ctx.db,
): Promise<Observation> {
  const now = ctx.clock.now();
  const location = ctx.geo.locate(origin.ip);
  const device = parseDevice(origin.userAgent);
  // Hours of day as the user lives them (the unusual-hour signal).
  const timeZone = user.time_zone;
  const hour = hourIn(now, timeZone);
  const history = await readHistory(db, { userId: user.id, fingerprint: device.fingerprint, location, at: now, hour, timeZone });
  return { origin, location, device, history, assessment: assessSignIn(history, { at: now, location, hour }) };
}

/** A known device from a known place: the one context never held for a second step. */
export function isFamiliar(observation: Observation): boolean {
  const { history, location } = observation;
  if (!history.deviceKnown) return false;
  return location === null || (history.countryKnown && (location.city === null || history.cityKnown));
}

/**
 * Writes the attempt. A success makes its device known (and, through its row, its place); a
 * success that looked suspicious, or the first from a device, is told to the user as their
 * settings say (unless `quiet`).
 */
export async function recordSignIn(
  ctx: IdentityContext,
  trx: IdentityTrx,
  params: {
    user: Pick<UserRow, 'id' | 'email'>;
    observation: Observation;
    method: SignInMethod;
    outcome: SignInOutcome;
    sessionId?: string | null;
    quiet?: boolean;
  },
): Promise<void> {
  const { user, observation, outcome } = params;
  const now = ctx.clock.now();
  const { device } = observation;
  const reasons = observation.assessment.signals.map((s) => s.code);
  const deviceId = outcome === 'success' ? await rememberDevice(trx, { userId: user.id, id: newId(), fingerprint: device.fingerprint, device, now }) : null;
  await insertSignIn(trx, {
    id: newId(),
    userId: user.id,
    method: params.method,
    outcome,
    ip: observation.origin.ip,
    location: observation.location,
    fingerprint: device.fingerprint,
    deviceId,
    sessionId: params.sessionId ?? null,
    riskScore: observation.assessment.score,
    reasons,
    now,
  });
  // Registration is the first sign-in, nothing to compare with; a passed step-up was alerted when it was asked for.
  if (outcome === 'success' && params.method !== 'registration' && params.quiet !== true) await alertOnSuccess(ctx, trx, user, observation);
}

async function alertOnSuccess(ctx: IdentityContext, trx: IdentityTrx, user: Pick<UserRow, 'id' | 'email'>, observation: Observation): Promise<void> {
  const settings = await getSettings(trx, user.id);
  const { signals, score } = observation.assessment;
  const where =
    observation.location === null ? '' : ` from ${observation.location.city === null ? '' : `${observation.location.city}, `}${observation.location.country}`;
  const device = describeDevice(observation.device);
  const suspicious = score >= settings.alertThreshold && signals.some((s) => settings.alertSignals.includes(s.code));
  if (suspicious) {
    await raiseAlert(ctx, trx, user, {
      type: 'login.suspicious',
      severity: score >= ctx.config.STEP_UP_THRESHOLD ? 'critical' : 'warning',
      message: `Someone signed in to your account${where} with ${device}, and it looked unusual: ${signals.map((s) => s.message).join(' ')} If it was not you, change your password now.`,
      origin: observation.origin,
      location: observation.location,
      reasons: signals.map((s) => s.code),
      channels: settings.channels,
      details: { riskScore: score },
    });
  } else if (!observation.history.deviceKnown) {
    await raiseAlert(ctx, trx, user, {
      type: 'login.new_device',
      severity: 'info',
      message: `A new device signed in to your account${where}: ${device}. If it was not you, change your password and forget the device.`,
      origin: observation.origin,
      location: observation.location,
      reasons: ['new_device'],
      channels: settings.channels,
    });
  }
}
