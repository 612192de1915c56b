import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { EventPayload } from '@expensio/common';
import { GATEWAY_CONSUMER, PUSHED_EVENT_TYPES } from '../src/index.js';
import { disconnection, gatewayForFile, newUser, nextMessage, refusal, request, type TestClient } from './helpers.js';

const file = gatewayForFile({ settings: { corsOrigins: ['https://app.example.com'] } });
const client = (token: string) => file.client(token);

const threshold = (): EventPayload<'budget.threshold_reached'> => ({
  budgetId: randomUUID(),
  name: 'Groceries',
  categoryId: null,
  periodStart: '2026-03-01',
  threshold: 80,
  spent: '400.00',
  available: '500.00',
  currency: 'USD',
});

const alert = (): EventPayload<'security.alert'> => ({
  alert: 'refresh.reused',
  severity: 'critical',
  message: 'A refresh token was used twice; the session was ended.',
  ip: '203.0.113.9',
  details: {},
});

/** A message only `user` should receive: once it has arrived, anything sent before it has too. */
async function sentinel(user: { id: string }, to: TestClient): Promise<void> {
  const arrived = nextMessage(to, 'goal.progressed');
  await file.t.publish('goal.progressed', user.id, { goalId: randomUUID(), name: 'Bike', saved: '10.00', target: '100.00', currency: 'USD', percent: '10' });
  await arrived;
}

describe('pushing events', () => {
  it("delivers an event to its user's sockets, named by its type, with the envelope, and to no one else", async () => {
    const owner = await newUser(file.t.tokens);
    const other = await newUser(file.t.tokens);
    const ownerPhone = await client(owner.token);
    const ownerLaptop = await client(owner.token);
    const stranger = await client(other.token);

    const payload = threshold();
    const onPhone = nextMessage(ownerPhone, 'budget.threshold_reached');
    const onLaptop = nextMessage(ownerLaptop, 'budget.threshold_reached');
    await file.t.publish('budget.threshold_reached', owner.id, payload);
    const envelope = await onPhone;
    expect(envelope).toEqual({
      id: expect.any(String),
      type: 'budget.threshold_reached',
      version: 1,
      occurredAt: expect.any(String),
      userId: owner.id,
      payload,
    });
    expect(await onLaptop).toEqual(envelope);

    await sentinel(other, stranger);
    expect(stranger.received.map((m) => m.name)).toEqual(['goal.progressed']);
  });

  it('consumes events for users with no socket without failing', async () => {
    const absent = await newUser(file.t.tokens);
    await file.t.publish('transaction.deleted', absent.id, {
      transactionId: randomUUID(),
      accountId: randomUUID(),
      type: 'expense',
      amount: '12.30',
      currency: 'EUR',
      occurredAt: '2026-03-15T12:00:00.000Z',
    });
    const rows = await file.t.ctx.db
      .selectFrom('inbox')
      .select(['status', 'event_type'])
      .where('consumer', '=', GATEWAY_CONSUMER)
      .where('event_type', '=', 'transaction.deleted')
      .execute();
    expect(rows).toEqual([{ status: 'processed', event_type: 'transaction.deleted' }]);
  });

  it('subscribes to the pushed types and user.deleted, all known to the catalog', () => {
    expect(PUSHED_EVENT_TYPES).toEqual(
      expect.arrayContaining(['transaction.created', 'budget.threshold_reached', 'goal.completed', 'recurring.posted', 'security.alert', 'webhook.disabled']),
    );
    expect(PUSHED_EVENT_TYPES).not.toContain('user.deleted');
  });

  it("tells a webhook's owner that it was disabled", async () => {
    const owner = await newUser(file.t.tokens);
    const socket = await client(owner.token);
    const told = nextMessage(socket, 'webhook.disabled');
    const payload = { webhookId: randomUUID(), url: 'https://hooks.example.com/expensio', reason: 'delivery_failures', failures: 10 };
    await file.t.publish('webhook.disabled', owner.id, payload);
    expect(await told).toMatchObject({ type: 'webhook.disabled', userId: owner.id, payload });
  });

  it('tells a deleted user and disconnects every socket of theirs', async () => {
    const leaving = await newUser(file.t.tokens);
    const first = await client(leaving.token);
    const second = await client(leaving.token);
    const told = nextMessage(first, 'user.deleted');
    const gone = [disconnection(first), disconnection(second)];
    await file.t.publish('user.deleted', leaving.id, { reason: 'user_request' });
    expect(await told).toMatchObject({ type: 'user.deleted', userId: leaving.id });
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
  });
});

describe('the handshake', () => {
  it('refuses a connection without a token', async () => {
    const error = await refusal(file.t.url, undefined);
    expect(error.message).toBe('missing_token');
    expect(error.data).toMatchObject({ code: 'missing_token' });
  });

  it('refuses a malformed or forged token', async () => {
    expect((await refusal(file.t.url, 'not-a-jwt')).message).toBe('invalid_token');
    const user = await newUser(file.t.tokens);
    const [header, , signature] = user.token.split('.');
    const claims = Buffer.from(JSON.stringify({ sub: randomUUID(), role: 'admin' })).toString('base64url');
    expect((await refusal(file.t.url, `${header}.${claims}.${signature}`)).message).toBe('invalid_token');
  });

  it('refuses an expired token', async () => {
    const user = await newUser(file.t.tokens, 'user', -60);
    expect((await refusal(file.t.url, user.token)).message).toBe('token_expired');
  });

  it('refuses a revoked token', async () => {
    const user = await newUser(file.t.tokens);
    file.t.tokens.revoke(user.sid);
    const error = await refusal(file.t.url, user.token);
    expect(error.message).toBe('token_revoked');
    expect(error.data).toEqual({ code: 'token_revoked', message: 'The access token has been revoked' });
  });
});

describe('the admin room', () => {
  it("sends every user's security alerts to admins who joined, and refuses a plain user", async () => {
    const admin = await newUser(file.t.tokens, 'admin');
    const watcher = await client(admin.token);
    expect(await request(watcher, 'join-admin')).toEqual({ ok: true });
    const plain = await newUser(file.t.tokens);
    const intruder = await client(plain.token);
    expect(await request(intruder, 'join-admin')).toEqual({ ok: false, error: 'forbidden' });

    const victim = await newUser(file.t.tokens);
    const victimSocket = await client(victim.token);
    const toAdmin = nextMessage(watcher, 'security.alert');
    const toVictim = nextMessage(victimSocket, 'security.alert');
    await file.t.publish('security.alert', victim.id, alert());
    expect(await toAdmin).toMatchObject({ type: 'security.alert', userId: victim.id });
    expect(await toVictim).toMatchObject({ type: 'security.alert', userId: victim.id });

    // An alert about no user (a failed sign-in for an unknown address) reaches admins only.
    const anonymous = nextMessage(watcher, 'security.alert');
    await file.t.publish('security.alert', null, alert());
    expect(await anonymous).toMatchObject({ userId: null });

    await sentinel(plain, intruder);
    expect(intruder.received.map((m) => m.name)).toEqual(['goal.progressed']);
    // An admin's own alert comes once, though the socket is in both rooms.
    await file.t.publish('security.alert', admin.id, alert());
    await sentinel(admin, watcher);
    expect(watcher.received.filter((m) => m.name === 'security.alert')).toHaveLength(3);

    expect(await request(watcher, 'leave-admin')).toEqual({ ok: true });
    await file.t.publish('security.alert', victim.id, alert());
    await sentinel(admin, watcher);
    expect(watcher.received.filter((m) => m.name === 'security.alert')).toHaveLength(3);
  });

  it('checks the token again on joining: a revoked admin is disconnected, not let in', async () => {
    const admin = await newUser(file.t.tokens, 'admin');
    const socket = await client(admin.token);
    const gone = disconnection(socket);
    file.t.tokens.revoke(admin.sid);
    const ack = request(socket, 'join-admin').catch((error: unknown) => error);
    expect(await gone).toBe('io server disconnect');
    expect(await ack).toBeInstanceOf(Error);
  });
});

describe('the HTTP side', () => {
  it('shares its port with the HTTP API', async () => {
    const response = await fetch(`${file.t.url}/health`);
    expect(response.status).toBe(200);
  });

  it('answers cross-origin long-polling only for CORS_ORIGINS', async () => {
    const handshake = (origin: string) => fetch(`${file.t.url}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    const allowed = await handshake('https://app.example.com');
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await handshake('https://evil.example.net');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
