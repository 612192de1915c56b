import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});

const MOODS = '/api/transaction-moods';
const OTHER_ID = '0190a000-0000-7000-8000-000000000000';

async function spend(user: TestUser, body: Record<string, unknown> = {}) {
  const response = await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '1.00', ...body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

async function attach(user: TestUser, transactionId: string, body: Record<string, unknown>) {
  const response = await call(t, user, 'POST', MOODS, { transactionId, ...body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json();
}

describe('/api/transaction-moods', () => {
  it('attaches, reads, changes, lists and removes a mood', async () => {
    const user = await newUser(t);
    const tx = await spend(user);
    const mood = await attach(user, tx.id, { mood: 'regretful', intensity: 4, triggers: ['impulse', 'boredom', 'impulse'], note: 'Did not need it' });
    expect(mood).toMatchObject({ transactionId: tx.id, mood: 'regretful', intensity: 4, triggers: ['impulse', 'boredom'], note: 'Did not need it' });
    expect((await call(t, user, 'GET', `${MOODS}/${mood.id}`)).json()).toEqual(mood);

    const changed = await call(t, user, 'PATCH', `${MOODS}/${mood.id}`, { mood: 'anxious', note: null });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ mood: 'anxious', intensity: 4, triggers: ['impulse', 'boredom'], note: null });

    const defaults = await attach(user, (await spend(user)).id, { mood: 'happy' });
    expect(defaults).toMatchObject({ intensity: 3, triggers: [], note: null });
    const third = await attach(user, (await spend(user)).id, { mood: 'happy', intensity: 5 });

    const first = (await call(t, user, 'GET', `${MOODS}?limit=2`)).json();
    expect(first.items.map((m: { id: string }) => m.id)).toEqual([third.id, defaults.id]);
    const second = (await call(t, user, 'GET', `${MOODS}?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second).toMatchObject({ items: [{ id: mood.id }], nextCursor: null });
    expect((await call(t, user, 'GET', `${MOODS}?mood=happy`)).json().items).toHaveLength(2);
    expect((await call(t, user, 'GET', `${MOODS}?transactionId=${tx.id}`)).json().items.map((m: { id: string }) => m.id)).toEqual([mood.id]);

    expect((await call(t, user, 'DELETE', `${MOODS}/${mood.id}`)).statusCode).toBe(204);
    expect((await call(t, user, 'GET', `${MOODS}/${mood.id}`)).statusCode).toBe(404);
    expect((await call(t, user, 'GET', `/api/transactions/${tx.id}`)).statusCode).toBe(200);
  });

  it('keeps one mood per transaction: a second POST is 409, even two at once; PUT sets or replaces it', async () => {
    const user = await newUser(t);
    const tx = await spend(user);
    const racing = await Promise.all([
      call(t, user, 'POST', MOODS, { transactionId: tx.id, mood: 'happy' }),
      call(t, user, 'POST', MOODS, { transactionId: tx.id, mood: 'sad' }),
    ]);
    expect(racing.map((r) => r.statusCode).sort()).toEqual([201, 409]);
    expect(racing.find((r) => r.statusCode === 409)?.json()).toMatchObject({ code: 'mood_exists' });

    const replaced = await call(t, user, 'PUT', `${MOODS}/by-transaction/${tx.id}`, { mood: 'excited', intensity: 2, triggers: ['reward'] });
    expect(replaced.statusCode).toBe(200);
    expect(replaced.json()).toMatchObject({ transactionId: tx.id, mood: 'excited', intensity: 2, triggers: ['reward'], note: null });
    expect((await call(t, user, 'GET', MOODS)).json().items).toHaveLength(1);

    const other = await spend(user);
    const created = await call(t, user, 'PUT', `${MOODS}/by-transaction/${other.id}`, { mood: 'bored', note: 'Rainy Sunday' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ transactionId: other.id, mood: 'bored', intensity: 3, note: 'Rainy Sunday' });
  });

  it('refuses bad input with 400 naming the fields, and writes nothing', async () => {
    const user = await newUser(t);
    const tx = await spend(user);
    const bad = await call(t, user, 'POST', MOODS, { transactionId: 'abc', mood: 'angry', intensity: 6, triggers: ['greed'], extra: 1 });
    expect(bad.statusCode).toBe(400);
    const text = JSON.stringify(bad.json().errors);
    for (const field of ['transactionId', 'mood', 'intensity', 'triggers', 'extra']) expect(text).toContain(field);
    expect((await call(t, user, 'POST', MOODS, { transactionId: tx.id, mood: 'happy', intensity: 2.5 })).statusCode).toBe(400);
    expect((await call(t, user, 'PUT', `${MOODS}/by-transaction/${tx.id}`, { intensity: 2 })).statusCode).toBe(400);
    expect((await call(t, user, 'GET', MOODS)).json().items).toHaveLength(0);

    const mood = await attach(user, tx.id, { mood: 'neutral' });
    expect((await call(t, user, 'PATCH', `${MOODS}/${mood.id}`, {})).statusCode).toBe(400);
    const badPatch = await call(t, user, 'PATCH', `${MOODS}/${mood.id}`, { intensity: 0 });
    expect(badPatch.statusCode).toBe(400);
    expect(badPatch.json().errors[0]).toMatchObject({ field: 'intensity' });
    expect((await call(t, user, 'GET', `${MOODS}/${mood.id}`)).json()).toEqual(mood);
    expect((await call(t, user, 'GET', `${MOODS}?mood=furious`)).statusCode).toBe(400);
    expect((await call(t, user, 'GET', `${MOODS}/insights?from=yesterday`)).statusCode).toBe(400);
  });

  it('another user’s transaction or mood is 404', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const tx = await spend(alice);
    const mood = await attach(alice, tx.id, { mood: 'happy' });
    expect((await call(t, bob, 'POST', MOODS, { transactionId: tx.id, mood: 'sad' })).statusCode).toBe(404);
    expect((await call(t, bob, 'PUT', `${MOODS}/by-transaction/${tx.id}`, { mood: 'sad' })).statusCode).toBe(404);
    expect((await call(t, bob, 'POST', MOODS, { transactionId: OTHER_ID, mood: 'sad' })).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', `${MOODS}/${mood.id}`)).statusCode).toBe(404);
    expect((await call(t, bob, 'PATCH', `${MOODS}/${mood.id}`, { mood: 'sad' })).statusCode).toBe(404);
    expect((await call(t, bob, 'DELETE', `${MOODS}/${mood.id}`)).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', MOODS)).json().items).toHaveLength(0);
    expect((await call(t, bob, 'GET', `${MOODS}?transactionId=${tx.id}`)).json().items).toHaveLength(0);
    expect((await call(t, alice, 'GET', `${MOODS}/${mood.id}`)).json()).toEqual(mood);
  });

  it('a mood goes with its transaction', async () => {
    const user = await newUser(t);
    const tx = await spend(user);
    const mood = await attach(user, tx.id, { mood: 'stressed' });
    expect((await call(t, user, 'DELETE', `/api/transactions/${tx.id}`)).statusCode).toBe(204);
    expect((await call(t, user, 'GET', `${MOODS}/${mood.id}`)).statusCode).toBe(404);
  });
});

describe('POST /api/transactions with a mood', () => {
  it('writes the transaction and its mood together, and replays both', async () => {
    const user = await newUser(t);
    const headers = { 'idempotency-key': 'mood-1' };
    const body = {
      type: 'expense',
      amount: '42.00',
      merchant: 'Mall',
      mood: { mood: 'excited', intensity: 5, triggers: ['social_pressure', 'fomo'], note: 'Sale' },
    };
    const created = await call(t, user, 'POST', '/api/transactions', body, headers);
    expect(created.statusCode).toBe(201);
    const tx = created.json();
    expect(tx).toMatchObject({
      amount: '42.00',
      mood: { transactionId: tx.id, mood: 'excited', intensity: 5, triggers: ['social_pressure', 'fomo'], note: 'Sale' },
    });
    const listed = (await call(t, user, 'GET', `${MOODS}?transactionId=${tx.id}`)).json().items;
    expect(listed).toEqual([tx.mood]);
    const replay = await call(t, user, 'POST', '/api/transactions', body, headers);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(tx);
    expect((await call(t, user, 'GET', MOODS)).json().items).toHaveLength(1);
    // Without a mood the answer is as before.
    expect(await spend(user)).not.toHaveProperty('mood');
  });

  it('a bad mood refuses the whole create', async () => {
    const user = await newUser(t);
    const response = await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '5.00', mood: { mood: 'meh', intensity: 9 } });
    expect(response.statusCode).toBe(400);
    const fields = response.json().errors.map((e: { field: string }) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['mood.mood', 'mood.intensity']));
    expect((await call(t, user, 'GET', '/api/transactions')).json().items).toHaveLength(0);
  });
});

describe('GET /api/transaction-moods/insights', () => {
  it('gives per mood and currency the count, exact total and half-up average of the expenses', async () => {
    const user = await newUser(t);
    const yen = (await call(t, user, 'POST', '/api/accounts', { name: 'Yen', type: 'cash', currency: 'JPY' })).json();
    const add = (amount: string, mood: string, extra: Record<string, unknown> = {}) => spend(user, { amount, mood: { mood }, ...extra });
    await add('0.10', 'stressed');
    await add('0.20', 'stressed');
    await add('1.00', 'happy');
    await add('1.00', 'happy');
    await add('1.01', 'happy');
    await add('0.01', 'bored');
    await add('0.02', 'bored');
    await add('5', 'bored', { accountId: yen.id });
    await add('6', 'bored', { accountId: yen.id });
    await add('1000.00', 'happy', { type: 'income' });
    await spend(user, { amount: '99.00' });
    // Another user's moods never count.
    const other = await newUser(t);
    await spend(other, { amount: '500.00', mood: { mood: 'happy' } });

    const response = await call(t, user, 'GET', `${MOODS}/insights`);
    expect(response.statusCode).toBe(200);
    expect(response.json().items).toEqual([
      { mood: 'bored', currency: 'JPY', count: 2, total: '11', average: '6' },
      { mood: 'happy', currency: 'USD', count: 3, total: '3.01', average: '1.00' },
      { mood: 'stressed', currency: 'USD', count: 2, total: '0.30', average: '0.15' },
      { mood: 'bored', currency: 'USD', count: 2, total: '0.03', average: '0.02' },
    ]);
    expect((await call(t, user, 'GET', `${MOODS}/insights?currency=JPY`)).json().items).toEqual([
      { mood: 'bored', currency: 'JPY', count: 2, total: '11', average: '6' },
    ]);
  });

  it('limits to a time range', async () => {
    const user = await newUser(t);
    await spend(user, { amount: '10.00', occurredAt: '2026-01-10T10:00:00Z', mood: { mood: 'sad' } });
    await spend(user, { amount: '20.00', occurredAt: '2026-02-10T10:00:00Z', mood: { mood: 'sad' } });
    const february = (await call(t, user, 'GET', `${MOODS}/insights?from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z`)).json();
    expect(february.items).toEqual([{ mood: 'sad', currency: 'USD', count: 1, total: '20.00', average: '20.00' }]);
    expect((await call(t, user, 'GET', `${MOODS}/insights?to=2026-01-01T00:00:00Z`)).json().items).toEqual([]);
  });
});
