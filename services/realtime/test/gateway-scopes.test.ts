import { describe, expect, it } from 'vitest';
import { createLogger, type AuthUser, type Scope } from '@expensio/common';
import { authenticateHandshake } from '../src/gateway/auth.js';
import type { GatewaySocket } from '../src/gateway/protocol.js';

// The socket pushes every area's events: a personal access token gets in only if it reads them all.

const log = createLogger('silent', 'gateway-scopes-test');

async function handshake(scopes: Scope[] | undefined): Promise<Error | undefined> {
  const user: AuthUser = { id: 'u', role: 'user', jti: 'j', sid: 's', expiresAt: new Date(Date.now() + 60_000), ...(scopes && { scopes }) };
  const socket = { handshake: { auth: { token: 'exp_pat_x' } }, data: {} } as unknown as GatewaySocket;
  return new Promise((resolve) => {
    authenticateHandshake(() => Promise.resolve(user), log)(socket, resolve);
  });
}

describe('the socket handshake with a personal access token', () => {
  it('admits a session or a read or write token, and refuses an area-scoped one', async () => {
    expect(await handshake(undefined)).toBeUndefined();
    expect(await handshake(['read'])).toBeUndefined();
    expect(await handshake(['write'])).toBeUndefined();
    expect((await handshake(['transactions:read', 'budgets:write']))?.message).toBe('insufficient_scope');
  });
});
