import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MINUTE_MS } from '@expensio/common';
import { loadIdentityConfig } from '../src/index.js';
import { alertsOf, bearer, createTestIdentity, registerUser, requestCode, signInByCode, uniqueEmail, type TestIdentity } from './helpers.js';

let t: TestIdentity;
beforeAll(async () => {
  t = await createTestIdentity();
});
afterAll(async () => {
  await t.close();
});

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

  it('delays only the client that keeps failing, doubling; the owner signs in from elsewhere meanwhile', async () => {
    const user = await registerUser(t);
    const attacker = '198.51.100.20';
    for (let i = 0; i < 5; i += 1) expect((await login(user.email, `wrong password number ${i}`, attacker)).statusCode).toBe(401);
    const delayed = await login(user.email, user.password, attacker);
    expect(delayed.statusCode).toBe(429);
    expect(delayed.headers['retry-after']).toBe('1');
    expect(delayed.json()).toMatchObject({ code: 'login_rate_limited' });
    expect(await eventsOf(user.id, 'login.rate_limited')).toHaveLength(1);

    expect((await login(user.email, user.password, '198.51.100.21')).statusCode).toBe(200);

    t.clock.advance(1000);
    expect((await login(user.email, 'wrong password number 5', attacker)).statusCode).toBe(401);
    expect((await login(user.email, user.password, attacker)).headers['retry-after']).toBe('2');
    t.clock.advance(2000);
    expect((await login(user.email, user.password, attacker)).statusCode).toBe(200);
    // The success cleared the pair: five free failures again.
    for (let i = 0; i < 5; i += 1) expect((await login(user.email, `again wrong number ${i}`, attacker)).statusCode).toBe(401);
  });

  it('counts an IPv6 client by its /64: rotating addresses inside it does not buy fresh failures', async () => {
    const user = await registerUser(t);
    // A subscriber gets a whole /64, so each of these addresses is the same client.
    for (let i = 1; i <= 5; i += 1) expect((await login(user.email, `wrong password ${i}`, `2001:db8:7:1::${i}`)).statusCode).toBe(401);
    const rotated = await login(user.email, user.password, '2001:db8:7:1:ffff:ffff:ffff:fffe');
    expect(rotated.statusCode).toBe(429);
    expect(rotated.json()).toMatchObject({ code: 'login_rate_limited' });
    // The owner in the next /64 is another client.
    expect((await login(user.email, user.password, '2001:db8:7:2::1')).statusCode).toBe(200);
  });

  it('doubles a pair’s delay with each failure, up to LOGIN_DELAY_MAX (15 minutes)', async () => {
    const user = await registerUser(t);
    const attacker = '198.51.100.22';
    const delays: number[] = [];
    let failures = 0;
    while (failures < 17) {
      const response = await login(user.email, 'a wrong password again', attacker);
      if (response.statusCode === 429) {
        const seconds = Number(response.headers['retry-after']);
        delays.push(seconds);
        t.clock.advance(seconds * 1000);
      } else {
        expect(response.statusCode).toBe(401);
        failures += 1;
      }
    }
    expect(delays).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]);
  });

  it('holds the account for everyone after LOGIN_ACCOUNT_MAX_FAILURES (100) failures from many clients, answering like a wrong password, and mails the owner once', async () => {
    expect(loadIdentityConfig({ NODE_ENV: 'test' })).toMatchObject({ LOGIN_ACCOUNT_MAX_FAILURES: 100, LOGIN_MAX_FAILURES: 5 });
    // A failed sign-in is a dozen statements: 20 make the same case as 100 at a fifth of the time.
    const clients = 5;
    const local = await createTestIdentity({ LOGIN_ACCOUNT_MAX_FAILURES: String(clients * 4) });
    try {
      const user = await registerUser(local);
      const attempt = (password: string, ip: string) =>
        local.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password }, remoteAddress: ip });
      // Several clients, 4 failures each: none of them is delayed, together they reach the account's limit.
      for (let round = 0; round < 4; round += 1) {
        const answers = await Promise.all(
          Array.from({ length: clients }, (_, i) => attempt(`wrong password ${String(round)}-${String(i)}`, `192.0.2.${String(i)}`)),
        );
        expect(answers.map((a) => a.statusCode)).toEqual(Array<number>(clients).fill(401));
      }

      const right = await attempt(user.password, '198.51.100.30');
      const wrong = await attempt('yet another wrong password', '198.51.100.31');
      expect(right.statusCode).toBe(401);
      const { requestId: _a, ...rightBody } = right.json();
      const { requestId: _b, ...wrongBody } = wrong.json();
      expect(rightBody).toEqual(wrongBody);

      await local.ctx.mail.drain();
      const held = local.mailer.sent.filter((m) => m.to === user.email && m.subject.includes('paused'));
      expect(held).toHaveLength(1);
      expect(held[0]?.text).toContain('sign in with a code');
      expect(await alertsOf(local, user.id)).toEqual([expect.objectContaining({ alert: 'login.account_held' })]);

      // The hold grows: after 15 minutes one more failure holds it for 30.
      local.clock.advance(15 * MINUTE_MS);
      expect((await attempt('one more wrong password', '192.0.2.99')).statusCode).toBe(401);
      local.clock.advance(15 * MINUTE_MS);
      expect((await attempt(user.password, '198.51.100.30')).statusCode).toBe(401);
      local.clock.advance(15 * MINUTE_MS);
      expect((await attempt(user.password, '198.51.100.30')).statusCode).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('lets the owner of a held account in by emailed code, which ends the hold', async () => {
    const local = await createTestIdentity({ LOGIN_ACCOUNT_MAX_FAILURES: '3' });
    try {
      const user = await registerUser(local);
      const attempt = (password: string, ip: string) =>
        local.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password }, remoteAddress: ip });
      for (let i = 0; i < 3; i += 1) await attempt(`wrong password number ${i}`, `192.0.2.${String(i)}`);
      expect((await attempt(user.password, '198.51.100.40')).statusCode).toBe(401);
      await signInByCode(local, user.email);
      expect((await attempt(user.password, '198.51.100.40')).statusCode).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('answers an admin-locked account’s right password exactly like a wrong one, still running Argon2, and mails nothing', async () => {
    const user = await registerUser(t);
    await t.ctx.db.updateTable('users').set({ locked_at: t.clock.now() }).where('id', '=', user.id).execute();
    const verify = vi.spyOn(t.ctx.hasher, 'verify');
    try {
      const right = await login(user.email, user.password, '198.51.100.50');
      const wrong = await login(user.email, 'not the right password at all', '198.51.100.51');
      expect(right.statusCode).toBe(401);
      expect(wrong.statusCode).toBe(401);
      const { requestId: _a, ...rightBody } = right.json();
      const { requestId: _b, ...wrongBody } = wrong.json();
      expect(rightBody).toEqual(wrongBody);
      expect(verify).toHaveBeenCalledTimes(2);
    } finally {
      verify.mockRestore();
    }
    await t.ctx.mail.drain();
    expect(t.mailer.sent.filter((m) => m.to === user.email && m.subject.includes('paused'))).toEqual([]);
  });

  it('refuses a code sign-in to an admin-locked account like a wrong code, and its code request like any other', async () => {
    const user = await registerUser(t);
    await t.ctx.db.updateTable('users').set({ locked_at: t.clock.now() }).where('id', '=', user.id).execute();
    const request = await requestCode(t, user.email);
    const unknown = await requestCode(t, uniqueEmail('ghost'));
    expect(request.statusCode).toBe(202);
    expect(request.json()).toEqual(unknown.json());
    const verify = await t.app.inject({
      method: 'POST',
      url: '/api/auth/otp/verify',
      payload: { email: user.email, code: '123456' },
      remoteAddress: '198.51.100.52',
    });
    expect(verify.statusCode).toBe(401);
    expect(verify.json()).toMatchObject({ code: 'invalid_code' });
  });

  it('limits failures per IP address across accounts', async () => {
    const local = await createTestIdentity({ LOGIN_IP_MAX_FAILURES: '3', LOGIN_MAX_FAILURES: '100' });
    try {
      const user = await registerUser(local);
      const attempt = (email: string, password: string) =>
        local.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress: '192.0.2.77' });
      for (let i = 0; i < 3; i += 1) expect((await attempt(uniqueEmail('spray'), 'guessing a password here')).statusCode).toBe(401);
      expect((await attempt(user.email, user.password)).statusCode).toBe(429);
      const elsewhere = await local.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: user.email, password: user.password },
        remoteAddress: '192.0.2.78',
      });
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
    expect(
      response
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['email', 'password']);
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
