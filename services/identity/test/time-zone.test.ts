import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRONG_PASSWORD, bearer, createTestIdentity, outboxOf, registerUser, uniqueEmail, type TestIdentity } from './helpers.js';

// A user's time zone: chosen at registration (UTC when not), changed through the profile, and
// announced to the other services in user.registered and user.updated.

let t: TestIdentity;
beforeAll(async () => {
  t = await createTestIdentity();
});
afterAll(async () => {
  await t.close();
});

function register(payload: Record<string, unknown>) {
  return t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: uniqueEmail(), password: STRONG_PASSWORD, ...payload } });
}

function patchProfile(token: string, payload: Record<string, unknown>) {
  return t.app.inject({ method: 'PATCH', url: '/api/auth/profile', headers: bearer(token), payload });
}

describe('time zone at registration', () => {
  it('keeps the zone given, shows it in the profile and publishes it with user.registered', async () => {
    const response = await register({ timeZone: 'America/New_York' });
    expect(response.statusCode, response.body).toBe(201);
    const { user, accessToken } = response.json();
    expect(user.timeZone).toBe('America/New_York');
    const profile = await t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(accessToken) });
    expect(profile.json().timeZone).toBe('America/New_York');
    expect((await outboxOf(t, user.id, 'user.registered')).map((e) => e.payload.timeZone)).toEqual(['America/New_York']);
  });

  it('is UTC when none is given', async () => {
    const user = await registerUser(t);
    const profile = await t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(user.accessToken) });
    expect(profile.json().timeZone).toBe('UTC');
    expect((await outboxOf(t, user.id, 'user.registered')).map((e) => e.payload.timeZone)).toEqual(['UTC']);
  });

  it.each(['Mars/Olympus_Mons', '+01:00', 'America/New_York\u0000', 'x'.repeat(65), '', 'Europe/../etc'])(
    'refuses %j with a 400 naming timeZone and creates no account',
    async (timeZone) => {
      const email = uniqueEmail();
      const response = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: STRONG_PASSWORD, timeZone } });
      expect(response.statusCode).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      // Every problem found is the zone's (too long and unknown, say).
      const fields = response.json().errors.map((e: { field: string }) => e.field);
      expect(fields.length).toBeGreaterThan(0);
      expect(new Set(fields)).toEqual(new Set(['timeZone']));
      expect(await t.ctx.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()).toBeUndefined();
    },
  );
});

describe('time zone in the profile', () => {
  it('PATCH changes it and publishes user.updated naming timeZone with the new zone', async () => {
    const user = await registerUser(t, { name: 'Ada' });
    const response = await patchProfile(user.accessToken, { timeZone: 'Europe/Berlin' });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ timeZone: 'Europe/Berlin', name: 'Ada' });
    expect((await outboxOf(t, user.id, 'user.updated')).map((e) => e.payload)).toEqual([
      { changed: ['timeZone'], email: user.email, name: 'Ada', role: 'user', timeZone: 'Europe/Berlin' },
    ]);
  });

  it('PATCH with name and zone together publishes one event naming both; the same zone again publishes nothing', async () => {
    const user = await registerUser(t);
    expect((await patchProfile(user.accessToken, { name: 'Grace', timeZone: 'Asia/Tokyo' })).statusCode).toBe(200);
    expect((await patchProfile(user.accessToken, { timeZone: 'Asia/Tokyo' })).statusCode).toBe(200);
    expect((await outboxOf(t, user.id, 'user.updated')).map((e) => [e.payload.changed, e.payload.timeZone])).toEqual([[['name', 'timeZone'], 'Asia/Tokyo']]);
  });

  it('PATCH refuses an unknown zone with a 400 naming timeZone and keeps the old one', async () => {
    const user = await registerUser(t);
    const response = await patchProfile(user.accessToken, { timeZone: 'Not/A_Zone' });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'timeZone' })]);
    const row = await t.ctx.db.selectFrom('users').select('time_zone').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.time_zone).toBe('UTC');
    expect(await outboxOf(t, user.id, 'user.updated')).toEqual([]);
  });

  it('one user’s change leaves another’s zone alone', async () => {
    const [a, b] = [await registerUser(t), await registerUser(t)];
    await patchProfile(a.accessToken, { timeZone: 'Australia/Sydney' });
    const other = await t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(b.accessToken) });
    expect(other.json().timeZone).toBe('UTC');
  });
});
