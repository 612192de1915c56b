import { randomUUID } from 'node:crypto';
import { createLocalJWKSet, exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  authPlugin,
  createAccessTokenVerifier,
  createHttpApp,
  requireUser,
  ServiceUnavailableError,
  UnauthorizedError,
  type AccessTokenVerifier,
  type HttpApp,
  type ProblemDocument,
} from '@expensio/common';
import { ManualClock } from '@expensio/common/testing';

const ISSUER = 'https://id.expensio.test';
const AUDIENCE = 'expensio-api';
const KID = 'key-2026-01';
const TOKEN_LIFETIME_S = 15 * 60;

let privateKey: CryptoKey;
let publicKey: CryptoKey;
let otherPrivateKey: CryptoKey;
let publicJwk: JWK;
let keys: JWTVerifyGetKey;

const clock = new ManualClock('2026-01-15T09:00:00.000Z');
const revokedJtis = new Set<string>();
const revocationChecks: { jti: string; sid: string }[] = [];
let revocationStoreDown = false;

const verify: AccessTokenVerifier = (token) =>
  createAccessTokenVerifier({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys,
    clock,
    isRevoked: (check) => {
      revocationChecks.push(check);
      if (revocationStoreDown) return Promise.reject(new Error('redis: connection refused'));
      return Promise.resolve(revokedJtis.has(check.jti));
    },
  })(token);

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  publicKey = pair.publicKey;
  publicJwk = { ...(await exportJWK(pair.publicKey)), kid: KID, alg: 'ES256', use: 'sig' };
  keys = createLocalJWKSet({ keys: [publicJwk] });
  otherPrivateKey = (await generateKeyPair('ES256')).privateKey;
});

const nowSeconds = () => Math.floor(clock.now().getTime() / 1000);

/** The claims identity puts in an access token, issued now by the test clock. */
function claims(overrides: JWTPayload = {}): JWTPayload {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-0001',
    jti: randomUUID(),
    sid: 'session-0001',
    role: 'user',
    iat: nowSeconds(),
    exp: nowSeconds() + TOKEN_LIFETIME_S,
    ...overrides,
  };
}

function without(payload: JWTPayload, name: string): JWTPayload {
  return Object.fromEntries(Object.entries(payload).filter(([key]) => key !== name));
}

function sign(payload: JWTPayload = claims(), options: { key?: CryptoKey; header?: Record<string, unknown> } = {}) {
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid: KID, ...options.header }).sign(options.key ?? privateKey);
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

async function expectRejected(token: string, status: number, code: string) {
  const checksBefore = revocationChecks.length;
  const error: unknown = await verify(token).then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toMatchObject({ status, code });
  return { revocationConsulted: revocationChecks.length > checksBefore };
}

describe('createAccessTokenVerifier', () => {
  it('turns a valid token into the caller', async () => {
    const payload = claims({ sub: 'user-42', sid: 'session-9', role: 'admin' });
    const user = await verify(await sign(payload));
    expect(user).toEqual({
      id: 'user-42',
      role: 'admin',
      jti: payload.jti,
      sid: 'session-9',
      expiresAt: new Date((nowSeconds() + TOKEN_LIFETIME_S) * 1000),
    });
    expect(revocationChecks.at(-1)).toEqual({ jti: payload.jti, sid: 'session-9' });
  });

  it('accepts a token until its expiry and answers token_expired after it, by the injected clock', async () => {
    const start = clock.now();
    const token = await sign();
    try {
      clock.advance((TOKEN_LIFETIME_S - 1) * 1000);
      await expect(verify(token)).resolves.toMatchObject({ id: 'user-0001' });
      clock.advance(2_000);
      const rejection = verify(token);
      await expect(rejection).rejects.toBeInstanceOf(UnauthorizedError);
      await expect(rejection).rejects.toMatchObject({ status: 401, code: 'token_expired' });
    } finally {
      clock.set(start);
    }
  });

  it.each<[string, () => Promise<string>]>([
    ['a wrong audience', () => sign(claims({ aud: 'another-api' }))],
    ['a wrong issuer', () => sign(claims({ iss: 'https://evil.example' }))],
    ['the JWT typ instead of at+jwt', () => sign(claims(), { header: { typ: 'JWT' } })],
    ['no typ', () => sign(claims(), { header: { typ: undefined } })],
    ['no sid', () => sign(without(claims(), 'sid'))],
    ['no jti', () => sign(without(claims(), 'jti'))],
    ['no sub', () => sign(without(claims(), 'sub'))],
    ['no exp', () => sign(without(claims(), 'exp'))],
    ['a numeric sid', () => sign(claims({ sid: 7 }))],
    ['an unknown role', () => sign(claims({ role: 'superuser' }))],
    ['no role', () => sign(without(claims(), 'role'))],
    ['a key id the key set does not hold', () => sign(claims(), { header: { kid: 'retired-key' } })],
    ['a signature by another key under our key id', () => sign(claims(), { key: otherPrivateKey })],
    [
      'a payload changed after signing',
      async () => {
        const [header, , signature] = (await sign(claims({ role: 'user' }))).split('.');
        return `${header ?? ''}.${base64url(claims({ role: 'admin' }))}.${signature ?? ''}`;
      },
    ],
    ['alg none and no signature', () => Promise.resolve(`${base64url({ alg: 'none', typ: 'at+jwt' })}.${base64url(claims())}.`)],
    [
      'HS256 keyed with the public key (PEM)',
      async () => {
        const secret = new TextEncoder().encode(await exportSPKI(publicKey));
        return new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: KID }).sign(secret);
      },
    ],
    [
      'HS256 keyed with the public JWK',
      () => new SignJWT(claims()).setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: KID }).sign(new TextEncoder().encode(JSON.stringify(publicJwk))),
    ],
    ['not a JWT at all', () => Promise.resolve('not-a-token')],
  ])('answers 401 invalid_token for %s, without consulting revocation', async (_label, make) => {
    const { revocationConsulted } = await expectRejected(await make(), 401, 'invalid_token');
    expect(revocationConsulted).toBe(false);
  });

  it('answers 401 token_revoked for a revoked token', async () => {
    const payload = claims();
    const token = await sign(payload);
    await expect(verify(token)).resolves.toMatchObject({ jti: payload.jti });
    revokedJtis.add(String(payload.jti));
    await expectRejected(token, 401, 'token_revoked');
  });

  it('fails closed with 503 when revocation cannot be checked', async () => {
    const token = await sign();
    revocationStoreDown = true;
    try {
      const rejection = verify(token);
      await expect(rejection).rejects.toBeInstanceOf(ServiceUnavailableError);
      await expect(rejection).rejects.toMatchObject({ status: 503, code: 'revocation_unavailable' });
    } finally {
      revocationStoreDown = false;
    }
    await expect(verify(token)).resolves.toMatchObject({ id: 'user-0001' });
  });

  it('checks a signature once per token, but revocation and expiry on every call', async () => {
    let keyLookups = 0;
    const revoked = new Set<string>();
    const once = createAccessTokenVerifier({
      issuer: ISSUER,
      audience: AUDIENCE,
      clock,
      keys: (header, input) => {
        keyLookups += 1;
        return keys(header, input);
      },
      isRevoked: ({ jti }) => Promise.resolve(revoked.has(jti)),
    });
    const start = clock.now();
    const payload = claims();
    const token = await sign(payload);
    try {
      for (let i = 0; i < 3; i += 1) await expect(once(token)).resolves.toMatchObject({ jti: payload.jti });
      expect(keyLookups).toBe(1);
      // A token that differs by one character is verified from scratch, and refused.
      // (The replaced character is the second to last, so the replacement is chosen to differ from it.)
      const altered = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.slice(-1)}`;
      expect(altered).not.toBe(token);
      await expect(once(altered)).rejects.toMatchObject({ code: 'invalid_token' });
      revoked.add(String(payload.jti));
      await expect(once(token)).rejects.toMatchObject({ code: 'token_revoked' });
      revoked.clear();
      clock.advance((TOKEN_LIFETIME_S + 1) * 1000);
      await expect(once(token)).rejects.toMatchObject({ code: 'token_expired' });
    } finally {
      clock.set(start);
    }
  });
});

describe('authPlugin on an HTTP app', () => {
  let app: HttpApp;

  beforeAll(async () => {
    app = await createHttpApp({
      title: 'Auth test',
      version: '1.0.0',
      logger: false,
      trustProxy: [],
      corsOrigins: [],
      rateLimit: { max: 10_000, windowMs: 60_000 },
      readiness: [],
    });
    await app.register(authPlugin, { verify });
    app.post(
      '/things',
      {
        config: { auth: 'user' },
        schema: { body: z.object({ name: z.string().min(3) }), response: { 200: z.object({ owner: z.string(), name: z.string() }) } },
      },
      async (request) => {
        await Promise.resolve();
        return { owner: requireUser(request).id, name: request.body.name };
      },
    );
    app.get('/admin/stats', { config: { auth: 'admin' }, schema: { response: { 200: z.object({ users: z.number() }) } } }, async () => {
      await Promise.resolve();
      return { users: 3 };
    });
    app.get('/public', { schema: { response: { 200: z.object({ signedIn: z.boolean() }) } } }, async (request) => {
      await Promise.resolve();
      return { signedIn: request.user !== null };
    });
    app.get('/public/me', async (request) => {
      await Promise.resolve();
      return { id: requireUser(request).id };
    });
    await app.ready();
  });

  afterAll(async () => {
    await app.close();
  });

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  function expectProblem(response: LightMyRequestResponse, status: number, code: string) {
    expect(response.statusCode).toBe(status);
    const body = response.json<ProblemDocument>();
    expect(body).toMatchObject({ status, code });
    return body;
  }

  it('answers 401 missing_token before looking at the body', async () => {
    const response = await app.inject({ method: 'POST', url: '/things', payload: { name: 1 } });
    const body = expectProblem(response, 401, 'missing_token');
    expect(body.errors).toBeUndefined();
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('answers 401 even when the body is not JSON at all', async () => {
    const response = await app.inject({ method: 'POST', url: '/things', payload: '{oops', headers: { 'content-type': 'application/json' } });
    expectProblem(response, 401, 'missing_token');
  });

  it('treats a non-Bearer authorization header as no token', async () => {
    const response = await app.inject({ method: 'POST', url: '/things', payload: { name: 'Rent' }, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expectProblem(response, 401, 'missing_token');
  });

  it('answers 401 invalid_token for a bad token, still before validation', async () => {
    const forged = await sign(claims(), { key: otherPrivateKey });
    const response = await app.inject({ method: 'POST', url: '/things', payload: { name: 1 }, headers: bearer(forged) });
    expect(expectProblem(response, 401, 'invalid_token').errors).toBeUndefined();
  });

  it('answers 401 token_revoked for a revoked token', async () => {
    const payload = claims();
    revokedJtis.add(String(payload.jti));
    const response = await app.inject({ method: 'POST', url: '/things', payload: { name: 'Rent' }, headers: bearer(await sign(payload)) });
    expectProblem(response, 401, 'token_revoked');
  });

  it('runs the route for a valid token and exposes the caller', async () => {
    const response = await app.inject({ method: 'POST', url: '/things', payload: { name: 'Rent' }, headers: bearer(await sign(claims({ sub: 'user-77' }))) });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ owner: 'user-77', name: 'Rent' });
  });

  it('validates the body once the caller is known', async () => {
    const response = await app.inject({ method: 'POST', url: '/things', payload: { name: 'x' }, headers: bearer(await sign()) });
    expect(expectProblem(response, 400, 'validation_failed').errors).toEqual([expect.objectContaining({ field: 'name', in: 'body' })]);
  });

  it('answers 403 to a user on an admin route and 200 to an admin', async () => {
    const asUser = await app.inject({ url: '/admin/stats', headers: bearer(await sign(claims({ role: 'user' }))) });
    expectProblem(asUser, 403, 'admin_only');
    const asAdmin = await app.inject({ url: '/admin/stats', headers: bearer(await sign(claims({ role: 'admin' }))) });
    expect(asAdmin.statusCode).toBe(200);
    expect(asAdmin.json()).toEqual({ users: 3 });
  });

  it('leaves public routes open and without a user, even when a token is sent', async () => {
    expect((await app.inject({ url: '/public' })).json()).toEqual({ signedIn: false });
    expect((await app.inject({ url: '/public', headers: bearer('garbage') })).json()).toEqual({ signedIn: false });
    expectProblem(await app.inject({ url: '/public/me' }), 401, 'unauthorized');
  });

  it('marks the protected routes, and only those, with bearerAuth in the OpenAPI document', async () => {
    const document = (await app.inject({ url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { security?: unknown }>>;
      components: { securitySchemes: Record<string, unknown> };
    }>();
    expect(document.paths['/things']?.post?.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths['/admin/stats']?.get?.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths['/public']?.get?.security).toBeUndefined();
    expect(document.components.securitySchemes.bearerAuth).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  });
});
