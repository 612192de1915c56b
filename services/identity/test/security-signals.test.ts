import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HOUR_MS, MINUTE_MS, DAY_MS, type GeoLocation } from '@expensio/common';
import { TEST_IPS } from '@expensio/common/testing';
import { assessSignIn, type SignInHistory } from '../src/security/signals.js';
import { alertsOf, createTestIdentity, lastCode, requestCode, type TestIdentity } from './helpers.js';
import { AGENTS, lastSignIn, loginFrom, registerFrom } from './security-helpers.js';

let t: TestIdentity;
beforeAll(async () => {
  t = await createTestIdentity({}, {}, {});
  t.clock.set('2026-03-02T10:00:00Z');
});
afterAll(async () => {
  await t.close();
});

const { chromeMac, firefoxLinux } = AGENTS;

/** Each test starts a day after the last, so one test's sign-ins never look like travel to another's. */
function nextDay() {
  t.clock.advance(DAY_MS);
}

async function signInReasons(userId: string) {
  const row = await lastSignIn(t, userId);
  return { outcome: row.outcome, reasons: row.reasons, score: row.risk_score };
}

describe('what a sign-in records', () => {
  it('keeps the IP, its place, the parsed device and its fingerprint, never the raw user agent', async () => {
    nextDay();
    const user = await registerFrom(t, TEST_IPS.DE, chromeMac);
    t.clock.advance(HOUR_MS);
    expect((await loginFrom(t, user, TEST_IPS.DE, chromeMac)).statusCode).toBe(200);
    const row = await lastSignIn(t, user.id);
    expect(row).toMatchObject({ method: 'password', outcome: 'success', ip: TEST_IPS.DE, country: 'DE', risk_score: 0, reasons: [] });
    expect(row.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    const device = await t.ctx.db.selectFrom('known_devices').selectAll().where('user_id', '=', user.id).executeTakeFirstOrThrow();
    expect(device).toMatchObject({ browser: 'Chrome', os: 'macOS', type: 'desktop', fingerprint: row.fingerprint });
    expect(JSON.stringify(device)).not.toContain('AppleWebKit');
  });

  it('stays silent on an ordinary sign-in: same browser, same place, a day later', async () => {
    nextDay();
    const user = await registerFrom(t, TEST_IPS.US, chromeMac);
    nextDay();
    expect((await loginFrom(t, user, TEST_IPS.US, chromeMac)).statusCode).toBe(200);
    expect(await signInReasons(user.id)).toEqual({ outcome: 'success', reasons: [], score: 0 });
    expect((await alertsOf(t, user.id)).filter((a) => String(a.alert).startsWith('login.'))).toEqual([]);
  });
});

describe('every way in is a sign-in', () => {
  it('records code sign-ins and refreshes too: a refresh token used from Japan minutes after the US is impossible travel', async () => {
    nextDay();
    const user = await registerFrom(t, TEST_IPS.US, chromeMac);
    t.clock.advance(HOUR_MS);
    await requestCode(t, user.email);
    const byCode = await t.app.inject({
      method: 'POST',
      url: '/api/auth/otp/verify',
      payload: { email: user.email, code: await lastCode(t, user.email) },
      remoteAddress: TEST_IPS.US,
      headers: { 'user-agent': chromeMac },
    });
    expect(byCode.statusCode).toBe(200);
    expect(await lastSignIn(t, user.id)).toMatchObject({ method: 'otp', outcome: 'success', reasons: [] });

    t.clock.advance(10 * MINUTE_MS);
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/api/auth/refresh',
      payload: { refreshToken: user.refreshToken },
      remoteAddress: TEST_IPS.JP,
      headers: { 'user-agent': chromeMac },
    });
    expect(refreshed.statusCode).toBe(200);
    expect(await lastSignIn(t, user.id)).toMatchObject({
      method: 'refresh',
      outcome: 'success',
      country: 'JP',
      reasons: ['new_country', 'impossible_travel'],
      risk_score: 90,
    });
    expect((await alertsOf(t, user.id)).map((a) => a.alert)).toContain('login.suspicious');
  });
});

describe('signals', () => {
  it('new_device: another browser; told once as a new device, then known', async () => {
    nextDay();
    const user = await registerFrom(t, TEST_IPS.US, chromeMac);
    t.clock.advance(HOUR_MS);
    expect((await loginFrom(t, user, TEST_IPS.US, firefoxLinux)).statusCode).toBe(200);
    expect(await signInReasons(user.id)).toEqual({ outcome: 'success', reasons: ['new_device'], score: 25 });
    expect((await alertsOf(t, user.id)).map((a) => a.alert)).toEqual(['login.new_device']);
    await t.ctx.mail.drain();
    expect(t.mailer.lastTo(user.email)?.text).toMatch(/A new device signed in to your account from US: Firefox on Linux \(desktop\)/);

    t.clock.advance(HOUR_MS);
    expect((await loginFrom(t, user, TEST_IPS.US, firefoxLinux)).statusCode).toBe(200);
    expect(await signInReasons(user.id)).toMatchObject({ reasons: [] });
  });

  it('new_country: a country never signed in from (a day later, so no travel)', async () => {
    nextDay();
    const user = await registerFrom(t, TEST_IPS.US, chromeMac);
    nextDay();
    expect((await loginFrom(t, user, TEST_IPS.DE, chromeMac)).statusCode).toBe(200);
    expect(await signInReasons(user.id)).toEqual({ outcome: 'success', reasons: ['new_country'], score: 30 });
    const [alert] = (await alertsOf(t, user.id)).filter((a) => a.alert === 'login.suspicious');
    expect(alert).toMatchObject({ severity: 'warning', ip: TEST_IPS.DE });
    expect(alert?.message).toMatch(/country not seen on this account before \(DE\)/);
  });

  it('new_city: another city of a known country', async () => {
    // Two documentation addresses placed in two US cities, so the test does not hang on how
    // GeoLite2 places a real address's city this month.
    const places: Record<string, GeoLocation> = {
      '192.0.2.10': { country: 'US', city: 'Boston', latitude: 42.36, longitude: -71.06 },
      '192.0.2.11': { country: 'US', city: 'Cambridge', latitude: 42.37, longitude: -71.11 },
    };
    const locate = vi.spyOn(t.ctx.geo, 'locate').mockImplementation((ip) => places[ip] ?? null);
    try {
      nextDay();
      const user = await registerFrom(t, '192.0.2.10', chromeMac);
      t.clock.advance(HOUR_MS);
      expect((await loginFrom(t, user, '192.0.2.11', chromeMac)).statusCode).toBe(200);
      expect(await signInReasons(user.id)).toEqual({ outcome: 'success', reasons: ['new_city'], score: 10 });
    } finally {
      locate.mockRestore();
    }
  });

  it('impossible_travel: from a known place, too far too soon after the last one (not held: known device and place)', async () => {
    nextDay();
    const user = await registerFrom(t, TEST_IPS.US, chromeMac);
    nextDay();
    expect((await loginFrom(t, user, TEST_IPS.JP, chromeMac)).statusCode).toBe(200);
    t.clock.advance(20 * MINUTE_MS);
    expect((await loginFrom(t, user, TEST_IPS.US, chromeMac)).statusCode).toBe(200);
    expect(await signInReasons(user.id)).toEqual({ outcome: 'success', reasons: ['impossible_travel'], score: 60 });
    const suspicious = (await alertsOf(t, user.id)).filter((a) => a.alert === 'login.suspicious');
    expect(suspicious.at(-1)).toMatchObject({ severity: 'critical' });
    expect(suspicious.at(-1)?.message).toMatch(/km from the previous one \(JP\) 20 minutes earlier/);
  });

  it('failure_burst: three failures in 15 minutes before the right password', async () => {
    nextDay();
    const user = await registerFrom(t, TEST_IPS.US, chromeMac);
    t.clock.advance(HOUR_MS);
    for (let i = 0; i < 3; i += 1) expect((await loginFrom(t, { ...user, password: `wrong password ${i}` }, TEST_IPS.US, chromeMac)).statusCode).toBe(401);
    expect(await signInReasons(user.id)).toMatchObject({ outcome: 'failure' });
    expect((await loginFrom(t, user, TEST_IPS.US, chromeMac)).statusCode).toBe(200);
    expect(await signInReasons(user.id)).toEqual({ outcome: 'success', reasons: ['failure_burst'], score: 20 });

    // Failures older than 15 minutes are no burst.
    for (let i = 0; i < 3; i += 1) await loginFrom(t, { ...user, password: `wrong password ${i}` }, TEST_IPS.US, chromeMac);
    t.clock.advance(16 * MINUTE_MS);
    expect((await loginFrom(t, user, TEST_IPS.US, chromeMac)).statusCode).toBe(200);
    expect(await signInReasons(user.id)).toMatchObject({ reasons: [] });
  });

  it('unusual_hour: an hour never used, once there are 20 sign-ins of history', async () => {
    nextDay();
    t.clock.set(new Date(Math.ceil(t.clock.now().getTime() / DAY_MS) * DAY_MS + 9 * HOUR_MS));
    const user = await registerFrom(t, TEST_IPS.US, chromeMac);
    for (let i = 0; i < 18; i += 1) {
      nextDay();
      expect((await loginFrom(t, user, TEST_IPS.US, chromeMac)).statusCode).toBe(200);
    }
    // 19 sign-ins at 09:00 so far: not enough history to call 03:00 unusual.
    t.clock.advance(18 * HOUR_MS);
    expect((await loginFrom(t, user, TEST_IPS.US, chromeMac)).statusCode).toBe(200);
    expect(await signInReasons(user.id)).toMatchObject({ reasons: [] });
    // 20 now, one of them at 03:00: 03:00 is usual, 04:00 is not.
    t.clock.advance(DAY_MS);
    expect((await loginFrom(t, user, TEST_IPS.US, chromeMac)).statusCode).toBe(200);
    expect(await signInReasons(user.id)).toMatchObject({ reasons: [] });
    t.clock.advance(DAY_MS + HOUR_MS);
    expect((await loginFrom(t, user, TEST_IPS.US, chromeMac)).statusCode).toBe(200);
    expect(await signInReasons(user.id)).toEqual({ outcome: 'success', reasons: ['unusual_hour'], score: 15 });
  });
});

describe('assessSignIn', () => {
  const quiet: SignInHistory = {
    deviceKnown: true,
    countryKnown: true,
    cityKnown: true,
    previousLocated: null,
    recentFailures: 0,
    successCount: 0,
    successesAtThisHour: 0,
  };
  const at = new Date('2026-03-02T10:00:00Z');
  const berlin: GeoLocation = { country: 'DE', city: 'Berlin', latitude: 52.52, longitude: 13.405 };
  const munich: GeoLocation = { country: 'DE', city: 'Munich', latitude: 48.137, longitude: 11.575 };

  it('adds the weights and caps the score at 100', () => {
    const everything = assessSignIn(
      {
        ...quiet,
        deviceKnown: false,
        countryKnown: false,
        recentFailures: 5,
        successCount: 30,
        previousLocated: { at: new Date(at.getTime() - MINUTE_MS), location: munich },
      },
      { at, location: { ...berlin, country: 'JP', latitude: 35.7, longitude: 139.7 }, hour: 10 },
    );
    expect(everything.signals.map((s) => s.code)).toEqual(['new_device', 'new_country', 'impossible_travel', 'failure_burst', 'unusual_hour']);
    expect(everything.score).toBe(100);
  });

  it('needs more than 500 km for impossible travel, and more than 900 km/h', () => {
    const fromMunich = (minutes: number) => ({ ...quiet, previousLocated: { at: new Date(at.getTime() - minutes * MINUTE_MS), location: munich } });
    // Munich to Berlin is about 504 km: 20 minutes is impossible, an hour is a flight.
    expect(assessSignIn(fromMunich(20), { at, location: berlin, hour: 10 }).signals.map((s) => s.code)).toEqual(['impossible_travel']);
    expect(assessSignIn(fromMunich(60), { at, location: berlin, hour: 10 }).signals).toEqual([]);
    const near: GeoLocation = { country: 'DE', city: 'Augsburg', latitude: 48.37, longitude: 10.9 };
    expect(assessSignIn(fromMunich(1), { at, location: near, hour: 10 }).signals).toEqual([]);
  });

  it('says nothing about places for an address without one', () => {
    expect(assessSignIn({ ...quiet, countryKnown: false, cityKnown: false }, { at, location: null, hour: 10 }).signals).toEqual([]);
  });
});
