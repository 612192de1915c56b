import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIdentity, registerUser, type TestIdentity } from './helpers.js';

let t: TestIdentity;
beforeAll(async () => {
  t = await createTestIdentity();
});
afterAll(async () => {
  await t.close();
});

describe('/api/auth/profile', () => {
  it('GET shows the caller’s own profile', async () => {
    const user = await registerUser(t, { name: 'Grace' });
    const response = await t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(user.accessToken) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ id: user.id, email: user.email, name: 'Grace', role: 'user' });
    expect(Object.keys(response.json()).sort()).toEqual(['createdAt', 'email', 'emailVerified', 'id', 'locked', 'name', 'role', 'timeZone', 'updatedAt']);
  });

  it('PATCH changes the name', async () => {
    const user = await registerUser(t);
    const response = await t.app.inject({ method: 'PATCH', url: '/api/auth/profile', headers: bearer(user.accessToken), payload: { name: '  Katherine ' } });
    expect(response.statusCode).toBe(200);
    expect(response.json().name).toBe('Katherine');
    const cleared = await t.app.inject({ method: 'PATCH', url: '/api/auth/profile', headers: bearer(user.accessToken), payload: { name: null } });
    expect(cleared.json().name).toBeNull();
  });

  it.each([
    [{ role: 'admin' }, 'role'],
    [{ id: '00000000-0000-7000-8000-000000000000' }, 'id'],
    [{ emailVerified: true }, 'emailVerified'],
    [{ email: 'new@example.com' }, 'email'],
  ])('PATCH refuses %o (no mass assignment) and changes nothing', async (payload, field) => {
    const user = await registerUser(t, { name: 'Unchanged' });
    const response = await t.app.inject({
      method: 'PATCH',
      url: '/api/auth/profile',
      headers: bearer(user.accessToken),
      payload: { name: 'Changed', ...payload },
    });
    expect(response.statusCode).toBe(400);
    expect(JSON.stringify(response.json().errors)).toContain(field);
    const row = await t.ctx.db.selectFrom('users').select(['role', 'name', 'email_verified_at']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ role: 'user', name: 'Unchanged', email_verified_at: null });
  });

  it('PATCH rejects an over-long name with 400', async () => {
    const user = await registerUser(t);
    const response = await t.app.inject({ method: 'PATCH', url: '/api/auth/profile', headers: bearer(user.accessToken), payload: { name: 'x'.repeat(101) } });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0]).toMatchObject({ field: 'name' });
  });

  it('PATCH refuses a NUL, another control character or a lone surrogate in the name with a 400 naming it, and keeps the name', async () => {
    const user = await registerUser(t, { name: 'Ada' });
    for (const name of ['a\u0000b', 'tab\there', 'c1 \u0085', 'half \ud800']) {
      const response = await t.app.inject({ method: 'PATCH', url: '/api/auth/profile', headers: bearer(user.accessToken), payload: { name } });
      expect(response.statusCode, JSON.stringify(name)).toBe(400);
      expect(response.json().errors).toEqual([{ field: 'name', in: 'body', code: 'control_character', message: expect.stringMatching(/control characters/) }]);
    }
    const profile = await t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(user.accessToken) });
    expect(profile.json().name).toBe('Ada');
  });

  it('needs a token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/profile' })).statusCode).toBe(401);
    expect((await t.app.inject({ method: 'PATCH', url: '/api/auth/profile', payload: { name: 'x' } })).statusCode).toBe(401);
  });
});
