import { describe, expect, it } from 'vitest';
import {
  AppError,
  enforceScopes,
  generatePersonalAccessToken,
  isWellFormedPersonalAccessToken,
  ManualClock,
  PAT_CACHE_MS,
  remotePatResolver,
  scopeAreaOf,
  withPersonalAccessTokens,
  type AuthUser,
  type Scope,
} from '../src/index.js';

describe('token format', () => {
  it('is exp_pat_ with 43 random base62 characters and a checksum that catches a typo', () => {
    const tokens = new Set(Array.from({ length: 50 }, generatePersonalAccessToken));
    expect(tokens.size).toBe(50);
    for (const token of tokens) {
      expect(token).toMatch(/^exp_pat_[0-9A-Za-z]{49}$/);
      expect(isWellFormedPersonalAccessToken(token)).toBe(true);
      const flipped = token.slice(0, 20) + (token[20] === 'a' ? 'b' : 'a') + token.slice(21);
      expect(isWellFormedPersonalAccessToken(flipped)).toBe(false);
    }
  });

  it('sends exp_pat_ tokens to the resolver and the rest to the JWT verifier, refusing malformed ones unresolved', async () => {
    const resolved: string[] = [];
    const user: AuthUser = { id: 'u', role: 'user', jti: 'j', sid: 's', expiresAt: new Date() };
    const verify = withPersonalAccessTokens(
      () => Promise.resolve({ ...user, jti: 'jwt' }),
      (token) => {
        resolved.push(token);
        return Promise.resolve(user);
      },
    );
    const token = generatePersonalAccessToken();
    await expect(verify('eyJ.a.b')).resolves.toMatchObject({ jti: 'jwt' });
    await expect(verify(token)).resolves.toBe(user);
    await expect(verify('exp_pat_nope')).rejects.toMatchObject({ status: 401, code: 'invalid_token' });
    expect(resolved).toEqual([token]);
  });
});

describe('scope enforcement', () => {
  const check = (scopes: Scope[] | undefined, method: string, url: string) => {
    try {
      enforceScopes(scopes, { method, url });
      return 'ok';
    } catch (error) {
      return error instanceof AppError ? `${String(error.status)} ${error.code}` : 'threw';
    }
  };

  it('takes the area from the route and the level from the method', () => {
    expect(scopeAreaOf('/api/budgets/:id/events')).toBe('budgets');
    expect(scopeAreaOf('/api/recurring-transactions')).toBe('recurring-transactions');
    expect(scopeAreaOf('/api/auth/tokens')).toBeUndefined();
    expect(check(undefined, 'DELETE', '/api/admin/users/:id')).toBe('ok');
    expect(check(['read'], 'GET', '/api/goals/:id')).toBe('ok');
    expect(check(['read'], 'HEAD', '/api/goals')).toBe('ok');
    expect(check(['read'], 'PATCH', '/api/goals/:id')).toBe('403 insufficient_scope');
    expect(check(['write'], 'GET', '/api/goals')).toBe('ok');
    expect(check(['goals:write'], 'GET', '/api/goals')).toBe('ok');
    expect(check(['goals:read'], 'POST', '/api/goals')).toBe('403 insufficient_scope');
    expect(check(['goals:write'], 'GET', '/api/debts')).toBe('403 insufficient_scope');
    expect(check(['write'], 'GET', '/api/auth/profile')).toBe('403 session_required');
    expect(check(['write'], 'GET', '/api/something-new')).toBe('403 session_required');
  });
});

describe('remotePatResolver', () => {
  function setup() {
    const clock = new ManualClock(new Date('2026-03-01T00:00:00Z'));
    const denied = new Set<string>();
    let calls = 0;
    let answer: { status: number; body: unknown } = {
      status: 200,
      body: { userId: 'user-1', role: 'user', tokenId: 'pat-1', scopes: ['read'], expiresAt: '2026-04-01T00:00:00.000Z' },
    };
    const fakeFetch = (() => {
      calls += 1;
      return Promise.resolve(new Response(JSON.stringify(answer.body), { status: answer.status }));
    }) as typeof fetch;
    const resolve = remotePatResolver({
      introspectionUrl: 'http://identity/internal',
      clock,
      fetch: fakeFetch,
      isRevoked: ({ jti }) => Promise.resolve(denied.has(jti)),
    });
    return {
      clock,
      denied,
      resolve,
      calls: () => calls,
      answer: (next: typeof answer) => {
        answer = next;
      },
    };
  }
  const token = generatePersonalAccessToken();

  it("trusts identity's answer for PAT_CACHE_MS, then asks again", async () => {
    const s = setup();
    await expect(s.resolve(token)).resolves.toMatchObject({ id: 'user-1', jti: 'pat-1', scopes: ['read'] });
    s.clock.advance(PAT_CACHE_MS - 1);
    await s.resolve(token);
    expect(s.calls()).toBe(1);
    s.clock.advance(1);
    s.answer({ status: 401, body: { code: 'token_expired', detail: 'expired' } });
    await expect(s.resolve(token)).rejects.toMatchObject({ status: 401, code: 'token_expired' });
    expect(s.calls()).toBe(2);
  });

  it('honours a revocation in the denylist at once, cached answer or not', async () => {
    const s = setup();
    await s.resolve(token);
    s.denied.add('pat-1');
    await expect(s.resolve(token)).rejects.toMatchObject({ status: 401, code: 'token_revoked' });
  });

  it('fails closed (503) when identity cannot answer', async () => {
    const s = setup();
    s.answer({ status: 500, body: { code: 'internal' } });
    await expect(s.resolve(token)).rejects.toMatchObject({ status: 503, code: 'introspection_unavailable' });
  });
});
