import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '@expensio/common';
import { ensureAdmin } from '../src/admin/service.js';
import {
  alertsOf,
  bearer,
  createTestIdentity,
  failNextPublishAfterWriting,
  lastCode,
  outboxOf,
  registerUser,
  requestCode,
  signInByCode,
  STRONG_PASSWORD,
  uniqueEmail,
  type TestIdentity,
} from './helpers.js';

let t: TestIdentity;
let adminToken: string;

beforeAll(async () => {
  t = await createTestIdentity();
  const email = uniqueEmail('admin');
  await ensureAdmin(t.ctx, email);
  adminToken = (await signInByCode(t, email)).accessToken;
});
afterAll(async () => {
  await t.close();
});

const AGENT = 'events-test/1.0';

function login(email: string, password: string, ip = '203.0.113.7') {
  return t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress: ip, headers: { 'user-agent': AGENT } });
}

function patchUser(id: string, payload: object) {
  return t.app.inject({ method: 'PATCH', url: `/api/admin/users/${id}`, headers: bearer(adminToken), payload });
}

async function registeredEventsFor(email: string) {
  const rows = await t.ctx.db.selectFrom('outbox').select(['payload']).where('type', '=', 'user.registered').execute();
  return rows.filter((row) => (row.payload as { email?: string }).email === email);
}

describe('user.registered', () => {
  it('is published with the new account', async () => {
    const user = await registerUser(t, { name: 'Ada' });
    expect(await outboxOf(t, user.id, 'user.registered')).toEqual([
      { type: 'user.registered', userId: user.id, payload: { email: user.email, name: 'Ada', role: 'user', timeZone: 'UTC' } },
    ]);
  });

  it('a refused registration (email taken, weak password) publishes nothing', async () => {
    const user = await registerUser(t);
    const taken = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email: user.email, password: STRONG_PASSWORD } });
    expect(taken.statusCode).toBe(409);
    expect(await registeredEventsFor(user.email)).toHaveLength(1);
    const email = uniqueEmail();
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: 'short' } })).statusCode).toBe(400);
    expect(await registeredEventsFor(email)).toHaveLength(0);
  });

  it('rides in the transaction of the change: when the transaction fails after publishing, neither the account nor the event exists', async () => {
    const email = uniqueEmail();
    let accountSeenByPublish = false;
    const spy = failNextPublishAfterWriting(t, async (trx) => {
      // The uncommitted account is visible only from inside its own transaction.
      accountSeenByPublish = (await trx.selectFrom('users').select('id').where('email', '=', email).execute()).length === 1;
    });
    try {
      const response = await t.app.inject({ method: 'POST', url: '/api/auth/register', payload: { email, password: STRONG_PASSWORD } });
      expect(response.statusCode).toBe(500);
      expect(spy).toHaveBeenCalledWith(expect.anything(), 'user.registered', expect.any(String), expect.objectContaining({ email }));
    } finally {
      spy.mockRestore();
    }
    expect(accountSeenByPublish).toBe(true);
    expect(await t.ctx.db.selectFrom('users').select('id').where('email', '=', email).execute()).toHaveLength(0);
    expect(await registeredEventsFor(email)).toHaveLength(0);
  });

  it('is published when ADMIN_EMAIL creates the admin; promoting an existing account is user.updated with a critical alert', async () => {
    const email = uniqueEmail('boot');
    expect(await ensureAdmin(t.ctx, email)).toBe('created');
    const [created] = await registeredEventsFor(email);
    expect(created?.payload).toEqual({ email, name: null, role: 'admin', timeZone: 'UTC' });

    const squatter = await registerUser(t);
    expect(await ensureAdmin(t.ctx, squatter.email)).toBe('promoted');
    expect(await outboxOf(t, squatter.id, 'user.updated')).toEqual([
      {
        type: 'user.updated',
        userId: squatter.id,
        payload: { changed: ['role', 'password'], email: squatter.email, name: null, role: 'admin', timeZone: 'UTC' },
      },
    ]);
    expect(await alertsOf(t, squatter.id)).toEqual([expect.objectContaining({ alert: 'role.changed', severity: 'critical', ip: null })]);
    expect(await ensureAdmin(t.ctx, squatter.email)).toBe('unchanged');
    expect(await outboxOf(t, squatter.id, 'user.updated')).toHaveLength(1);
  });
});

describe('user.updated', () => {
  it('names the profile fields that changed, and nothing is published when nothing changed or the input is refused', async () => {
    const user = await registerUser(t);
    const patch = (payload: object) => t.app.inject({ method: 'PATCH', url: '/api/auth/profile', headers: bearer(user.accessToken), payload });
    expect((await patch({ name: 'Grace' })).statusCode).toBe(200);
    expect((await patch({ name: 'Grace' })).statusCode).toBe(200);
    expect((await patch({ name: 'x'.repeat(101) })).statusCode).toBe(400);
    expect((await patch({ name: null })).statusCode).toBe(200);
    const updates = await outboxOf(t, user.id, 'user.updated');
    expect(updates.map((u) => u.payload)).toEqual([
      { changed: ['name'], email: user.email, name: 'Grace', role: 'user', timeZone: 'UTC' },
      { changed: ['name'], email: user.email, name: null, role: 'user', timeZone: 'UTC' },
    ]);
  });

  it('a password change names the password without any value, with an alert; a wrong current password changes and publishes no update', async () => {
    const user = await registerUser(t);
    const change = (currentPassword: string) =>
      t.app.inject({
        method: 'POST',
        url: '/api/auth/password/change',
        headers: bearer(user.accessToken),
        payload: { currentPassword, newPassword: 'a brand new passphrase 2026' },
      });
    expect((await change('this is not my password')).statusCode).toBe(400);
    expect(await outboxOf(t, user.id, 'user.updated')).toHaveLength(0);
    expect((await change(user.password)).statusCode).toBe(204);
    expect((await outboxOf(t, user.id, 'user.updated')).map((u) => u.payload)).toEqual([
      { changed: ['password'], email: user.email, name: null, role: 'user', timeZone: 'UTC' },
    ]);
    expect(await alertsOf(t, user.id)).toEqual([expect.objectContaining({ alert: 'password.changed', severity: 'info' })]);
  });

  it('a password reset names the password and the now verified email, with a warning alert', async () => {
    const user = await registerUser(t);
    await requestCode(t, user.email, 'password_reset');
    const code = await lastCode(t, user.email);
    const reset = await t.app.inject({
      method: 'POST',
      url: '/api/auth/password/reset',
      payload: { email: user.email, code, newPassword: 'a brand new passphrase 2026' },
    });
    expect(reset.statusCode).toBe(204);
    expect((await outboxOf(t, user.id, 'user.updated')).map((u) => u.payload.changed)).toEqual([['password', 'emailVerified']]);
    expect(await alertsOf(t, user.id)).toEqual([expect.objectContaining({ alert: 'password.reset', severity: 'warning' })]);
  });

  it('an admin’s role change, lock and unlock each publish an update and an alert', async () => {
    const user = await registerUser(t);
    expect((await patchUser(user.id, { role: 'admin' })).statusCode).toBe(200);
    expect((await patchUser(user.id, { role: 'user', locked: true, reason: 'fraud' })).statusCode).toBe(200);
    expect((await patchUser(user.id, { locked: false })).statusCode).toBe(200);
    expect((await patchUser(user.id, { locked: false })).statusCode).toBe(200);
    expect((await outboxOf(t, user.id, 'user.updated')).map((u) => [u.payload.changed, u.payload.role])).toEqual([
      [['role'], 'admin'],
      [['role', 'locked'], 'user'],
      [['locked'], 'user'],
    ]);
    expect((await alertsOf(t, user.id)).map((a) => [a.alert, a.severity, (a.details as { reason?: string }).reason])).toEqual([
      ['role.changed', 'warning', undefined],
      ['role.changed', 'warning', 'fraud'],
      ['account.locked', 'warning', 'fraud'],
      ['account.unlocked', 'info', undefined],
    ]);
  });

  it('the first code sign-in verifies the email: emailVerified, once', async () => {
    const user = await registerUser(t);
    for (let i = 0; i < 2; i += 1) {
      await requestCode(t, user.email);
      const verify = await t.app.inject({ method: 'POST', url: '/api/auth/otp/verify', payload: { email: user.email, code: await lastCode(t, user.email) } });
      expect(verify.statusCode).toBe(200);
    }
    expect((await outboxOf(t, user.id, 'user.updated')).map((u) => u.payload)).toEqual([
      { changed: ['emailVerified'], email: user.email, name: null, role: 'user', timeZone: 'UTC' },
    ]);
  });
});

describe('auth.login.*', () => {
  it('a password sign-in publishes auth.login.succeeded with its session, address and agent', async () => {
    const user = await registerUser(t);
    const response = await login(user.email, user.password);
    expect(response.statusCode).toBe(200);
    const sid = decodeJwt(response.json<{ accessToken: string }>().accessToken).sid;
    expect(await outboxOf(t, user.id, 'auth.login.succeeded')).toEqual([
      { type: 'auth.login.succeeded', userId: user.id, payload: { sessionId: sid, method: 'password', ip: '203.0.113.7', userAgent: AGENT } },
    ]);
  });

  it('a code sign-in publishes auth.login.succeeded with method otp; a wrong code, auth.login.failed', async () => {
    const user = await registerUser(t);
    await requestCode(t, user.email);
    const code = await lastCode(t, user.email);
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/auth/otp/verify',
      payload: { email: user.email, code: code === '000000' ? '111111' : '000000' },
    });
    expect(wrong.statusCode).toBe(401);
    const right = await t.app.inject({ method: 'POST', url: '/api/auth/otp/verify', payload: { email: user.email, code } });
    expect(right.statusCode).toBe(200);
    expect(await outboxOf(t, user.id, 'auth.login.failed')).toEqual([
      { type: 'auth.login.failed', userId: user.id, payload: expect.objectContaining({ email: user.email, reason: 'wrong_code' }) },
    ]);
    const [succeeded] = await outboxOf(t, user.id, 'auth.login.succeeded');
    expect(succeeded?.payload).toMatchObject({ method: 'otp', sessionId: decodeJwt(right.json<{ accessToken: string }>().accessToken).sid });
  });

  it('a wrong password publishes auth.login.failed for the user; an unknown email, for no user', async () => {
    const user = await registerUser(t);
    expect((await login(user.email, 'not the right password at all')).statusCode).toBe(401);
    expect(await outboxOf(t, user.id, 'auth.login.failed')).toEqual([
      { type: 'auth.login.failed', userId: user.id, payload: { email: user.email, reason: 'wrong_password', ip: '203.0.113.7', userAgent: AGENT } },
    ]);
    const ghost = uniqueEmail('ghost');
    expect((await login(ghost, 'not the right password at all')).statusCode).toBe(401);
    const anonymous = (await outboxOf(t, null, 'auth.login.failed')).filter((row) => row.payload.email === ghost);
    expect(anonymous).toEqual([{ type: 'auth.login.failed', userId: null, payload: expect.objectContaining({ reason: 'unknown_email' }) }]);
  });

  it('a client past its free failures is refused and that is a failure too; the owner is not alerted for one client', async () => {
    const user = await registerUser(t);
    for (let i = 0; i < 5; i += 1) expect((await login(user.email, `wrong password number ${i}`)).statusCode).toBe(401);
    expect((await login(user.email, user.password)).statusCode).toBe(429);
    expect(await alertsOf(t, user.id)).toEqual([]);
    const reasons = (await outboxOf(t, user.id, 'auth.login.failed')).map((row) => row.payload.reason);
    expect(reasons).toEqual([...Array<string>(5).fill('wrong_password'), 'rate_limited']);
  });

  it('a locked account’s sign-in is auth.login.failed with reason account_locked', async () => {
    const user = await registerUser(t);
    await patchUser(user.id, { locked: true });
    expect((await login(user.email, user.password)).statusCode).toBe(401);
    expect((await outboxOf(t, user.id, 'auth.login.failed')).map((row) => row.payload.reason)).toEqual(['account_locked']);
  });
});

describe('auth.otp.locked', () => {
  it('is published once, by the request that locks the address, with an alert to its holder', async () => {
    const user = await registerUser(t);
    for (let i = 0; i < 3; i += 1) expect((await requestCode(t, user.email, 'account_deletion')).statusCode).toBe(202);
    const lockedAt = t.clock.now();
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/auth/otp/request',
          payload: { email: user.email, purpose: 'account_deletion' },
          remoteAddress: '198.51.100.4',
        })
      ).statusCode,
    ).toBe(429);
    expect((await requestCode(t, user.email)).statusCode).toBe(429);
    expect(await outboxOf(t, user.id, 'auth.otp.locked')).toEqual([
      {
        type: 'auth.otp.locked',
        userId: user.id,
        payload: { purpose: 'account_deletion', lockedUntil: new Date(lockedAt.getTime() + 15 * MINUTE_MS).toISOString(), ip: '198.51.100.4' },
      },
    ]);
    expect(await alertsOf(t, user.id)).toEqual([expect.objectContaining({ alert: 'otp.locked', severity: 'warning', ip: '198.51.100.4' })]);
  });
});

describe('security.alert', () => {
  it('a reused refresh token alerts the user, critically', async () => {
    const user = await registerUser(t);
    const refresh = (refreshToken: string) => t.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
    expect((await refresh(user.refreshToken)).statusCode).toBe(200);
    // Within the reuse interval a second use is a client racing itself, not a copy.
    t.clock.advance(t.ctx.config.REFRESH_REUSE_INTERVAL);
    expect((await refresh(user.refreshToken)).statusCode).toBe(401);
    expect(await alertsOf(t, user.id)).toEqual([
      expect.objectContaining({ alert: 'refresh.reused', severity: 'critical', details: { sessionId: decodeJwt(user.accessToken).sid } }),
    ]);
  });
});

describe('payloads', () => {
  it('never carry a password, a token or a code', async () => {
    const user = await registerUser(t);
    await login(user.email, 'a wrong password to be logged');
    await requestCode(t, user.email);
    const code = await lastCode(t, user.email);
    const signedIn = (await t.app.inject({ method: 'POST', url: '/api/auth/otp/verify', payload: { email: user.email, code } })).json<{
      accessToken: string;
      refreshToken: string;
    }>();
    await t.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: user.refreshToken } });
    t.clock.advance(t.ctx.config.REFRESH_REUSE_INTERVAL);
    await t.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: user.refreshToken } });
    const published = JSON.stringify(await outboxOf(t, user.id));
    expect(published).toContain('auth.login.succeeded');
    for (const secret of [
      user.password,
      'a wrong password to be logged',
      code,
      user.accessToken,
      user.refreshToken,
      signedIn.accessToken,
      signedIn.refreshToken,
    ]) {
      expect(published).not.toContain(secret);
    }
    const hash = await t.ctx.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(published).not.toContain(hash.password_hash);
  });
});
