import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '@expensio/common';
import { bearer, createTestIdentity, registerUser, uniqueEmail, type TestIdentity } from './helpers.js';

let t: TestIdentity;
beforeAll(async () => { t = await createTestIdentity(); });
afterAll(async () => { await t.close(); });

function login(email: string, password: string, ip = '203.0.113.10') {
  return t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress: ip });
}

async function eventsOf(userId: string, type: string) {
  return t.ctx.db.selectFrom('security_events').selectAll().where('user_id', '=', userId).where('type', '=', type).execute();
}

describe('POST /api/auth/login', () => {
  it('answers 200 with both tokens, and the access token opens the profile', async () => {
    const user = await registerUser(t);
    const response = await login(user.email.toUpperCase(), user.password);
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.user).toMatchObject({ id: user.id, email: user.email });
    const profile = await t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(body.accessToken) });
    expect(profile.statusCode).toBe(200);
    expect(profile.json().id).toBe(user.id);
    expect(await eventsOf(user.id, 'login.succeeded')).toHaveLength(1);
  });

  it('gives one message for an unknown email and a wrong password', async () => {
    const user = await registerUser(t);
    const wrong = await login(user.email, 'not the right password at all');
    const unknown = await login(uniqueEmail('ghost'), 'not the right password at all');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    const { requestId: _a, ...wrongBody } = wrong.json();
    const { requestId: _b, ...unknownBody } = unknown.json();
    expect(wrongBody).toEqual(unknownBody);
    expect(wrongBody).toMatchObject({ code: 'invalid_credentials' });
    const failures = await eventsOf(user.id, 'login.failed');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ severity: 'warning', ip: '203.0.113.10' });
  });

  it('limits failures per account: the 6th attempt gets 429 with Retry-After, even with the right password, until the window passes', async () => {
    const user = await registerUser(t);
    for (let i = 0; i < 5; i += 1) {
      expect((await login(user.email, `wrong password number ${i}`, `198.51.100.${i}`)).statusCode).toBe(401);
    }
    const blocked = await login(user.email, user.password, '198.51.100.99');
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    expect(blocked.json()).toMatchObject({ code: 'login_rate_limited' });
    expect(await eventsOf(user.id, 'login.rate_limited')).toHaveLength(1);

    t.clock.advance(15 * MINUTE_MS + 1000);
    expect((await login(user.email, user.password, '198.51.100.99')).statusCode).toBe(200);
  });

  it('limits failures per IP address across accounts', async () => {
    const local = await createTestIdentity({ LOGIN_IP_MAX_FAILURES: '3', LOGIN_MAX_FAILURES: '100' });
    try {
      const user = await registerUser(local);
      const attempt = (email: string, password: string) =>
        local.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress: '192.0.2.77' });
      for (let i = 0; i < 3; i += 1) expect((await attempt(uniqueEmail('spray'), 'guessing a password here')).statusCode).toBe(401);
      expect((await attempt(user.email, user.password)).statusCode).toBe(429);
      const elsewhere = await local.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: user.password }, remoteAddress: '192.0.2.78' });
      expect(elsewhere.statusCode).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('a success clears the account counter', async () => {
    const user = await registerUser(t);
    for (let i = 0; i < 4; i += 1) await login(user.email, `wrong password number ${i}`);
    expect((await login(user.email, user.password)).statusCode).toBe(200);
    for (let i = 0; i < 4; i += 1) expect((await login(user.email, `again wrong number ${i}`)).statusCode).toBe(401);
    expect((await login(user.email, user.password)).statusCode).toBe(200);
  });

  it('rejects bad input with 400 naming the fields', async () => {
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'x' } });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors.map((e: { field: string }) => e.field).sort()).toEqual(['email', 'password']);
  });

  it('takes X-Forwarded-For only from a trusted proxy', async () => {
    const proxied = await createTestIdentity({ TRUST_PROXY: '10.0.0.1', LOGIN_IP_MAX_FAILURES: '2', LOGIN_MAX_FAILURES: '100' });
    try {
      const attempt = (remoteAddress: string, forwarded: string) =>
        proxied.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { email: uniqueEmail(), password: 'guessing a password here' },
          remoteAddress,
          headers: { 'x-forwarded-for': forwarded },
        });
      // An untrusted peer cannot dodge the IP limit by inventing a new address each time.
      expect((await attempt('192.0.2.5', '1.1.1.1')).statusCode).toBe(401);
      expect((await attempt('192.0.2.5', '2.2.2.2')).statusCode).toBe(401);
      expect((await attempt('192.0.2.5', '3.3.3.3')).statusCode).toBe(429);
      // Behind the trusted proxy, each client address counts on its own.
      expect((await attempt('10.0.0.1', '4.4.4.4')).statusCode).toBe(401);
      expect((await attempt('10.0.0.1', '5.5.5.5')).statusCode).toBe(401);
      expect((await attempt('10.0.0.1', '6.6.6.6')).statusCode).toBe(401);
    } finally {
      await proxied.close();
    }
  });
});
