import { sql } from 'kysely';
import type { GeoLocation } from '@expensio/common';
import type { DeviceInfo, IdentityDb, SignInMethod, SignInOutcome } from '../db.js';
import { FAILURE_BURST_WINDOW_MS, type SignInHistory } from './signals.js';

/** The account's history as the signals need it: three small queries, aggregates in SQL. */
export async function readHistory(
  db: IdentityDb,
  params: { userId: string; fingerprint: string; location: GeoLocation | null; at: Date; hour: number; timeZone: string },
): Promise<SignInHistory> {
  const { userId, location } = params;
  const since = new Date(params.at.getTime() - FAILURE_BURST_WINDOW_MS);
  const [device, counts, previous] = await Promise.all([
    db.selectFrom('known_devices').select('id').where('user_id', '=', userId).where('fingerprint', '=', params.fingerprint).executeTakeFirst(),
    db
      .selectFrom('sign_ins')
      .select((eb) => [
        eb.fn.coalesce(sql<boolean>`bool_or(outcome = 'success' and country = ${location?.country ?? null})`, sql<boolean>`false`).as('country_known'),
        eb.fn
          .coalesce(
            sql<boolean>`bool_or(outcome = 'success' and country = ${location?.country ?? null} and city = ${location?.city ?? null})`,
            sql<boolean>`false`,
          )
          .as('city_known'),
        sql<string>`count(*) filter (where outcome = 'failure' and created_at > ${since})`.as('recent_failures'),
        sql<string>`count(*) filter (where outcome = 'success' and method <> 'refresh')`.as('successes'),
        sql<string>`count(*) filter (where outcome = 'success' and method <> 'refresh' and extract(hour from created_at at time zone ${params.timeZone}) = ${params.hour})`.as(
          'at_hour',
        ),
      ])
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('sign_ins')
      .select(['created_at', 'country', 'city', 'latitude', 'longitude'])
      .where('user_id', '=', userId)
      .where('outcome', '=', 'success')
      .where('latitude', 'is not', null)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst(),
  ]);
  return {
    deviceKnown: device !== undefined,
    countryKnown: counts.country_known,
    cityKnown: counts.city_known,
    previousLocated:
      previous?.country == null || previous.latitude === null || previous.longitude === null
        ? null
        : { at: previous.created_at, location: { country: previous.country, city: previous.city, latitude: previous.latitude, longitude: previous.longitude } },
    recentFailures: Number(counts.recent_failures),
    successCount: Number(counts.successes),
    successesAtThisHour: Number(counts.at_hour),
  };
}

/** Remembers the device (or sees it again); its id. */
export async function rememberDevice(
  db: IdentityDb,
  params: { userId: string; id: string; fingerprint: string; device: DeviceInfo; now: Date },
): Promise<string> {
  const row = await db
    .insertInto('known_devices')
    .values({
      id: params.id,
      user_id: params.userId,
      fingerprint: params.fingerprint,
      browser: params.device.browser,
      os: params.device.os,
      type: params.device.type,
      first_seen_at: params.now,
      last_seen_at: params.now,
    })
    .onConflict((oc) => oc.columns(['user_id', 'fingerprint']).doUpdateSet({ last_seen_at: params.now }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

export async function insertSignIn(
  db: IdentityDb,
  row: {
    id: string;
    userId: string;
    method: SignInMethod;
    outcome: SignInOutcome;
    ip: string;
    location: GeoLocation | null;
    fingerprint: string;
    deviceId: string | null;
    sessionId: string | null;
    riskScore: number;
    reasons: string[];
    now: Date;
  },
): Promise<void> {
  await db
    .insertInto('sign_ins')
    .values({
      id: row.id,
      user_id: row.userId,
      method: row.method,
      outcome: row.outcome,
      ip: row.ip.slice(0, 64),
      country: row.location?.country ?? null,
      city: row.location?.city ?? null,
      latitude: row.location?.latitude ?? null,
      longitude: row.location?.longitude ?? null,
      fingerprint: row.fingerprint,
      device_id: row.deviceId,
      session_id: row.sessionId,
      risk_score: row.riskScore,
      reasons: row.reasons,
      created_at: row.now,
    })
    .execute();
}
