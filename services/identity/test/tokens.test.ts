import { SignJWT, decodeJwt, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '@expensio/common';
import { loadIdentityConfig } from '../src/index.js';
import { bearer, createTestIdentity, registerUser, type TestIdentity } from './helpers.js';

let t: TestIdentity;
beforeAll(async () => {
  t = await createTestIdentity();
});
afterAll(async () => {
  await t.close();
});

function refresh(refreshToken: string) {
  return t.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken } });
}

function profile(accessToken: string) {
  return t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: bearer(accessToken) });
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('access tokens', () => {
  it('are ES256 JWTs with kid, typ at+jwt, iss, aud, sub, jti, sid and a 15 minute life', async () => {
    const user = await registerUser(t);
    const [header] = user.accessToken.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({ alg: 'ES256', typ: 'at+jwt', kid: t.ctx.keys.kid });
    const claims = decodeJwt(user.accessToken);
    expect(claims).toMatchObject({ iss: 'expensio-identity', aud: 'expensio', sub: user.id, role: 'user' });
    expect(typeof claims.jti).toBe('string');
    expect(typeof claims.sid).toBe('string');
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(900);
  });

  it('the JWKS publishes the public key only', async () => {
    for (const url of ['/api/auth/.well-known/jwks.json', '/.well-known/jwks.json']) {
      const response = await t.app.inject({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      const [key, ...others] = response.json().keys;
      expect(others).toHaveLength(0);
      expect(key).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig', kid: t.ctx.keys.kid });
      expect(key).not.toHaveProperty('d');
    }
  });

  it('expire after 15 minutes', async () => {
    const user = await registerUser(t);
    t.clock.advance(14 * MINUTE_MS);
    expect((await profile(user.accessToken)).statusCode).toBe(200);
    t.clock.advance(MINUTE_MS + 1000);
    const expired = await profile(user.accessToken);
    expect(expired.statusCode).toBe(401);
    expect(expired.json()).toMatchObject({ code: 'token_expired' });
  });

  it('a tampered payload is refused', async () => {
    const user = await registerUser(t);
    const [header, payload, signature] = user.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString());
    const forged = `${header}.${b64({ ...claims, role: 'admin' })}.${signature}`;
    const response = await t.app.inject({ method: 'GET', url: '/api/admin/users', headers: bearer(forged) });
    expect(response.statusCode).toBe(401);
    expect(response.json()).toMatchObject({ code: 'invalid_token' });
  });

  it('alg none is refused', async () => {
    const user = await registerUser(t);
    const claims = decodeJwt(user.accessToken);
    const unsigned = `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ ...claims, role: 'admin' })}.`;
    expect((await profile(unsigned)).statusCode).toBe(401);
  });

  it('a token signed by another key, even with the right kid, is refused', async () => {
    const user = await registerUser(t);
    const { privateKey } = await generateKeyPair('ES256');
    const now = Math.floor(t.clock.now().getTime() / 1000);
    const forged = await new SignJWT({ role: 'admin', sid: decodeJwt(user.accessToken).sid })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: t.ctx.keys.kid })
      .setIssuer('expensio-identity')
      .setAudience('expensio')
      .setSubject(user.id)
      .setJti('forged')
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
    expect((await profile(forged)).statusCode).toBe(401);
  });

  it('no token, or a malformed header, is 401 with WWW-Authenticate', async () => {
    const none = await t.app.inject({ method: 'GET', url: '/api/auth/profile' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer');
    expect(none.json()).toMatchObject({ code: 'missing_token' });
    expect((await t.app.inject({ method: 'GET', url: '/api/auth/profile', headers: { authorization: 'Basic abc' } })).statusCode).toBe(401);
    expect((await profile('not.a.jwt')).statusCode).toBe(401);
  });
});

describe('POST /api/auth/refresh', () => {
  it('rotates: a new pair, and the old refresh token is spent', async () => {
    const user = await registerUser(t);
    const first = await refresh(user.refreshToken);
    expect(first.statusCode).toBe(200);
    const pair = first.json();
    expect(pair.refreshToken).not.toBe(user.refreshToken);
    expect(pair.accessToken).not.toBe(user.accessToken);
    expect((await profile(pair.accessToken)).statusCode).toBe(200);
    expect((await refresh(pair.refreshToken)).statusCode).toBe(200);
  });

  const REUSE_INTERVAL_MS = 10_000;

  async function reusedEvents(userId: string) {
    return t.ctx.db.selectFrom('security_events').select(['type', 'severity']).where('user_id', '=', userId).where('type', '=', 'refresh.reused').execute();
  }

  it('a spent token presented after the reuse interval revokes the whole family and records a security event', async () => {
    const user = await registerUser(t);
    const next = (await refresh(user.refreshToken)).json();
    t.clock.advance(REUSE_INTERVAL_MS);
    const replay = await refresh(user.refreshToken);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'refresh_token_reused' });
    // The legitimate newest token and its access token die with the family.
    expect((await refresh(next.refreshToken)).statusCode).toBe(401);
    expect((await profile(next.accessToken)).statusCode).toBe(401);
    expect(await reusedEvents(user.id)).toEqual([{ type: 'refresh.reused', severity: 'critical' }]);
  });

  it('two concurrent refreshes with the same token both get a working pair of the same session, and nothing is revoked', async () => {
    const user = await registerUser(t);
    const results = await Promise.all([refresh(user.refreshToken), refresh(user.refreshToken)]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200]);
    const [a, b] = results.map((r) => r.json());
    expect(a.refreshToken).not.toBe(b.refreshToken);
    expect(decodeJwt(a.accessToken).sid).toBe(decodeJwt(user.accessToken).sid);
    expect(decodeJwt(b.accessToken).sid).toBe(decodeJwt(user.accessToken).sid);
    expect(a.refreshTokenExpiresAt).toBe(b.refreshTokenExpiresAt);
    expect(await reusedEvents(user.id)).toEqual([]);
    for (const pair of [a, b]) {
      expect((await profile(pair.accessToken)).statusCode).toBe(200);
      expect((await refresh(pair.refreshToken)).statusCode).toBe(200);
    }
  });

  it('a just-rotated token presented again within the interval gets a sibling pair; the interval runs from the first rotation', async () => {
    const user = await registerUser(t);
    const first = (await refresh(user.refreshToken)).json();
    t.clock.advance(REUSE_INTERVAL_MS - 1);
    const late = await refresh(user.refreshToken);
    expect(late.statusCode).toBe(200);
    const sibling = late.json();
    // Same family, same absolute end: the grace use extends nothing.
    expect(sibling.refreshTokenExpiresAt).toBe(first.refreshTokenExpiresAt);
    expect(decodeJwt(sibling.accessToken).sid).toBe(decodeJwt(first.accessToken).sid);
    expect(await reusedEvents(user.id)).toEqual([]);
    // Using it inside the interval did not restart it: one millisecond later it is reuse.
    t.clock.advance(1);
    const replay = await refresh(user.refreshToken);
    expect(replay.statusCode).toBe(401);
    expect(replay.json()).toMatchObject({ code: 'refresh_token_reused' });
    // Revoking the family revokes both pairs.
    for (const pair of [first, sibling]) {
      expect((await refresh(pair.refreshToken)).statusCode).toBe(401);
      expect((await profile(pair.accessToken)).statusCode).toBe(401);
    }
    expect(await reusedEvents(user.id)).toEqual([{ type: 'refresh.reused', severity: 'critical' }]);
  });

  it('the interval buys nothing once the session has ended', async () => {
    const user = await registerUser(t);
    const next = (await refresh(user.refreshToken)).json();
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(next.accessToken) })).statusCode).toBe(204);
    const late = await refresh(user.refreshToken);
    expect(late.statusCode).toBe(401);
    expect(late.json()).toMatchObject({ code: 'invalid_refresh_token' });
  });

  it('the interval does not outlive the session’s absolute lifetime', async () => {
    const user = await registerUser(t);
    t.clock.advance(30 * 24 * 60 * MINUTE_MS - REUSE_INTERVAL_MS / 2);
    expect((await refresh(user.refreshToken)).statusCode).toBe(200);
    t.clock.advance(REUSE_INTERVAL_MS / 2);
    const late = await refresh(user.refreshToken);
    expect(late.statusCode).toBe(401);
    expect(late.json()).toMatchObject({ code: 'invalid_refresh_token' });
  });

  it('REFRESH_REUSE_INTERVAL defaults to 10 s, 0 turns it off, and more than a minute is refused', () => {
    const env = { NODE_ENV: 'test' };
    expect(loadIdentityConfig(env).REFRESH_REUSE_INTERVAL).toBe(REUSE_INTERVAL_MS);
    expect(loadIdentityConfig({ ...env, REFRESH_REUSE_INTERVAL: '0' }).REFRESH_REUSE_INTERVAL).toBe(0);
    expect(() => loadIdentityConfig({ ...env, REFRESH_REUSE_INTERVAL: '2m' })).toThrow(/REFRESH_REUSE_INTERVAL/);
  });

  it('a session ends at its absolute lifetime, however often it is refreshed', async () => {
    const user = await registerUser(t);
    let token = user.refreshToken;
    for (let day = 0; day < 29; day += 1) {
      t.clock.advance(24 * 60 * MINUTE_MS);
      const response = await refresh(token);
      expect(response.statusCode).toBe(200);
      token = response.json().refreshToken;
    }
    t.clock.advance(24 * 60 * MINUTE_MS);
    expect((await refresh(token)).statusCode).toBe(401);
  });

  it('an unknown token is 401 and bad input is 400', async () => {
    expect((await refresh('made-up-token')).statusCode).toBe(401);
    const bad = await t.app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { token: 'x' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toContain('refreshToken');
  });

  it('stores refresh tokens hashed', async () => {
    const user = await registerUser(t);
    const rows = await t.ctx.db.selectFrom('refresh_tokens').select('token_hash').where('token_hash', '=', user.refreshToken).execute();
    expect(rows).toHaveLength(0);
  });
});

describe('POST /api/auth/logout', () => {
  it('revokes the presented access token at once and ends its refresh family', async () => {
    const user = await registerUser(t);
    const response = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: bearer(user.accessToken),
      payload: { refreshToken: user.refreshToken },
    });
    expect(response.statusCode).toBe(204);
    const after = await profile(user.accessToken);
    expect(after.statusCode).toBe(401);
    expect(after.json()).toMatchObject({ code: 'token_revoked' });
    expect((await refresh(user.refreshToken)).statusCode).toBe(401);
  });

  it('works without a body and still ends the session behind the token', async () => {
    const user = await registerUser(t);
    const response = await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(user.accessToken) });
    expect(response.statusCode).toBe(204);
    expect((await refresh(user.refreshToken)).statusCode).toBe(401);
  });

  it('leaves the user’s other sessions alone', async () => {
    const user = await registerUser(t);
    const other = (await t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: user.email, password: user.password } })).json();
    await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(user.accessToken) });
    expect((await profile(other.accessToken)).statusCode).toBe(200);
    expect((await refresh(other.refreshToken)).statusCode).toBe(200);
  });

  it('ignores another user’s refresh token', async () => {
    const alice = await registerUser(t);
    const bob = await registerUser(t);
    await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers: bearer(alice.accessToken), payload: { refreshToken: bob.refreshToken } });
    expect((await refresh(bob.refreshToken)).statusCode).toBe(200);
  });

  it('needs a token', async () => {
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout' })).statusCode).toBe(401);
  });
});
