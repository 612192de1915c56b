import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { io as connectSocket, type Socket } from 'socket.io-client';
import { InProcessTransport, type EventEnvelope } from '@expensio/common';
import { buildTestApp, call, newUser, type TestApp, type TestUser } from '@expensio/common/testing';
import { identityService, MemoryMailer } from '@expensio/identity';
import { allServices } from '../src/services.js';

// A flagged transaction, across the services: finance publishes transaction.flagged, identity
// turns it into security.alert and an email, realtime pushes both to the owner's sockets only.

const mailer = new MemoryMailer();
let t: TestApp;
let url: string;
const sockets: Socket[] = [];

beforeAll(async () => {
  t = await buildTestApp(allServices, { transport: new InProcessTransport(), overrides: { mailer } });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.close();
  await t.close();
});

async function listen(user: TestUser): Promise<{ name: string; data: EventEnvelope }[]> {
  const socket = connectSocket(url, { auth: { token: user.token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  const received: { name: string; data: EventEnvelope }[] = [];
  socket.onAny((name: string, data: EventEnvelope) => received.push({ name, data }));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return received;
}

describe('a flagged transaction alerts its owner', () => {
  it("reaches the owner's socket (transaction.flagged and security.alert) and mailbox, and no other user's", async () => {
    const owner = await newUser(t);
    const other = await newUser(t);
    const [ownerHears, otherHears] = [await listen(owner), await listen(other)];

    // Small charges at three sites within a minute: card testing, which needs no history.
    const created = [];
    for (const merchant of ['Site A', 'Site B', 'Site C']) {
      const response = await call(t, owner, 'POST', '/api/transactions', { type: 'expense', amount: '0.99', merchant });
      expect(response.statusCode, response.body).toBe(201);
      created.push(response.json<{ id: string; risk: { flagged: boolean; score: number } }>());
    }
    const flagged = created[2];
    expect(flagged?.risk.flagged).toBe(true);
    await call(t, other, 'POST', '/api/transactions', { type: 'expense', amount: '12.00', merchant: 'Corner Market' });

    await vi.waitFor(
      () => {
        expect(ownerHears.map((m) => m.name)).toEqual(expect.arrayContaining(['transaction.flagged', 'security.alert']));
      },
      { timeout: 20_000, interval: 20 },
    );
    const flag = ownerHears.find((m) => m.name === 'transaction.flagged');
    expect(flag?.data.payload).toMatchObject({ transactionId: flagged?.id, score: flagged?.risk.score, level: 'high', reasons: [{ code: 'card_testing' }] });
    const alert = ownerHears.find((m) => m.name === 'security.alert');
    expect(alert?.data.payload).toMatchObject({ alert: 'transaction.flagged', severity: 'warning', details: { transactionId: flagged?.id } });
    expect((alert?.data.payload as { message: string }).message).toMatch(/^Was this you\? 0\.99 USD at Site C/);

    await t.context(identityService).mail.drain();
    const mail = mailer.sent.filter((m) => m.subject.startsWith('Expensio: was this you?'));
    expect(mail.map((m) => m.to)).toEqual([owner.email]);
    expect(mail[0]?.text).toContain(`/api/transactions/${flagged?.id ?? ''}/review`);

    // The other user's socket works (their own event arrives, after the owner's alerts were sent), yet heard no alert.
    await t.settle();
    await vi.waitFor(
      () => {
        expect(otherHears.map((m) => m.name)).toContain('transaction.created');
      },
      { timeout: 20_000, interval: 20 },
    );
    expect(otherHears.filter((m) => m.name === 'transaction.flagged' || m.name === 'security.alert')).toEqual([]);
  });

  it('follows the owner’s alert settings: live only sends no mail, and the alert is listed', async () => {
    const owner = await newUser(t);
    const current = (await call(t, owner, 'GET', '/api/security/settings')).json();
    const put = await call(t, owner, 'PUT', '/api/security/settings', { ...current, channels: ['live'] });
    expect(put.statusCode, put.body).toBe(200);
    for (const merchant of ['Site D', 'Site E', 'Site F']) {
      expect((await call(t, owner, 'POST', '/api/transactions', { type: 'expense', amount: '0.99', merchant })).statusCode).toBe(201);
    }
    await t.settle();
    await vi.waitFor(
      async () => {
        const alerts = (await call(t, owner, 'GET', '/api/security/alerts')).json();
        expect(JSON.stringify(alerts)).toContain('transaction.flagged');
      },
      { timeout: 20_000, interval: 50 },
    );
    await t.context(identityService).mail.drain();
    expect(mailer.sent.filter((m) => m.to === owner.email && m.subject.startsWith('Expensio: was this you?'))).toEqual([]);
  });
});
