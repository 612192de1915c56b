import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIdentity, lastCode, registerUser, requestCode, uniqueEmail, type TestIdentity } from './helpers.js';

let t: TestIdentity;
beforeAll(async () => {
  t = await createTestIdentity();
});
afterAll(async () => {
  await t.close();
});

const NEW_PASSWORD = 'a brand new passphrase 2026';

function login(email: string, password: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
}

function refresh(refreshToken: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
}

function profile(accessToken: string) {
  return t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(accessToken) });
}

describe('POST /api/auth/password/change', () => {
  it('changes the password and ends every other session, keeping this one', async () => {
    const user = await registerUser(t);
    const other = (await login(user.email, user.password)).json();
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/password/change',
      headers: bearer(user.accessToken),
      payload: { currentPassword: user.password, newPassword: NEW_PASSWORD },
    });
    expect(response.statusCode).toBe(204);
    expect((await profile(other.accessToken)).statusCode).toBe(401);
    expect((await refresh(other.refreshToken)).statusCode).toBe(401);
    expect((await profile(user.accessToken)).statusCode).toBe(200);
    expect((await refresh(user.refreshToken)).statusCode).toBe(200);
    expect((await login(user.email, user.password)).statusCode).toBe(401);
    expect((await login(user.email, NEW_PASSWORD)).statusCode).toBe(200);
    await t.ctx.mail.drain();
    expect(t.mailer.lastTo(user.email)?.subject).toMatch(/password was changed/);
  });

  it('refuses a wrong current password with 400 naming currentPassword, changing nothing', async () => {
    const user = await registerUser(t);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/password/change',
      headers: bearer(user.accessToken),
      payload: { currentPassword: 'this is not my password', newPassword: NEW_PASSWORD },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'currentPassword' })]);
    expect((await login(user.email, user.password)).statusCode).toBe(200);
  });

  it('applies the password policy to the new password', async () => {
    const user = await registerUser(t);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/password/change',
      headers: bearer(user.accessToken),
      payload: { currentPassword: user.password, newPassword: 'qwerty123456' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'newPassword' })]);
  });

  it('needs a token and a valid body', async () => {
    const user = await registerUser(t);
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/password/change', payload: {} })).statusCode).toBe(401);
    const bad = await t.app.inject({ method: 'POST', url: '/api/auth/password/change', headers: bearer(user.accessToken), payload: { newPassword: 5 } });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['currentPassword', 'newPassword']);
  });
});

describe('POST /api/auth/password/reset', () => {
  function reset(email: string, code: string, newPassword = NEW_PASSWORD) {
    return t.app.inject({ method: 'POST', url: '/api/auth/password/reset', payload: { email, code, newPassword } });
  }

  it('sets a new password with an emailed reset code and ends every session', async () => {
    const user = await registerUser(t);
    expect((await requestCode(t, user.email, 'password_reset')).statusCode).toBe(202);
    await t.ctx.mail.drain();
    expect(t.mailer.lastTo(user.email)?.subject).toMatch(/password reset code/);
    const code = await lastCode(t, user.email);
    expect((await reset(user.email, code)).statusCode).toBe(204);
    expect((await profile(user.accessToken)).statusCode).toBe(401);
    expect((await refresh(user.refreshToken)).statusCode).toBe(401);
    expect((await login(user.email, user.password)).statusCode).toBe(401);
    expect((await login(user.email, NEW_PASSWORD)).statusCode).toBe(200);
    expect((await reset(user.email, code, 'yet another long passphrase')).statusCode).toBe(401);
  });

  it('a sign-in code does not reset a password', async () => {
    const user = await registerUser(t);
    await requestCode(t, user.email, 'login');
    const code = await lastCode(t, user.email);
    expect((await reset(user.email, code)).statusCode).toBe(401);
    expect((await login(user.email, user.password)).statusCode).toBe(200);
  });

  it('shares the OTP request limit: the 4th request in 15 minutes is 429', async () => {
    const user = await registerUser(t);
    await requestCode(t, user.email, 'login');
    await requestCode(t, user.email, 'password_reset');
    await requestCode(t, user.email, 'password_reset');
    expect((await requestCode(t, user.email, 'password_reset')).statusCode).toBe(429);
  });

  it('refuses a wrong code with 401 and a weak password with 400, writing nothing', async () => {
    const user = await registerUser(t);
    await requestCode(t, user.email, 'password_reset');
    const code = await lastCode(t, user.email);
    expect((await reset(user.email, code === '000000' ? '111111' : '000000')).statusCode).toBe(401);
    const weak = await reset(user.email, code, 'short');
    expect(weak.statusCode).toBe(400);
    expect(weak.json().errors).toEqual([expect.objectContaining({ field: 'newPassword' })]);
    expect((await login(user.email, user.password)).statusCode).toBe(200);
    expect((await reset(uniqueEmail('ghost'), '123456')).statusCode).toBe(401);
  });
});
