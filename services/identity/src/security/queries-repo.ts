import { sql } from 'kysely';
import { decodeCursor, encodeCursor, page, pastCursor } from '@expensio/common';
import type { IdentityDb } from '../db.js';

/** Whose events: one user's, or everyone's (an admin's `all=true`). */
export type EventOwner = { userId: string } | { all: true };

export async function listEvents(
  db: IdentityDb,
  params: {
    owner: EventOwner;
    type?: string | undefined;
    severity?: string | undefined;
    from?: Date | undefined;
    to?: Date | undefined;
    cursor?: string | undefined;
    limit: number;
  },
) {
  let query = db
    .selectFrom('security_events')
    .select(['id', 'user_id', 'type', 'severity', 'ip', 'country', 'city', 'device', 'reasons', 'created_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(params.limit + 1);
  if ('userId' in params.owner) query = query.where('user_id', '=', params.owner.userId);
  if (params.type !== undefined) query = query.where('type', '=', params.type);
  if (params.severity !== undefined) query = query.where('severity', '=', params.severity as 'info');
  if (params.from !== undefined) query = query.where('created_at', '>=', params.from);
  if (params.to !== undefined) query = query.where('created_at', '<', params.to);
  if (params.cursor !== undefined) {
    const { at, id } = decodeCursor(params.cursor);
    query = query.where((eb) => pastCursor(eb, ['created_at', 'id'], [at, id]));
  }
  return page(await query.execute(), params.limit, (last) => encodeCursor({ at: last.created_at, id: last.id }));
}

export async function listDevices(db: IdentityDb, userId: string) {
  return db
    .selectFrom('known_devices')
    .select(['id', 'browser', 'os', 'type', 'first_seen_at', 'last_seen_at'])
    .where('user_id', '=', userId)
    .orderBy('last_seen_at', 'desc')
    .limit(200)
    .execute();
}

/** Forgets a device; the fingerprint it had, or undefined when it is not this user's. */
export async function deleteDevice(db: IdentityDb, params: { userId: string; id: string }) {
  return db.deleteFrom('known_devices').where('user_id', '=', params.userId).where('id', '=', params.id).returning('fingerprint').executeTakeFirst();
}

/** Sessions opened from a device (by their sign-ins), to end with it. */
export async function sessionsOfDevice(db: IdentityDb, params: { userId: string; fingerprint: string }): Promise<string[]> {
  const rows = await db
    .selectFrom('sign_ins')
    .select('session_id')
    .distinct()
    .where('user_id', '=', params.userId)
    .where('fingerprint', '=', params.fingerprint)
    .where('session_id', 'is not', null)
    .execute();
  return rows.flatMap((row) => (row.session_id === null ? [] : [row.session_id]));
}

export async function listLocations(db: IdentityDb, userId: string) {
  return db
    .selectFrom('sign_ins')
    .select(['country', 'city', sql<Date>`min(created_at)`.as('first_at'), sql<Date>`max(created_at)`.as('last_at'), sql<string>`count(*)`.as('sign_ins')])
    .where('user_id', '=', userId)
    .where('outcome', '=', 'success')
    .where('country', 'is not', null)
    .groupBy(['country', 'city'])
    .orderBy('last_at', 'desc')
    .limit(200)
    .execute();
}

export async function lastSignIns(db: IdentityDb, params: { userId: string; limit: number }) {
  return db
    .selectFrom('sign_ins as s')
    .leftJoin('known_devices as d', 'd.id', 's.device_id')
    .select(['s.id', 's.method', 's.outcome', 's.ip', 's.country', 's.city', 's.risk_score', 's.reasons', 's.created_at', 'd.browser', 'd.os', 'd.type'])
    .where('s.user_id', '=', params.userId)
    .where('s.method', '<>', 'refresh')
    .orderBy('s.created_at', 'desc')
    .orderBy('s.id', 'desc')
    .limit(params.limit)
    .execute();
}

/** The last 30 days in one row: the riskiest sign-in, its reasons, the anomalies, and what stays open. */
export async function riskSince(db: IdentityDb, params: { userId: string; since: Date }) {
  const [signIns, events, alerts, counts] = await Promise.all([
    db
      .selectFrom('sign_ins')
      .select(['risk_score', 'reasons'])
      .where('user_id', '=', params.userId)
      .where('created_at', '>=', params.since)
      .orderBy('risk_score', 'desc')
      .orderBy('created_at', 'desc')
      .limit(1)
      .executeTakeFirst(),
    db
      .selectFrom('security_events')
      .select(['type', sql<string>`count(*)`.as('n')])
      .where('user_id', '=', params.userId)
      .where('created_at', '>=', params.since)
      .where('type', 'in', ['refresh.reused', 'otp.locked', 'login.account_held'])
      .groupBy('type')
      .execute(),
    db
      .selectFrom('security_alerts')
      .select(sql<string>`count(*)`.as('n'))
      .where('user_id', '=', params.userId)
      .where('acknowledged_at', 'is', null)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('sign_ins')
      .select([sql<string>`count(*) filter (where cardinality(reasons) > 0)`.as('anomalies')])
      .where('user_id', '=', params.userId)
      .where('created_at', '>=', params.since)
      .executeTakeFirstOrThrow(),
  ]);
  const [devices, locations] = await Promise.all([
    db
      .selectFrom('known_devices')
      .select(sql<string>`count(*)`.as('n'))
      .where('user_id', '=', params.userId)
      .executeTakeFirstOrThrow(),
    db
      .selectFrom('sign_ins')
      .select(sql<string>`count(distinct (country, city))`.as('n'))
      .where('user_id', '=', params.userId)
      .where('outcome', '=', 'success')
      .where('country', 'is not', null)
      .executeTakeFirstOrThrow(),
  ]);
  return {
    topSignIn: signIns ?? null,
    incidents: Object.fromEntries(events.map((e) => [e.type, Number(e.n)])),
    openAlerts: Number(alerts.n),
    recentAnomalies: Number(counts.anomalies),
    devices: Number(devices.n),
    locations: Number(locations.n),
  };
}

export async function listAlerts(db: IdentityDb, params: { owner: EventOwner; open?: boolean | undefined; cursor?: string | undefined; limit: number }) {
  let query = db
    .selectFrom('security_alerts')
    .select(['id', 'user_id', 'type', 'severity', 'message', 'ip', 'reasons', 'created_at', 'acknowledged_at'])
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(params.limit + 1);
  if ('userId' in params.owner) query = query.where('user_id', '=', params.owner.userId);
  if (params.open === true) query = query.where('acknowledged_at', 'is', null);
  if (params.open === false) query = query.where('acknowledged_at', 'is not', null);
  if (params.cursor !== undefined) {
    const { at, id } = decodeCursor(params.cursor);
    query = query.where((eb) => pastCursor(eb, ['created_at', 'id'], [at, id]));
  }
  return page(await query.execute(), params.limit, (last) => encodeCursor({ at: last.created_at, id: last.id }));
}

/** Acknowledges one of the user's alerts (again is fine); undefined when it is not theirs. */
export async function acknowledgeAlert(db: IdentityDb, params: { userId: string; id: string; now: Date }) {
  return db
    .updateTable('security_alerts')
    .set((eb) => ({ acknowledged_at: eb.fn.coalesce('acknowledged_at', sql<Date>`${params.now}::timestamptz`) }))
    .where('user_id', '=', params.userId)
    .where('id', '=', params.id)
    .returning(['id', 'user_id', 'type', 'severity', 'message', 'ip', 'reasons', 'created_at', 'acknowledged_at'])
    .executeTakeFirst();
}
