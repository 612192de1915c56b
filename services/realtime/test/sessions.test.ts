import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { disconnection, gatewayForFile, newUser, nextMessage } from './helpers.js';

// A short interval so a revoked token is noticed quickly; the other tests keep the default-like
// long one, so nothing there depends on when a check runs.
const RECHECK_MS = 200;
const file = gatewayForFile({ settings: { recheckIntervalMs: RECHECK_MS } });
const client = (token: string) => file.client(token);

describe('sockets whose token stops holding', () => {
  it('disconnects a socket whose session is revoked after it connected, at the next check', async () => {
    const user = await newUser(file.t.tokens);
    const kept = await newUser(file.t.tokens);
    const revoked = await client(user.token);
    const other = await client(kept.token);
    const told = nextMessage(revoked, 'unauthorized');
    const gone = disconnection(revoked);
    file.t.tokens.revoke(user.sid);
    expect(await told).toEqual({ code: 'token_revoked', message: 'The access token has been revoked' });
    expect(await gone).toBe('io server disconnect');
    // Another user's socket lives through the same checks and still receives its events.
    const next = nextMessage(other, 'goal.completed');
    await file.t.publish('goal.completed', kept.id, {
      goalId: randomUUID(),
      name: 'Bike',
      saved: '100.00',
      target: '100.00',
      currency: 'USD',
      completedAt: '2026-03-15T12:00:00.000Z',
    });
    expect(await next).toMatchObject({ userId: kept.id });
    expect(other.socket.connected).toBe(true);
  });

  it('disconnects a socket when its token expires', async () => {
    const user = await newUser(file.t.tokens, 'user', 2);
    const socket = await client(user.token);
    const told = nextMessage(socket, 'unauthorized');
    const gone = disconnection(socket);
    expect(await told).toMatchObject({ code: 'token_expired' });
    expect(await gone).toBe('io server disconnect');
  });
});
