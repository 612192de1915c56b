import type { AddressInfo } from 'node:net';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InProcessTransport } from '@expensio/common';
import { buildTestApp, TEST_IPS, TEST_PASSWORD, type TestApp } from '@expensio/common/testing';
import { identityService, MemoryMailer } from '@expensio/identity';
import { allServices } from '../src/services.js';

const CHROME = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0';

let t: TestApp;
let url: string;
const mailer = new MemoryMailer();
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

async function connect(token: string): Promise<Socket> {
  const socket = io(url, { auth: { token }, transports: ['websocket'], reconnection: false, forceNew: true });
  sockets.push(socket);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => {
      resolve();
    });
    socket.once('connect_error', reject);
  });
  return socket;
}

describe('security alerts from identity', () => {
  it('arrive on the socket and by mail when a new device signs in', async () => {
    const email = 'alerts@example.com';
    const registered = await t.app.inject({
      method: 'POST',
      url: '/api/auth/register',
      payload: { email, password: TEST_PASSWORD },
      remoteAddress: TEST_IPS.US,
      headers: { 'user-agent': CHROME },
    });
    expect(registered.statusCode).toBe(201);
    const socket = await connect(registered.json<{ accessToken: string }>().accessToken);
    const live = new Promise<{ payload: { alert: string; message: string } }>((resolve) => {
      socket.once('security.alert', resolve);
    });

    t.clock.advance(60 * 60_000);
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email, password: TEST_PASSWORD },
      remoteAddress: TEST_IPS.US,
      headers: { 'user-agent': FIREFOX },
    });
    expect(login.statusCode).toBe(200);
    await t.settle();

    const envelope = await live;
    expect(envelope.payload).toMatchObject({ alert: 'login.new_device' });
    expect(envelope.payload.message).toMatch(/Firefox on Linux/);
    await t.context(identityService).mail.drain();
    expect(mailer.lastTo(email)).toMatchObject({ subject: 'Expensio security alert' });
  });
});
