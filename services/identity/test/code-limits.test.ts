import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIdentity, lastCode, registerUser, requestCode, uniqueEmail, type TestIdentity } from './helpers.js';

// Every code check shares the credential limits of password sign-in (auth/limits.ts). A small
// per-IP allowance keeps the tests short; each test uses its own client addresses.
let t: TestIdentity;
beforeAll(async () => {
  t = await createTestIdentity({ LOGIN_IP_MAX_FAILURES: '3' });
});
afterAll(async () => {
  await t.close();
});

const NEW_PASSWORD = 'a brand new passphrase 2026';
const WRONG_CODE = '000000';

function verify(email: string, code: string, ip: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/otp/verify', payload: { email, code }, remoteAddress: ip });
}

function reset(email: string, code: string, ip: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/password/reset', payload: { email, code, newPassword: NEW_PASSWORD }, remoteAddress: ip });
}

function login(email: string, password: string, ip: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress: ip });
}

/** A right code for the user, requested from an address that is not being limited. */
async function freshCode(email: string, purpose: 'login' | 'password_reset' | 'account_deletion' = 'login') {
  expect((await requestCode(t, email, purpose)).statusCode).toBe(202);
  return lastCode(t, email);
}

describe('code checks under the credential limits', () => {
  it('refuses otp/verify, even with the right code, from a client that used up its failures on passwords', async () => {
    const user = await registerUser(t);
    const ip = '198.51.100.60';
    for (let i = 0; i < 3; i += 1) expect((await login(uniqueEmail('spray'), 'guessing a password here', ip)).statusCode).toBe(401);
    const code = await freshCode(user.email);
    const refused = await verify(user.email, code, ip);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await verify(user.email, code, '198.51.100.61')).statusCode).toBe(200);
  });

  it('counts wrong codes for unknown addresses against the client, like wrong passwords', async () => {
    const user = await registerUser(t);
    const ip = '198.51.100.62';
    for (let i = 0; i < 3; i += 1) expect((await verify(uniqueEmail('ghost'), WRONG_CODE, ip)).statusCode).toBe(401);
    const code = await freshCode(user.email);
    expect((await verify(user.email, code, ip)).statusCode).toBe(429);
    expect((await login(user.email, user.password, ip)).statusCode).toBe(429);
  });

  it('counts wrong codes per account and client: the client is delayed after 5, the owner elsewhere is not', async () => {
    const local = await createTestIdentity();
    try {
      const user = await registerUser(local);
      const attempt = (code: string, ip: string) =>
        local.app.inject({ method: 'POST', url: '/api/auth/otp/verify', payload: { email: user.email, code }, remoteAddress: ip });
      for (let i = 0; i < 5; i += 1) expect((await attempt(WRONG_CODE, '198.51.100.63')).statusCode).toBe(401);
      expect((await attempt(WRONG_CODE, '198.51.100.63')).statusCode).toBe(429);
      await requestCode(local, user.email);
      expect((await attempt(await lastCode(local, user.email), '198.51.100.64')).statusCode).toBe(200);
    } finally {
      await local.close();
    }
  });

  it('counts wrong password-reset codes: the client is then refused, even with the right code', async () => {
    const user = await registerUser(t);
    const ip = '198.51.100.65';
    for (let i = 0; i < 3; i += 1) expect((await reset(uniqueEmail('ghost'), WRONG_CODE, ip)).statusCode).toBe(401);
    const code = await freshCode(user.email, 'password_reset');
    expect((await reset(user.email, code, ip)).statusCode).toBe(429);
    expect((await reset(user.email, code, '198.51.100.66')).statusCode).toBe(204);
  });

  it('counts wrong account-deletion codes: the client is then refused, and nothing is deleted', async () => {
    const user = await registerUser(t);
    const ip = '198.51.100.67';
    const remove = (code: string) =>
      t.app.inject({ method: 'DELETE', url: '/api/auth/account', headers: bearer(user.accessToken), payload: { code }, remoteAddress: ip });
    for (let i = 0; i < 3; i += 1) expect((await remove(WRONG_CODE)).statusCode).toBe(400);
    const code = await freshCode(user.email, 'account_deletion');
    expect((await remove(code)).statusCode).toBe(429);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(user.accessToken) })).statusCode).toBe(200);
  });
});
