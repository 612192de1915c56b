import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, HOUR_MS } from '@expensio/common';
import { TEST_IPS } from '@expensio/common/testing';
import { ensureAdmin } from '../src/admin/service.js';
import { bearer, createTestIdentity, signInByCode, uniqueEmail, type TestIdentity } from './helpers.js';
import { AGENTS, loginFrom, registerFrom, type Account } from './security-helpers.js';

let t: TestIdentity;
let adminToken: string;
let alice: Account;
let bob: Account;

beforeAll(async () => {
  // Tokens outlive the days the clock is moved by.
  t = await createTestIdentity({ ACCESS_TOKEN_TTL: '30d' });
  t.clock.set('2026-03-02T10:00:00Z');
  const email = uniqueEmail('admin');
  await ensureAdmin(t.ctx, email);
  adminToken = (await signInByCode(t, email)).accessToken;
  alice = await registerFrom(t, TEST_IPS.US, AGENTS.chromeMac);
  bob = await registerFrom(t, TEST_IPS.DE, AGENTS.chromeMac);
  // Alice signs in from Germany a day later with Firefox: a new device in a new country, no travel.
  t.clock.advance(DAY_MS);
  const fresh = await loginFrom(t, alice, TEST_IPS.DE, AGENTS.firefoxLinux);
  if (fresh.statusCode !== 403) throw new Error(`expected a step-up, got ${String(fresh.statusCode)}`);
  t.clock.advance(HOUR_MS);
  await loginFrom(t, { ...bob, password: 'wrong password' }, TEST_IPS.DE, AGENTS.chromeMac);
  await loginFrom(t, bob, TEST_IPS.DE, AGENTS.firefoxLinux);
});
afterAll(async () => {
  await t.close();
});

function get(token: string, url: string) {
  return t.app.inject({ method: 'GET', url, headers: bearer(token) });
}

interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

describe('GET /api/security/events', () => {
  it("lists the caller's own events newest first, with place, device and reasons, never another user's", async () => {
    const response = await get(alice.accessToken, '/api/security/events');
    expect(response.statusCode).toBe(200);
    const { items } =
      response.json<Page<{ userId: string; type: string; location: { country: string } | null; device: unknown; reasons: string[]; at: string }>>();
    expect(items.every((e) => e.userId === alice.id)).toBe(true);
    // The step-up's code was mailed right after it was asked for: that event is the newest.
    expect(items.map((e) => e.type).slice(0, 2)).toEqual(['otp.requested', 'login.step_up_required']);
    expect(items[1]).toMatchObject({ location: { country: 'DE' }, device: { browser: 'Firefox', os: 'Linux' } });
    expect(items[1]?.reasons).toEqual(['new_device', 'new_country']);
    expect(items.map((e) => e.type)).toContain('user.registered');
    expect(JSON.stringify(items)).not.toMatch(/password|secret|token/i);
  });

  it('pages by cursor and filters by type and time', async () => {
    const first = (await get(alice.accessToken, '/api/security/events?limit=1')).json<Page<{ id: string }>>();
    expect(first.items).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = (await get(alice.accessToken, `/api/security/events?limit=1&cursor=${first.nextCursor ?? ''}`)).json<Page<{ id: string }>>();
    expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
    const registered = (await get(alice.accessToken, '/api/security/events?type=user.registered')).json<Page<{ type: string }>>();
    expect(registered.items.map((e) => e.type)).toEqual(['user.registered']);
    const none = (await get(alice.accessToken, '/api/security/events?to=2026-03-01T00:00:00Z')).json<Page<unknown>>();
    expect(none.items).toEqual([]);
    expect((await get(alice.accessToken, '/api/security/events?cursor=bogus')).statusCode).toBe(400);
    expect((await get(alice.accessToken, '/api/security/events?severity=loud')).statusCode).toBe(400);
  });

  it("refuses another user's events to a user (403); an admin reads one user's or everyone's", async () => {
    expect((await get(alice.accessToken, `/api/security/events?userId=${bob.id}`)).statusCode).toBe(403);
    expect((await get(alice.accessToken, '/api/security/events?all=true')).statusCode).toBe(403);
    const bobs = (await get(adminToken, `/api/security/events?userId=${bob.id}`)).json<Page<{ userId: string }>>();
    expect(bobs.items.length).toBeGreaterThan(0);
    expect(bobs.items.every((e) => e.userId === bob.id)).toBe(true);
    const all = (await get(adminToken, '/api/security/events?all=true&limit=200')).json<Page<{ userId: string | null }>>();
    expect(all.items.some((e) => e.userId === alice.id) && all.items.some((e) => e.userId === bob.id)).toBe(true);
  });
});

describe('devices, locations, summary', () => {
  it("lists each user's own devices and places", async () => {
    const devices = (await get(bob.accessToken, '/api/security/devices')).json<{ items: { browser: string }[] }>();
    expect(devices.items.map((d) => d.browser).sort()).toEqual(['Chrome', 'Firefox']);
    const aliceDevices = (await get(alice.accessToken, '/api/security/devices')).json<{ items: { browser: string }[] }>();
    expect(aliceDevices.items.map((d) => d.browser)).toEqual(['Chrome']);
    const places = (await get(bob.accessToken, '/api/security/locations')).json<{ items: { country: string; signIns: number }[] }>();
    expect(places.items).toEqual([expect.objectContaining({ country: 'DE', signIns: 2 })]);
  });

  it('sums up the last 30 days', async () => {
    const summary = (await get(alice.accessToken, '/api/security/summary')).json<Record<string, unknown>>();
    expect(summary).toMatchObject({
      riskScore: 55,
      level: 'high',
      reasons: ['new_device', 'new_country'],
      devices: 1,
      locations: 1,
      secondFactor: { totp: false, backupCodesLeft: 0 },
    });
    expect(summary.openAlerts).toBe(1);
    expect((summary.lastSignIns as { outcome: string }[]).map((s) => s.outcome)).toEqual(['step_up_required', 'success']);
  });

  it('forgets a device: its sessions end, another user cannot, and it is new next time', async () => {
    const before = (await get(bob.accessToken, '/api/security/devices')).json<{ items: { id: string; browser: string }[] }>();
    const chrome = before.items.find((d) => d.browser === 'Chrome');
    if (!chrome) throw new Error('no chrome device');
    expect((await t.app.inject({ method: 'DELETE', url: `/api/security/devices/${chrome.id}`, headers: bearer(alice.accessToken) })).statusCode).toBe(404);
    expect((await t.app.inject({ method: 'DELETE', url: `/api/security/devices/${chrome.id}`, headers: bearer(bob.accessToken) })).statusCode).toBe(204);
    // Bob's registration session was opened from Chrome: its token is dead now.
    expect((await get(bob.accessToken, '/api/security/devices')).statusCode).toBe(401);
    t.clock.advance(HOUR_MS);
    const again = await loginFrom(t, bob, TEST_IPS.DE, AGENTS.chromeMac);
    expect(again.statusCode).toBe(200);
    const token = again.json<{ accessToken: string }>().accessToken;
    const events = (await get(token, '/api/security/events?type=login.succeeded&limit=1')).json<Page<{ reasons: string[] }>>();
    expect(events.items[0]?.reasons).toEqual(['new_device']);
    bob = { ...bob, accessToken: token };
  });
});

describe('alerts and settings', () => {
  it("lists and acknowledges one's own alerts; another user's is a 404; an admin sees them", async () => {
    const alerts = (await get(alice.accessToken, '/api/security/alerts')).json<
      Page<{ id: string; type: string; acknowledgedAt: string | null; userId: string }>
    >();
    expect(alerts.items.map((a) => a.type)).toEqual(['login.step_up_required']);
    const [alert] = alerts.items;
    if (!alert) throw new Error('no alert');
    const stranger = await t.app.inject({ method: 'POST', url: `/api/security/alerts/${alert.id}/acknowledge`, headers: bearer(bob.accessToken) });
    expect(stranger.statusCode).toBe(404);
    const acknowledged = await t.app.inject({ method: 'POST', url: `/api/security/alerts/${alert.id}/acknowledge`, headers: bearer(alice.accessToken) });
    expect(acknowledged.statusCode).toBe(200);
    expect(acknowledged.json<{ acknowledgedAt: string }>().acknowledgedAt).toBe(t.clock.now().toISOString());
    expect((await get(alice.accessToken, '/api/security/alerts?open=true')).json<Page<unknown>>().items).toEqual([]);
    expect((await get(bob.accessToken, '/api/security/alerts')).json<Page<{ userId: string }>>().items.every((a) => a.userId === bob.id)).toBe(true);
    expect((await get(bob.accessToken, `/api/security/alerts?userId=${alice.id}`)).statusCode).toBe(403);
    const byAdmin = (await get(adminToken, `/api/security/alerts?userId=${alice.id}`)).json<Page<{ id: string }>>();
    expect(byAdmin.items.map((a) => a.id)).toEqual([alert.id]);
  });

  it('reads and changes the settings, refusing bad input by field', async () => {
    expect((await get(alice.accessToken, '/api/security/settings')).json()).toEqual({
      alertSignals: ['new_device', 'new_country', 'new_city', 'impossible_travel', 'failure_burst', 'unusual_hour'],
      alertThreshold: 30,
      channels: ['email', 'live'],
      stepUp: 'risky',
    });
    const next = { alertSignals: ['impossible_travel'], alertThreshold: 60, channels: ['email'], stepUp: 'risky' };
    const put = await t.app.inject({ method: 'PUT', url: '/api/security/settings', headers: bearer(alice.accessToken), payload: next });
    expect(put.statusCode).toBe(200);
    expect((await get(alice.accessToken, '/api/security/settings')).json()).toEqual(next);
    expect((await get(bob.accessToken, '/api/security/settings')).json()).toMatchObject({ alertThreshold: 30 });
    const bad = await t.app.inject({
      method: 'PUT',
      url: '/api/security/settings',
      headers: bearer(alice.accessToken),
      payload: { alertSignals: ['vibes'], alertThreshold: 101, channels: ['sms'], stepUp: 'never' },
    });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json<{ errors: { field: string }[] }>()
        .errors.map((e) => e.field.split('.')[0])
        .sort(),
    ).toEqual(['alertSignals', 'alertThreshold', 'channels', 'stepUp']);
  });

  it('needs a signed-in caller', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/security/summary' })).statusCode).toBe(401);
  });
});
