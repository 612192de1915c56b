import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, sampleTransactionCreated, type TestUser } from '@expensio/common/testing';
import { startWebhookDelivery } from '../../src/index.js';
import { createTestRealtime, TEST_WEBHOOK_SETTINGS, type TestRealtime } from './helpers.js';
import { startReceiver, type Receiver } from './receiver.js';

let t: TestRealtime;
const receivers: Receiver[] = [];

beforeAll(async () => {
  t = await createTestRealtime();
});

// Each test starts with no endpoint: an all-users endpoint or a pending retry left behind would
// take part in the next test's deliveries.
afterEach(async () => {
  await t.ctx.db.deleteFrom('webhook_endpoints').execute();
});

afterAll(async () => {
  for (const receiver of receivers) await receiver.close();
  await t.close();
});

async function receiver(): Promise<Receiver> {
  const r = await startReceiver();
  receivers.push(r);
  return r;
}

/** What a receiver runs (the README's snippet): recompute the HMAC, compare in constant time, bound the age. */
function verifySignature(header: string | string[] | undefined, secret: string, body: string, nowSeconds: number): boolean {
  const fields = new Map(
    String(header)
      .split(',')
      .map((part) => part.split('=', 2) as [string, string]),
  );
  const timestamp = fields.get('t') ?? '';
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return false;
  const expected = createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest();
  const given = Buffer.from(fields.get('v1') ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const nowSeconds = () => Math.floor(t.clock.now().getTime() / 1000);

const spending = () => sampleTransactionCreated();

async function createWebhook(user: TestUser, body: Record<string, unknown>) {
  const response = await call(t, user, 'POST', '/api/webhooks', body);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string; secret: string; url: string }>();
}

async function deliveries(user: TestUser, webhookId: string) {
  const response = await call(t, user, 'GET', `/api/webhooks/${webhookId}/deliveries`);
  expect(response.statusCode, response.body).toBe(200);
  return response.json<{ items: Record<string, unknown>[]; nextCursor: string | null }>().items;
}

async function endpointRows(userId: string) {
  return t.ctx.db.selectFrom('webhook_endpoints').select(['id', 'secret']).where('user_id', '=', userId).execute();
}

/** Runs worker passes, moving the clock past the longest back-off between them. */
async function deliverUntilSettled(passes: number) {
  for (let i = 0; i < passes; i += 1) {
    await t.deliver();
    t.clock.advance(TEST_WEBHOOK_SETTINGS.retryMaxMs * 2);
  }
}

describe('webhook endpoints', () => {
  it('creates an endpoint, showing its secret once and never in a read', async () => {
    const user = await newUser(t);
    const created = await createWebhook(user, {
      url: 'http://127.0.0.1:9/hooks',
      events: ['transaction.created', 'transaction.created', 'goal.completed'],
      description: 'ledger sync',
    });
    expect(created).toMatchObject({
      url: 'http://127.0.0.1:9/hooks',
      events: ['transaction.created', 'goal.completed'],
      scope: 'own',
      enabled: true,
      description: 'ledger sync',
      consecutiveFailures: 0,
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);

    const one = await call(t, user, 'GET', `/api/webhooks/${created.id}`);
    expect(one.statusCode).toBe(200);
    expect(one.json()).not.toHaveProperty('secret');
    const list = await call(t, user, 'GET', '/api/webhooks');
    expect(list.json()).toEqual({ items: [expect.objectContaining({ id: created.id })], nextCursor: null });
    expect(list.body).not.toContain(created.secret);
  });

  it('pages the list newest first with nextCursor', async () => {
    const user = await newUser(t);
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) ids.push((await createWebhook(user, { url: `http://127.0.0.1:9/${String(i)}`, events: ['goal.completed'] })).id);
    const first = (await call(t, user, 'GET', '/api/webhooks?limit=2')).json<{ items: { id: string }[]; nextCursor: string }>();
    expect(first.items.map((w) => w.id)).toEqual([ids[2], ids[1]]);
    const second = (await call(t, user, 'GET', `/api/webhooks?limit=2&cursor=${first.nextCursor}`)).json<{
      items: { id: string }[];
      nextCursor: string | null;
    }>();
    expect(second).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
  });

  it.each([
    ['no url', { events: ['goal.completed'] }, 'url'],
    ['an unknown event type', { url: 'http://127.0.0.1:9/', events: ['goal.completed', 'money.printed'] }, 'events.1'],
    ['no events', { url: 'http://127.0.0.1:9/', events: [] }, 'events'],
    ['not a URL', { url: 'hooks here', events: ['goal.completed'] }, 'url'],
    ['a non-http scheme', { url: 'ftp://127.0.0.1/', events: ['goal.completed'] }, 'url'],
    ['credentials in the URL', { url: 'http://me:pw@127.0.0.1:9/', events: ['goal.completed'] }, 'url'],
    ['an unknown scope', { url: 'http://127.0.0.1:9/', events: ['goal.completed'], scope: 'everyone' }, 'scope'],
    ['an unknown field', { url: 'http://127.0.0.1:9/', events: ['goal.completed'], secret: 'mine' }, ''],
  ])('refuses %s with 400 naming the field, writing nothing', async (_name, body, field) => {
    const user = await newUser(t);
    const response = await call(t, user, 'POST', '/api/webhooks', body);
    expect(response.statusCode, response.body).toBe(400);
    const errors = response.json<{ errors: { field: string }[] }>().errors;
    if (field !== '') expect(errors.map((e) => e.field)).toContain(field);
    expect(await endpointRows(user.id)).toEqual([]);
  });

  it('lets only admins create an all-users endpoint (403 otherwise, nothing written)', async () => {
    const user = await newUser(t);
    const refused = await call(t, user, 'POST', '/api/webhooks', { url: 'http://127.0.0.1:9/', events: ['goal.completed'], scope: 'all' });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'admin_only' });
    expect(await endpointRows(user.id)).toEqual([]);
    const admin = await newUser(t, { role: 'admin' });
    expect(await createWebhook(admin, { url: 'http://127.0.0.1:9/', events: ['goal.completed'], scope: 'all' })).toMatchObject({ scope: 'all' });
  });

  it("answers 404 for another user's endpoint on every route, and changes nothing", async () => {
    const owner = await newUser(t);
    const other = await newUser(t, { role: 'admin' });
    const { id } = await createWebhook(owner, { url: 'http://127.0.0.1:9/', events: ['goal.completed'] });
    const deliveryId = randomUUID();
    for (const [method, url, body] of [
      ['GET', `/api/webhooks/${id}`, undefined],
      ['PATCH', `/api/webhooks/${id}`, { enabled: false }],
      ['DELETE', `/api/webhooks/${id}`, undefined],
      ['POST', `/api/webhooks/${id}/rotate-secret`, undefined],
      ['GET', `/api/webhooks/${id}/deliveries`, undefined],
      ['POST', `/api/webhooks/${id}/deliveries/${deliveryId}/resend`, undefined],
    ] as const) {
      const response = await call(t, other, method, url, body);
      expect(response.statusCode, `${method} ${url}`).toBe(404);
    }
    expect((await call(t, owner, 'GET', `/api/webhooks/${id}`)).json()).toMatchObject({ enabled: true });
    expect((await call(t, other, 'GET', '/api/webhooks')).json()).toEqual({ items: [], nextCursor: null });
  });

  it('changes url, events and description, refuses an empty or bad patch, and deletes', async () => {
    const user = await newUser(t);
    const { id } = await createWebhook(user, { url: 'http://127.0.0.1:9/', events: ['goal.completed'] });
    const patched = await call(t, user, 'PATCH', `/api/webhooks/${id}`, { url: 'http://localhost:9/new', events: ['goal.progressed'], description: null });
    expect(patched.json()).toMatchObject({ url: 'http://localhost:9/new', events: ['goal.progressed'], description: null });
    expect((await call(t, user, 'PATCH', `/api/webhooks/${id}`, {})).statusCode).toBe(400);
    const bad = await call(t, user, 'PATCH', `/api/webhooks/${id}`, { url: 'gopher://x', events: ['goal.completed'] });
    expect(bad.statusCode).toBe(400);
    expect((await call(t, user, 'GET', `/api/webhooks/${id}`)).json()).toMatchObject({ url: 'http://localhost:9/new', events: ['goal.progressed'] });
    expect((await call(t, user, 'DELETE', `/api/webhooks/${id}`)).statusCode).toBe(204);
    expect((await call(t, user, 'GET', `/api/webhooks/${id}`)).statusCode).toBe(404);
  });

  it('applies the production URL rules: https only, no private targets (400 naming url)', async () => {
    const saved = { ...t.ctx.webhooks };
    const lookups: Record<string, string> = { 'hooks.example.com': '93.184.216.34', 'rebind.example.com': '10.0.0.7', 'v6.example.com': 'fd00::1' };
    Object.assign(t.ctx.webhooks, {
      allowPrivateUrls: false,
      lookup: async (host: string) => {
        const address = lookups[host];
        if (address === undefined) throw new Error('ENOTFOUND');
        return [{ address, family: address.includes(':') ? 6 : 4 }];
      },
    });
    try {
      const user = await newUser(t);
      for (const url of [
        'http://hooks.example.com/',
        'https://127.0.0.1/',
        'https://[::1]/',
        'https://[::ffff:169.254.169.254]/',
        'https://rebind.example.com/',
        'https://v6.example.com/',
        'https://nowhere.example.com/',
      ]) {
        const response = await call(t, user, 'POST', '/api/webhooks', { url, events: ['goal.completed'] });
        expect(response.statusCode, url).toBe(400);
        expect(response.json<{ errors: { field: string }[] }>().errors[0]?.field).toBe('url');
      }
      expect(await endpointRows(user.id)).toEqual([]);
      expect(await createWebhook(user, { url: 'https://hooks.example.com/in', events: ['goal.completed'] })).toMatchObject({
        url: 'https://hooks.example.com/in',
      });
    } finally {
      Object.assign(t.ctx.webhooks, saved);
    }
  });

  it('seals secrets at rest when a key is configured, and still signs with the plain secret', async () => {
    const r = await receiver();
    const saved = t.ctx.webhooks.secretKey;
    t.ctx.webhooks.secretKey = Buffer.alloc(32, 7);
    try {
      const user = await newUser(t);
      const { id, secret } = await createWebhook(user, { url: r.url, events: ['transaction.created'] });
      const [row] = await endpointRows(user.id);
      expect(row?.secret).toMatch(/^sealed\.v1\./);
      expect(row?.secret).not.toContain(secret);
      await t.publish('transaction.created', user.id, spending());
      await t.settle();
      await t.deliver();
      const [request] = r.requests;
      expect(verifySignature(request?.headers['expensio-signature'], secret, request?.body ?? '', nowSeconds())).toBe(true);
      expect(await deliveries(user, id)).toEqual([expect.objectContaining({ status: 'succeeded' })]);
    } finally {
      t.ctx.webhooks.secretKey = saved;
    }
  });
});

describe('webhook delivery', () => {
  it('POSTs the signed envelope, from the outbox, never inside the request that caused it', async () => {
    const r = await receiver();
    const user = await newUser(t);
    const { id, secret } = await createWebhook(user, { url: r.url, events: ['transaction.created'] });
    const envelope = await t.publish('transaction.created', user.id, spending());
    await t.publish('goal.completed', user.id, {
      goalId: randomUUID(),
      name: 'Bike',
      saved: '5.00',
      target: '5.00',
      currency: 'EUR',
      completedAt: '2026-03-15T12:00:00.000Z',
    });
    await t.settle();
    // Committed and consumed: the delivery waits for the worker, not the other way round.
    expect(r.requests).toEqual([]);
    expect(await deliveries(user, id)).toEqual([
      expect.objectContaining({ status: 'pending', attempts: 0, eventId: envelope.id, eventType: 'transaction.created' }),
    ]);

    expect(await t.deliver()).toEqual({ attempted: 1, succeeded: 1, retrying: 0, failed: 0 });
    expect(r.requests).toHaveLength(1);
    const [request] = r.requests;
    if (!request) throw new Error('no request');
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hooks');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers['expensio-event-id']).toBe(envelope.id);
    expect(request.headers['expensio-event-type']).toBe('transaction.created');
    expect(JSON.parse(request.body)).toEqual(JSON.parse(JSON.stringify(envelope)));
    expect(request.headers['expensio-signature']).toMatch(new RegExp(`^t=${String(nowSeconds())},v1=[0-9a-f]{64}$`));
    expect(verifySignature(request.headers['expensio-signature'], secret, request.body, nowSeconds())).toBe(true);
    expect(verifySignature(request.headers['expensio-signature'], 'whsec_wrong', request.body, nowSeconds())).toBe(false);
    expect(verifySignature(request.headers['expensio-signature'], secret, request.body.replace('12.34', '99.99'), nowSeconds())).toBe(false);
    // Outside the replay window the same request is refused.
    expect(verifySignature(request.headers['expensio-signature'], secret, request.body, nowSeconds() + 301)).toBe(false);

    const [delivery] = await deliveries(user, id);
    expect(delivery).toMatchObject({
      id: request.headers['expensio-delivery-id'],
      status: 'succeeded',
      attempts: 1,
      responseStatus: 200,
      lastError: null,
      nextAttemptAt: null,
    });
    expect(delivery?.completedAt).toBe(t.clock.now().toISOString());
    expect(await t.deliver()).toEqual({ attempted: 0, succeeded: 0, retrying: 0, failed: 0 });
  });

  it('retries after a 500 with back-off; the log shows both attempts and the first error', async () => {
    const r = await receiver();
    r.answer(500);
    const user = await newUser(t);
    const { id, secret } = await createWebhook(user, { url: r.url, events: ['transaction.created'] });
    await t.publish('transaction.created', user.id, spending());
    await t.settle();

    expect(await t.deliver()).toMatchObject({ attempted: 1, retrying: 1 });
    const [first] = await deliveries(user, id);
    expect(first).toMatchObject({ status: 'pending', attempts: 1, responseStatus: 500, lastError: 'HTTP 500 Internal Server Error' });
    const due = Date.parse(String(first?.nextAttemptAt)) - t.clock.now().getTime();
    // The first back-off is the base, ±20% jitter.
    expect(due).toBeGreaterThanOrEqual(TEST_WEBHOOK_SETTINGS.retryBaseMs * 0.8);
    expect(due).toBeLessThanOrEqual(TEST_WEBHOOK_SETTINGS.retryBaseMs * 1.2);
    // Not due yet: nothing is attempted.
    expect(await t.deliver()).toMatchObject({ attempted: 0 });

    t.clock.advance(TEST_WEBHOOK_SETTINGS.retryBaseMs * 2);
    expect(await t.deliver()).toMatchObject({ attempted: 1, succeeded: 1 });
    expect(await deliveries(user, id)).toEqual([
      expect.objectContaining({ status: 'succeeded', attempts: 2, responseStatus: 200, lastError: 'HTTP 500 Internal Server Error', nextAttemptAt: null }),
    ]);
    expect(r.requests).toHaveLength(2);
    const [a, b] = r.requests;
    expect(b?.body).toBe(a?.body);
    expect(b?.headers['expensio-delivery-id']).toBe(a?.headers['expensio-delivery-id']);
    expect([a?.headers['expensio-delivery-attempt'], b?.headers['expensio-delivery-attempt']]).toEqual(['1', '2']);
    // Each attempt is signed when it is sent, so the retry is inside the replay window.
    expect(verifySignature(b?.headers['expensio-signature'], secret, b?.body ?? '', nowSeconds())).toBe(true);
  });

  it('keeps a refusing receiver\'s body out of the delivery log, and says only "connection failed" when nothing answers', async () => {
    const r = await receiver();
    r.answer(503);
    const user = await newUser(t);
    const { id } = await createWebhook(user, { url: r.url, events: ['transaction.created'] });
    const closed = await receiver();
    await closed.close();
    const { id: scanned } = await createWebhook(user, { url: closed.url, events: ['transaction.created'] });
    await t.publish('transaction.created', user.id, spending());
    await t.settle();
    expect(await t.deliver()).toMatchObject({ attempted: 2, retrying: 2 });
    const [answered] = await deliveries(user, id);
    expect(answered).toMatchObject({ responseStatus: 503, lastError: 'HTTP 503 Service Unavailable' });
    expect(JSON.stringify(answered)).not.toContain('receiver says');
    // Refused, reset and unreachable read alike: the log is no port scanner.
    expect((await deliveries(user, scanned))[0]).toMatchObject({ responseStatus: null, lastError: 'connection failed' });
  });

  it('attempts nothing to a private target once private targets are no longer allowed', async () => {
    const r = await receiver();
    const user = await newUser(t);
    const { id } = await createWebhook(user, { url: r.url, events: ['transaction.created'] });
    await t.publish('transaction.created', user.id, spending());
    await t.settle();
    t.ctx.webhooks.allowPrivateUrls = false;
    try {
      await t.deliver();
    } finally {
      t.ctx.webhooks.allowPrivateUrls = true;
    }
    expect(r.requests).toEqual([]);
    expect((await deliveries(user, id))[0]).toMatchObject({ status: 'pending', responseStatus: null, lastError: 'url must use https' });
  });

  it('fails a delivery on a redirect or a timeout, without following or waiting forever', async () => {
    const target = await receiver();
    const r = await receiver();
    r.answer({ redirect: target.url }, 'hang');
    const saved = t.ctx.webhooks.timeoutMs;
    t.ctx.webhooks.timeoutMs = 200;
    try {
      const user = await newUser(t);
      const { id } = await createWebhook(user, { url: r.url, events: ['transaction.created'] });
      await t.publish('transaction.created', user.id, spending());
      await t.settle();
      await t.deliver();
      expect((await deliveries(user, id))[0]).toMatchObject({
        status: 'pending',
        responseStatus: 302,
        lastError: expect.stringContaining('redirects are not followed'),
      });
      t.clock.advance(TEST_WEBHOOK_SETTINGS.retryMaxMs);
      await t.deliver();
      expect((await deliveries(user, id))[0]).toMatchObject({ status: 'pending', attempts: 2, responseStatus: null, lastError: 'timed out after 200 ms' });
      expect(target.requests).toEqual([]);
    } finally {
      t.ctx.webhooks.timeoutMs = saved;
    }
  });

  it("sends a user's events to that user's endpoints only, and an admin's all-users endpoint gets every user's", async () => {
    const [ra, rb, radmin] = [await receiver(), await receiver(), await receiver()];
    const [a, b, admin] = [await newUser(t), await newUser(t), await newUser(t, { role: 'admin' })];
    await createWebhook(a, { url: ra.url, events: ['transaction.created'] });
    await createWebhook(b, { url: rb.url, events: ['transaction.created'] });
    await createWebhook(admin, { url: radmin.url, events: ['transaction.created', 'auth.login.failed'], scope: 'all' });
    const fromA = await t.publish('transaction.created', a.id, spending());
    const fromB = await t.publish('transaction.created', b.id, spending());
    const anonymous = await t.publish('auth.login.failed', null, { email: 'who@example.com', reason: 'unknown_email', ip: null, userAgent: null });
    await t.settle();
    await t.deliver();
    const ids = (r: Receiver) => r.requests.map((q) => q.headers['expensio-event-id']).sort();
    expect(ids(ra)).toEqual([fromA.id]);
    expect(ids(rb)).toEqual([fromB.id]);
    expect(ids(radmin)).toEqual([fromA.id, fromB.id, anonymous.id].sort());
  });

  it('disables an endpoint whose deliveries keep failing, tells the owner through webhook.disabled, and resends once re-enabled', async () => {
    const r = await receiver();
    r.answer(...new Array<number>(2 * TEST_WEBHOOK_SETTINGS.maxAttempts).fill(503));
    const user = await newUser(t);
    const { id, url } = await createWebhook(user, { url: r.url, events: ['transaction.created'] });
    await t.publish('transaction.created', user.id, spending());
    await t.publish('transaction.created', user.id, spending());
    await t.settle();
    await deliverUntilSettled(TEST_WEBHOOK_SETTINGS.maxAttempts);

    const log = await deliveries(user, id);
    expect(log).toEqual([
      expect.objectContaining({ status: 'failed', attempts: TEST_WEBHOOK_SETTINGS.maxAttempts, responseStatus: 503 }),
      expect.objectContaining({ status: 'failed', attempts: TEST_WEBHOOK_SETTINGS.maxAttempts, responseStatus: 503 }),
    ]);
    expect((await call(t, user, 'GET', `/api/webhooks/${id}`)).json()).toMatchObject({
      enabled: false,
      disabledReason: 'delivery_failures',
      consecutiveFailures: 2,
    });
    const told = await t.ctx.db.selectFrom('outbox').select(['user_id', 'payload']).where('type', '=', 'webhook.disabled').execute();
    expect(told.filter((row) => row.user_id === user.id).map((row) => row.payload)).toEqual([{ webhookId: id, url, reason: 'delivery_failures', failures: 2 }]);

    // Disabled: new events are not queued for it, and nothing can be resent.
    await t.publish('transaction.created', user.id, spending());
    await t.settle();
    expect(await deliveries(user, id)).toHaveLength(2);
    const failedId = String(log[1]?.id);
    expect((await call(t, user, 'POST', `/api/webhooks/${id}/deliveries/${failedId}/resend`)).statusCode).toBe(409);

    const enabled = await call(t, user, 'PATCH', `/api/webhooks/${id}`, { enabled: true });
    expect(enabled.json()).toMatchObject({ enabled: true, disabledReason: null, consecutiveFailures: 0 });
    const resent = await call(t, user, 'POST', `/api/webhooks/${id}/deliveries/${failedId}/resend`);
    expect(resent.statusCode, resent.body).toBe(202);
    expect(resent.json()).toMatchObject({ status: 'pending', attempts: 0, resendOf: failedId, eventId: log[1]?.eventId });
    const requestsBefore = r.requests.length;
    expect(await t.deliver()).toMatchObject({ attempted: 1, succeeded: 1 });
    const last = r.requests.at(-1);
    expect(r.requests).toHaveLength(requestsBefore + 1);
    expect(last?.headers['expensio-event-id']).toBe(log[1]?.eventId);
    expect(last?.headers['expensio-delivery-id']).toBe(resent.json<{ id: string }>().id);
    expect(last?.body).toBe(r.requests.find((q) => q.headers['expensio-event-id'] === log[1]?.eventId)?.body);
    expect(await deliveries(user, id)).toEqual([expect.objectContaining({ id: resent.json<{ id: string }>().id, status: 'succeeded' }), log[0], log[1]]);
  });

  it("is verified by the README's snippet, as written", async () => {
    const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
    const snippet = /```js\n([\s\S]*?verifyExpensioSignature[\s\S]*?)```/.exec(readme)?.[1];
    if (snippet === undefined) throw new Error('the README has no verification snippet');
    const dir = mkdtempSync(path.join(tmpdir(), 'expensio-readme-'));
    const file = path.join(dir, 'verify.mjs');
    writeFileSync(file, snippet);
    const { verifyExpensioSignature } = (await import(pathToFileURL(file).href)) as {
      verifyExpensioSignature: (header: unknown, rawBody: Buffer | string, secret: string, toleranceSeconds?: number) => boolean;
    };
    rmSync(dir, { recursive: true, force: true });
    // The snippet reads the real time.
    t.clock.set(new Date());
    const r = await receiver();
    const user = await newUser(t);
    const { secret } = await createWebhook(user, { url: r.url, events: ['transaction.created'] });
    await t.publish('transaction.created', user.id, spending());
    await t.settle();
    await t.deliver();
    const [request] = r.requests;
    if (!request) throw new Error('no request');
    expect(verifyExpensioSignature(request.headers['expensio-signature'], Buffer.from(request.body), secret)).toBe(true);
    expect(verifyExpensioSignature(request.headers['expensio-signature'], request.body, secret)).toBe(true);
    expect(verifyExpensioSignature(request.headers['expensio-signature'], `${request.body} `, secret)).toBe(false);
    expect(verifyExpensioSignature(request.headers['expensio-signature'], request.body, `${secret}x`)).toBe(false);
    expect(verifyExpensioSignature(request.headers['expensio-signature'], request.body, secret, -1)).toBe(false);
  });

  it('refuses to resend a pending delivery, and cancels pending deliveries when the owner disables the endpoint', async () => {
    const r = await receiver();
    r.answer(500);
    const user = await newUser(t);
    const { id } = await createWebhook(user, { url: r.url, events: ['transaction.created'] });
    await t.publish('transaction.created', user.id, spending());
    await t.settle();
    await t.deliver();
    const [pending] = await deliveries(user, id);
    const resend = await call(t, user, 'POST', `/api/webhooks/${id}/deliveries/${String(pending?.id)}/resend`);
    expect(resend.statusCode).toBe(409);
    expect(resend.json()).toMatchObject({ code: 'delivery_pending' });
    expect((await call(t, user, 'POST', `/api/webhooks/${id}/deliveries/${randomUUID()}/resend`)).statusCode).toBe(404);

    expect((await call(t, user, 'PATCH', `/api/webhooks/${id}`, { enabled: false })).json()).toMatchObject({ enabled: false, disabledReason: 'owner' });
    expect(await deliveries(user, id)).toEqual([
      expect.objectContaining({ status: 'cancelled', attempts: 1, lastError: 'cancelled: the endpoint was disabled' }),
    ]);
    t.clock.advance(TEST_WEBHOOK_SETTINGS.retryMaxMs);
    expect(await t.deliver()).toMatchObject({ attempted: 0 });
    // The owner switching it off is no news to the owner.
    const told = await t.ctx.db.selectFrom('outbox').select('payload').where('type', '=', 'webhook.disabled').where('user_id', '=', user.id).execute();
    expect(told).toEqual([]);
    const filtered = await call(t, user, 'GET', `/api/webhooks/${id}/deliveries?status=succeeded`);
    expect(filtered.json()).toEqual({ items: [], nextCursor: null });
  });

  it('signs with the rotated secret from the next attempt on', async () => {
    const r = await receiver();
    const user = await newUser(t);
    const { id, secret: old } = await createWebhook(user, { url: r.url, events: ['transaction.created'] });
    const rotated = await call(t, user, 'POST', `/api/webhooks/${id}/rotate-secret`);
    expect(rotated.statusCode).toBe(200);
    const { secret } = rotated.json<{ secret: string }>();
    expect(secret).not.toBe(old);
    await t.publish('transaction.created', user.id, spending());
    await t.settle();
    await t.deliver();
    const [request] = r.requests;
    expect(verifySignature(request?.headers['expensio-signature'], secret, request?.body ?? '', nowSeconds())).toBe(true);
    expect(verifySignature(request?.headers['expensio-signature'], old, request?.body ?? '', nowSeconds())).toBe(false);
  });

  it("follows the owners: a deleted user's endpoints go, a demoted admin's all-users endpoint is disabled", async () => {
    const user = await newUser(t);
    const admin = await newUser(t, { role: 'admin' });
    await createWebhook(user, { url: 'http://127.0.0.1:9/', events: ['goal.completed'] });
    const own = await createWebhook(admin, { url: 'http://127.0.0.1:9/own', events: ['goal.completed'] });
    const all = await createWebhook(admin, { url: 'http://127.0.0.1:9/all', events: ['goal.completed'], scope: 'all' });
    await t.publish('user.deleted', user.id, { reason: 'user_request' });
    await t.publish('user.updated', admin.id, { changed: ['role'], email: 'former@example.com', name: null, role: 'user' });
    await t.settle();
    expect(await endpointRows(user.id)).toEqual([]);
    expect((await call(t, admin, 'GET', `/api/webhooks/${all.id}`)).json()).toMatchObject({ enabled: false, disabledReason: 'owner_not_admin' });
    expect((await call(t, admin, 'GET', `/api/webhooks/${own.id}`)).json()).toMatchObject({ enabled: true });
    const told = await t.ctx.db.selectFrom('outbox').select('payload').where('type', '=', 'webhook.disabled').where('user_id', '=', admin.id).execute();
    expect(told.map((row) => row.payload)).toEqual([{ webhookId: all.id, url: 'http://127.0.0.1:9/all', reason: 'owner_not_admin', failures: 0 }]);
  });

  it('runs as a worker the runtime starts and stops', async () => {
    const r = await receiver();
    const user = await newUser(t);
    await createWebhook(user, { url: r.url, events: ['transaction.created'] });
    const stop = startWebhookDelivery(t.ctx, { pollIntervalMs: 20 });
    try {
      const envelope = await t.publish('transaction.created', user.id, spending());
      await expect.poll(() => r.requests.map((q) => q.headers['expensio-event-id']), { timeout: 25_000, interval: 20 }).toEqual([envelope.id]);
    } finally {
      await stop();
    }
  });
});
