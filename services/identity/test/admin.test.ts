import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureAdmin } from '../src/admin/service.js';
import { bearer, createTestIdentity, registerUser, signInByCode, uniqueEmail, type TestIdentity } from './helpers.js';

let t: TestIdentity;
let adminToken: string;
let adminId: string;

beforeAll(async () => {
  t = await createTestIdentity();
  const email = uniqueEmail('admin');
  expect(await ensureAdmin(t.ctx, email)).toBe('created');
  expect(await ensureAdmin(t.ctx, email)).toBe('unchanged');
  const session = await signInByCode(t, email);
  expect(session.user.role).toBe('admin');
  adminToken = session.accessToken;
  adminId = session.user.id;
});
afterAll(async () => {
  await t.close();
});

function patchUser(id: string, payload: object, token = adminToken) {
  return t.app.inject({ method: 'PATCH', url: `/api/admin/users/${id}`, headers: bearer(token), payload });
}

describe('the first admin', () => {
  it('cannot be had by self-registration: a registered account under ADMIN_EMAIL is taken over, its password cleared and sessions ended', async () => {
    const squatter = await registerUser(t);
    expect(await ensureAdmin(t.ctx, squatter.email)).toBe('promoted');
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(squatter.accessToken) })).statusCode).toBe(401);
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: squatter.email, password: squatter.password } });
    expect(login.statusCode).toBe(401);
    const owner = await signInByCode(t, squatter.email);
    expect(owner.user.role).toBe('admin');
  });

  it('registration never grants a role', async () => {
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email: uniqueEmail(), password: 'correct horse battery staple 42', role: 'admin' },
    });
    expect(response.statusCode).toBe(400);
  });
});

describe('/api/admin/users', () => {
  it('is admin only: 403 for a user, 401 without a token', async () => {
    const user = await registerUser(t);
    const forbidden = await t.app.inject({ method: 'GET', url: '/api/admin/users', headers: bearer(user.accessToken) });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ code: 'admin_only' });
    expect((await patchUser(user.id, { role: 'admin' }, user.accessToken)).statusCode).toBe(403);
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/users' })).statusCode).toBe(401);
  });

  it('lists users with keyset pages and filters', async () => {
    const marker = `pager${Date.now()}`;
    for (let i = 0; i < 3; i += 1) await registerUser(t, { email: uniqueEmail(marker) });
    const first = await t.app.inject({ method: 'GET', url: `/api/admin/users?limit=2&email=${marker}`, headers: bearer(adminToken) });
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.items).toHaveLength(2);
    expect(page1.nextCursor).not.toBeNull();
    const second = (
      await t.app.inject({ method: 'GET', url: `/api/admin/users?limit=2&email=${marker}&cursor=${page1.nextCursor}`, headers: bearer(adminToken) })
    ).json();
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const ids = [...page1.items, ...second.items].map((u: { id: string }) => u.id);
    expect(new Set(ids).size).toBe(3);
    const admins = (await t.app.inject({ method: 'GET', url: '/api/admin/users?role=admin', headers: bearer(adminToken) })).json();
    expect(admins.items.every((u: { role: string }) => u.role === 'admin')).toBe(true);
  });

  it('rejects bad query input with 400', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/api/admin/users?limit=0&role=root', headers: bearer(adminToken) });
    expect(response.statusCode).toBe(400);
    expect(
      response
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['limit', 'role']);
  });

  it('GET /:id shows one user; unknown id 404; a malformed id 400', async () => {
    const user = await registerUser(t);
    const response = await t.app.inject({ method: 'GET', url: `/api/admin/users/${user.id}`, headers: bearer(adminToken) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: user.id, email: user.email });
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/users/0190a000-0000-7000-8000-000000000000', headers: bearer(adminToken) })).statusCode).toBe(
      404,
    );
    const bad = await t.app.inject({ method: 'GET', url: '/api/admin/users/42', headers: bearer(adminToken) });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'id', in: 'params' });
  });

  it('locking ends the user’s sessions and answers the right password like a wrong one; unlocking lets them back', async () => {
    const user = await registerUser(t);
    const locked = await patchUser(user.id, { locked: true, reason: 'chargeback fraud' });
    expect(locked.statusCode).toBe(200);
    expect(locked.json().locked).toBe(true);
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(user.accessToken) })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: user.refreshToken } })).statusCode).toBe(401);
    const login = await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: user.password } });
    expect(login.statusCode).toBe(401);
    expect(login.json()).toMatchObject({ code: 'invalid_credentials' });

    const unlocked = await patchUser(user.id, { locked: false });
    expect(unlocked.json().locked).toBe(false);
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: user.password } })).statusCode).toBe(200);
    const events = await t.ctx.db
      .selectFrom('security_events')
      .select('type')
      .where('user_id', '=', user.id)
      .where('type', 'in', ['account.locked', 'account.unlocked'])
      .execute();
    expect(events.map((e) => e.type).sort()).toEqual(['account.locked', 'account.unlocked']);
  });

  it('changing a role ends the user’s sessions so the new role takes effect', async () => {
    const user = await registerUser(t);
    const promoted = await patchUser(user.id, { role: 'admin' });
    expect(promoted.json().role).toBe('admin');
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/users', headers: bearer(user.accessToken) })).statusCode).toBe(401);
    const login = (await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: user.password } })).json();
    expect((await t.app.inject({ method: 'GET', url: '/api/admin/users', headers: bearer(login.accessToken) })).statusCode).toBe(200);
  });

  it('an admin cannot demote or lock themselves', async () => {
    expect((await patchUser(adminId, { role: 'user' })).statusCode).toBe(409);
    expect((await patchUser(adminId, { locked: true })).statusCode).toBe(409);
  });

  it('PATCH validates: unknown fields, empty change, bad values, unknown user', async () => {
    const user = await registerUser(t);
    expect((await patchUser(user.id, { email: 'x@example.com' })).statusCode).toBe(400);
    expect((await patchUser(user.id, {})).statusCode).toBe(400);
    expect((await patchUser(user.id, { role: 'owner', locked: 'yes' })).statusCode).toBe(400);
    expect((await patchUser('0190a000-0000-7000-8000-000000000000', { locked: true })).statusCode).toBe(404);
  });
});
