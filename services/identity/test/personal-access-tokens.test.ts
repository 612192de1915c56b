import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, loggerOptions, MINUTE_MS, PAT_INTROSPECTION_PATH } from '@expensio/common';
import { bearer, createTestIdentity, registerUser, type Registered, type TestIdentity } from './helpers.js';

let t: TestIdentity;
beforeAll(async () => {
  t = await createTestIdentity();
});
afterAll(async () => {
  await t.close();
});

interface Created {
  id: string;
  name: string;
  scopes: string[];
  expiresAt: string;
  token: string;
}

async function createToken(user: Registered, body: Record<string, unknown> = {}): Promise<Created> {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/auth/tokens',
    headers: bearer(user.accessToken),
    payload: { name: 'backup script', scopes: ['read'], expiresInDays: 30, ...body },
  });
  if (response.statusCode !== 201) throw new Error(`create: ${response.statusCode} ${response.body}`);
  return response.json<Created>();
}

const profile = (token: string) => t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(token) });
const introspect = (token: string) => t.app.inject({ method: 'POST', url: PAT_INTROSPECTION_PATH, payload: { token } });

describe('POST /api/auth/tokens', () => {
  it('answers the token once, prefixed and checksummed, and keeps only its SHA-256', async () => {
    const user = await registerUser(t);
    const created = await createToken(user, { name: 'export', scopes: ['transactions:read', 'budgets:write'], expiresInDays: 7 });
    expect(created).toMatchObject({ name: 'export', scopes: ['transactions:read', 'budgets:write'] });
    expect(created.token).toMatch(/^exp_pat_[0-9A-Za-z]{49}$/);
    expect(new Date(created.expiresAt).getTime()).toBe(t.clock.now().getTime() + 7 * DAY_MS);

    const rows = await t.ctx.db.selectFrom('personal_access_tokens').selectAll().where('user_id', '=', user.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(rows)).not.toContain(created.token.slice('exp_pat_'.length));
  });

  it.each([
    [{ expiresInDays: 0 }, 'expiresInDays'],
    [{ expiresInDays: 366 }, 'expiresInDays'],
    [{ expiresInDays: undefined }, 'expiresInDays'],
    [{ scopes: ['read', 'everything'] }, 'scopes.1'],
    [{ scopes: [] }, 'scopes'],
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(101) }, 'name'],
  ])('refuses %j naming %s', async (change, field) => {
    const user = await registerUser(t);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/tokens',
      headers: bearer(user.accessToken),
      payload: { name: 'script', scopes: ['read'], expiresInDays: 30, ...change },
    });
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toContain(field);
  });
});

describe('GET /api/auth/tokens', () => {
  it("lists your tokens without the token or its hash, and nobody else's", async () => {
    const user = await registerUser(t);
    const other = await registerUser(t);
    const created = await createToken(user);
    await createToken(other);

    const response = await t.app.inject({ method: 'GET', url: '/api/auth/tokens', headers: bearer(user.accessToken) });
    expect(response.statusCode).toBe(200);
    const { items } = response.json<{ items: Record<string, unknown>[] }>();
    expect(items).toEqual([
      { id: created.id, name: 'backup script', scopes: ['read'], createdAt: expect.any(String), expiresAt: created.expiresAt, lastUsedAt: null },
    ]);
    expect(response.body).not.toContain(created.token.slice(8, 30));
  });
});

describe('using a personal access token', () => {
  it('is resolved to its user and scopes, and last used is written at most once a minute', async () => {
    const user = await registerUser(t);
    const created = await createToken(user, { scopes: ['write'] });
    const answer = await introspect(created.token);
    expect(answer.statusCode, answer.body).toBe(200);
    expect(answer.json()).toEqual({ userId: user.id, role: 'user', tokenId: created.id, scopes: ['write'], expiresAt: created.expiresAt });

    const lastUsed = async () =>
      (await t.ctx.db.selectFrom('personal_access_tokens').select('last_used_at').where('id', '=', created.id).executeTakeFirstOrThrow()).last_used_at;
    const first = t.clock.now();
    expect(await lastUsed()).toEqual(first);
    t.clock.advance(MINUTE_MS - 1);
    await introspect(created.token);
    expect(await lastUsed()).toEqual(first);
    t.clock.advance(1);
    await introspect(created.token);
    expect(await lastUsed()).toEqual(t.clock.now());
  });

  it('is refused once expired (401 token_expired)', async () => {
    const user = await registerUser(t);
    const created = await createToken(user, { expiresInDays: 1 });
    expect((await introspect(created.token)).statusCode).toBe(200);
    t.clock.advance(DAY_MS);
    const response = await introspect(created.token);
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'token_expired' });
  });

  it('is refused with a wrong checksum before any lookup, and when unknown', async () => {
    const user = await registerUser(t);
    const { token } = await createToken(user);
    const last = token.at(-1) === 'A' ? 'B' : 'A';
    for (const bad of [`${token.slice(0, -1)}${last}`, `exp_pat_${'A'.repeat(49)}`, 'exp_pat_short']) {
      const response = await introspect(bad);
      expect(response.statusCode, bad).toBe(401);
      expect(response.json()).toMatchObject({ code: 'invalid_token' });
    }
  });

  it('cannot manage tokens, change the password or profile, or delete the account (403 session_required)', async () => {
    const user = await registerUser(t);
    const { token, id } = await createToken(user, { scopes: ['write'] });
    const attempts = [
      t.app.inject({ method: 'POST', url: '/api/auth/tokens', headers: bearer(token), payload: { name: 'more', scopes: ['write'], expiresInDays: 365 } }),
      t.app.inject({ method: 'GET', url: '/api/auth/tokens', headers: bearer(token) }),
      t.app.inject({ method: 'DELETE', url: `/api/auth/tokens/${id}`, headers: bearer(token) }),
      t.app.inject({
        method: 'POST',
        url: '/api/auth/password/change',
        headers: bearer(token),
        payload: { currentPassword: user.password, newPassword: 'another strong passphrase 7' },
      }),
      t.app.inject({ method: 'PATCH', url: '/api/auth/profile', headers: bearer(token), payload: { name: 'Mallory' } }),
      t.app.inject({ method: 'DELETE', url: '/api/auth/account', headers: bearer(token), payload: { password: user.password } }),
      profile(token),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.statusCode, response.body).toBe(403);
      expect(response.json()).toMatchObject({ code: 'session_required' });
    }
    expect(await t.ctx.db.selectFrom('personal_access_tokens').select('id').where('user_id', '=', user.id).execute()).toHaveLength(1);
    expect((await profile(user.accessToken)).statusCode).toBe(200);
  });

  it("survives a password change, as GitHub's do", async () => {
    const user = await registerUser(t);
    const { token } = await createToken(user);
    const changed = await t.app.inject({
      method: 'POST',
      url: '/api/auth/password/change',
      headers: bearer(user.accessToken),
      payload: { currentPassword: user.password, newPassword: 'another strong passphrase 7' },
    });
    expect(changed.statusCode, changed.body).toBe(204);
    expect((await introspect(token)).statusCode).toBe(200);
  });
});

describe('DELETE /api/auth/tokens/:id', () => {
  it('revokes at once, in identity and in the denylist the other services check', async () => {
    const user = await registerUser(t);
    const created = await createToken(user);
    const revoked = await t.app.inject({ method: 'DELETE', url: `/api/auth/tokens/${created.id}`, headers: bearer(user.accessToken) });
    expect(revoked.statusCode).toBe(204);
    expect((await introspect(created.token)).statusCode).toBe(401);
    expect(await t.ctx.revocations.check({ jti: created.id, sid: created.id })).toBe(true);
  });

  it("answers 404 for another user's token and leaves it working", async () => {
    const owner = await registerUser(t);
    const other = await registerUser(t);
    const created = await createToken(owner);
    const response = await t.app.inject({ method: 'DELETE', url: `/api/auth/tokens/${created.id}`, headers: bearer(other.accessToken) });
    expect(response.statusCode).toBe(404);
    expect((await introspect(created.token)).statusCode).toBe(200);
  });

  it('answers 400 naming id for an id that is not a UUID', async () => {
    const user = await registerUser(t);
    const response = await t.app.inject({ method: 'DELETE', url: '/api/auth/tokens/nope', headers: bearer(user.accessToken) });
    expect(response.statusCode).toBe(400);
    expect(response.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('id');
  });
});

describe('account deletion', () => {
  it('takes the tokens with it and denies them to the other services', async () => {
    const user = await registerUser(t);
    const created = await createToken(user);
    const deleted = await t.app.inject({ method: 'DELETE', url: '/api/auth/account', headers: bearer(user.accessToken), payload: { password: user.password } });
    expect(deleted.statusCode, deleted.body).toBe(204);
    expect((await introspect(created.token)).statusCode).toBe(401);
    expect(await t.ctx.db.selectFrom('personal_access_tokens').select('id').where('id', '=', created.id).execute()).toHaveLength(0);
    expect(await t.ctx.revocations.check({ jti: created.id, sid: created.id })).toBe(true);
  });
});

describe('logs', () => {
  it('never hold the token, whether it is created, used, refused or introspected', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino(loggerOptions('trace', 'identity-log-test'), sink);
    // Identity alone over this file's database, its request logs written where the test reads them.
    const logged = await createTestIdentity({}, {}, { database: t.database, httpLogger: logger });
    const { app } = logged;
    try {
      const user = await registerUser(logged);
      const created = await app.inject({
        method: 'POST',
        url: '/api/auth/tokens',
        headers: bearer(user.accessToken),
        payload: { name: 'logged', scopes: ['read'], expiresInDays: 1 },
      });
      const { token } = created.json<Created>();
      await app.inject({ method: 'GET', url: '/api/auth/tokens', headers: bearer(token) });
      await app.inject({ method: 'POST', url: PAT_INTROSPECTION_PATH, payload: { token } });
      await app.inject({ method: 'POST', url: PAT_INTROSPECTION_PATH, payload: { token: `${token}x` } });
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.join('')).not.toContain(token.slice(8));
    } finally {
      await logged.close();
    }
  });
});

describe('the API reference', () => {
  it('documents the token routes and not the internal introspection', async () => {
    const response = await t.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(response.statusCode).toBe(200);
    const paths = Object.keys(response.json<{ paths: Record<string, unknown> }>().paths);
    expect(paths).toEqual(expect.arrayContaining(['/api/auth/tokens', '/api/auth/tokens/{id}']));
    expect(paths).not.toContain(PAT_INTROSPECTION_PATH);
  });
});
