import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEventBus, forSchema, type EventBus, type EventPayload, type EventTables } from '@expensio/common';
import { call, newUser, settleEvents, type TestUser } from '@expensio/common/testing';
import type { Kysely } from 'kysely';
import { runScheduler } from '../src/index.js';
import { parseOccurredAt } from '../src/imports/rows.js';
import { userTimeZone } from '../src/users/time-zone.js';
import { createTestFinance, type TestFinance } from './helpers.js';

// Days, weeks and months are the user's: finance learns each user's zone from identity's events
// and counts periods, date-only inputs and recurring dates in it. No zone heard of means UTC.

// 22:00 on Monday 30 November in New York; already 1 December in UTC.
const NOW = '2026-12-01T03:00:00.000Z';
const NEW_YORK = 'America/New_York';

let t: TestFinance;
let identityDb: Kysely<EventTables>;
let identityBus: EventBus<EventTables>;
let ny: TestUser;
let utc: TestUser;

/** Identity publishes from its own outbox; a bus over identity's schema stands in for it here. */
async function announce<K extends 'user.registered' | 'user.updated'>(type: K, userId: string, payload: EventPayload<K>) {
  await identityDb.transaction().execute((trx) => identityBus.publish(trx, type, userId, payload));
  await settleEvents([identityDb, t.ctx.db]);
}

const registered = (timeZone?: string): EventPayload<'user.registered'> => ({
  email: 'someone@example.com',
  name: null,
  role: 'user',
  ...(timeZone && { timeZone }),
});

beforeAll(async () => {
  t = await createTestFinance({ start: NOW });
  identityDb = forSchema<EventTables>(t.database, 'identity');
  identityBus = createEventBus({ db: identityDb, transport: t.transport, clock: t.clock });
  await identityBus.start();
  [ny, utc] = [await newUser(t), await newUser(t)];
  await announce('user.registered', ny.id, registered(NEW_YORK));
});
afterAll(async () => {
  await identityBus.stop();
  await t.close();
});
afterEach(() => {
  t.clock.set(NOW);
});

async function ok(user: TestUser, method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) {
  const response = await call(t, user, method, url, body);
  expect(response.statusCode, response.body).toBe(method === 'POST' ? 201 : 200);
  return response.json();
}

async function refused(user: TestUser, url: string, field: string, method: 'GET' | 'POST' = 'GET', body?: unknown) {
  const response = await call(t, user, method, url, body);
  expect(response.statusCode, response.body).toBe(400);
  expect(response.json().errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
}

/** A bank file posted as raw CSV: the import answers 200 with its report. */
async function importCsv(user: TestUser, csv: string) {
  const response = await t.app.inject({
    method: 'POST',
    url: '/api/transactions/import',
    headers: { ...user.headers, 'content-type': 'text/csv' },
    payload: csv,
  });
  expect(response.statusCode, response.body).toBe(200);
  return response.json();
}

describe('userTimeZone', () => {
  it('is UTC for a user finance has heard nothing about, and the announced zone after user.registered', async () => {
    expect(await userTimeZone(t.ctx.db, utc.id)).toBe('UTC');
    expect(await userTimeZone(t.ctx.db, ny.id)).toBe(NEW_YORK);
  });

  it('follows user.updated, ignores an older announcement arriving late and a zone it does not know', async () => {
    const user = await newUser(t);
    await announce('user.registered', user.id, registered('Europe/Berlin'));
    t.clock.set('2026-12-01T04:00:00.000Z');
    await announce('user.updated', user.id, { changed: ['timeZone'], email: 'x@example.com', name: null, role: 'user', timeZone: 'Asia/Tokyo' });
    expect(await userTimeZone(t.ctx.db, user.id)).toBe('Asia/Tokyo');
    // A redelivered registration, older than the change, does not undo it.
    t.clock.set('2026-12-01T03:30:00.000Z');
    await announce('user.registered', user.id, registered('Europe/Berlin'));
    expect(await userTimeZone(t.ctx.db, user.id)).toBe('Asia/Tokyo');
    t.clock.set('2026-12-01T05:00:00.000Z');
    await announce('user.updated', user.id, { changed: ['timeZone'], email: 'x@example.com', name: null, role: 'user', timeZone: 'Nowhere/Land' });
    expect(await userTimeZone(t.ctx.db, user.id)).toBe('Asia/Tokyo');
    // An event from before zones existed carries none, and changes nothing.
    t.clock.set('2026-12-01T06:00:00.000Z');
    await announce('user.updated', user.id, { changed: ['name'], email: 'x@example.com', name: 'X', role: 'user' });
    expect(await userTimeZone(t.ctx.db, user.id)).toBe('Asia/Tokyo');
  });
});

describe('a New York user’s 20:00 transaction on 30 November', () => {
  let budgetId: string;
  beforeAll(async () => {
    budgetId = (await ok(ny, 'POST', '/api/budgets', { name: 'All', amount: '100.00', period: 'monthly', startDate: '2026-11-01' })).id;
    await ok(utc, 'POST', '/api/budgets', { name: 'All', amount: '100.00', period: 'monthly', startDate: '2026-11-01' });
    for (const user of [ny, utc]) await ok(user, 'POST', '/api/transactions', { type: 'expense', amount: '90.00', occurredAt: '2026-11-30T20:00:00-05:00' });
  });

  it('counts in November’s summary, whose days are New York’s', async () => {
    const month = await ok(ny, 'GET', '/api/transactions/summary');
    expect(month).toMatchObject({
      timeframe: 'month',
      timeZone: NEW_YORK,
      firstDay: '2026-11-01',
      lastDay: '2026-11-30',
      from: '2026-11-01T04:00:00.000Z',
      to: '2026-12-01T05:00:00.000Z',
      expense: '90.00',
    });
    // For a UTC user the same instant is 1 December.
    expect(await ok(utc, 'GET', '/api/transactions/summary')).toMatchObject({ timeZone: 'UTC', firstDay: '2026-12-01', expense: '90.00' });
    expect(await ok(utc, 'GET', '/api/transactions/summary?date=2026-11-15')).toMatchObject({ firstDay: '2026-11-01', expense: '0.00' });
  });

  it('counts in November’s budget, and its 80% alert is November’s', async () => {
    const { timeZone, items } = await ok(ny, 'GET', '/api/budgets/overview');
    expect(timeZone).toBe(NEW_YORK);
    expect(items[0]).toMatchObject({
      periodStart: '2026-11-01T04:00:00.000Z',
      periodEnd: '2026-12-01T05:00:00.000Z',
      firstDay: '2026-11-01',
      lastDay: '2026-11-30',
      spent: '90.00',
      status: 'warning',
    });
    const events = await ok(ny, 'GET', `/api/budgets/${budgetId}/events`);
    expect(events.items.map((e: { periodStart: string; threshold: number }) => [e.periodStart, e.threshold])).toEqual([['2026-11-01', 80]]);
    // The UTC user's December holds it; November spent nothing.
    const utcNow = (await ok(utc, 'GET', '/api/budgets/overview')).items[0];
    expect(utcNow).toMatchObject({ firstDay: '2026-12-01', spent: '90.00', rolledOver: '0.00' });
  });

  it('moves to December once the user’s zone says the day is 1 December there', async () => {
    const user = await newUser(t);
    await announce('user.registered', user.id, registered('Asia/Tokyo'));
    await ok(user, 'POST', '/api/transactions', { type: 'expense', amount: '5.00', occurredAt: '2026-11-30T20:00:00-05:00' });
    expect(await ok(user, 'GET', '/api/transactions/summary?date=2026-12-01')).toMatchObject({
      firstDay: '2026-12-01',
      from: '2026-11-30T15:00:00.000Z',
      expense: '5.00',
    });
  });
});

describe('periods other than the current one', () => {
  let user: TestUser;
  beforeAll(async () => {
    user = await newUser(t);
    await announce('user.registered', user.id, registered(NEW_YORK));
    await ok(user, 'POST', '/api/budgets', { name: 'Food', amount: '50.00', period: 'monthly', startDate: '2026-09-01', rollover: 'surplus' });
    await ok(user, 'POST', '/api/budgets', { name: 'Weekly', amount: '20.00', period: 'weekly', startDate: '2026-10-01' });
    for (const [amount, occurredAt] of [
      ['10.00', '2026-10-05T12:00:00Z'],
      ['30.00', '2026-10-31T23:30:00-04:00'],
      ['7.00', '2026-11-02T12:00:00Z'],
    ]) {
      await ok(user, 'POST', '/api/transactions', { type: 'expense', amount, occurredAt });
    }
  });

  it('the summary takes any day of the wanted period, or a from/to range of days', async () => {
    expect(await ok(user, 'GET', '/api/transactions/summary?date=2026-10-20')).toMatchObject({
      timeframe: 'month',
      firstDay: '2026-10-01',
      lastDay: '2026-10-31',
      expense: '40.00',
    });
    expect(await ok(user, 'GET', '/api/transactions/summary?date=2026-10-20&timeframe=year')).toMatchObject({
      firstDay: '2026-01-01',
      lastDay: '2026-12-31',
      expense: '47.00',
    });
    expect(await ok(user, 'GET', '/api/transactions/summary?from=2026-10-31&to=2026-11-02')).toMatchObject({
      timeframe: 'custom',
      firstDay: '2026-10-31',
      lastDay: '2026-11-02',
      from: '2026-10-31T04:00:00.000Z',
      to: '2026-11-03T05:00:00.000Z',
      expense: '37.00',
    });
  });

  it('the budget overview takes any day of the wanted period, or a range seen as its whole periods', async () => {
    const october = await ok(user, 'GET', '/api/budgets/overview?date=2026-10-15');
    const byName = Object.fromEntries(october.items.map((i: { name: string }) => [i.name, i]));
    expect(byName.Food).toMatchObject({
      firstDay: '2026-10-01',
      lastDay: '2026-10-31',
      budgeted: '50.00',
      rolledOver: '50.00',
      spent: '40.00',
      remaining: '60.00',
    });
    // Week of Monday 12 October: nothing spent.
    expect(byName.Weekly).toMatchObject({ firstDay: '2026-10-12', lastDay: '2026-10-18', spent: '0.00' });
    const autumn = await ok(user, 'GET', '/api/budgets/overview?from=2026-10-10&to=2026-11-05');
    const food = autumn.items.find((i: { name: string }) => i.name === 'Food');
    expect(food).toMatchObject({
      firstDay: '2026-10-01',
      lastDay: '2026-11-30',
      budgeted: '100.00',
      rolledOver: '50.00',
      available: '150.00',
      spent: '47.00',
      remaining: '103.00',
    });
  });

  it.each([
    ['/api/transactions/summary?date=2026-02-30', 'date'],
    ['/api/transactions/summary?date=yesterday', 'date'],
    ['/api/transactions/summary?date=0050-01-01', 'date'],
    ['/api/transactions/summary?from=2026-10-01', 'to'],
    ['/api/transactions/summary?to=2026-10-01', 'from'],
    ['/api/transactions/summary?from=2026-10-02&to=2026-10-01', 'to'],
    ['/api/transactions/summary?date=2026-10-02&from=2026-10-01&to=2026-10-03', 'date'],
    ['/api/transactions/summary?from=2000-01-01&to=2026-10-01', 'to'],
    ['/api/budgets/overview?date=2026-13-01', 'date'],
    ['/api/budgets/overview?from=2026-11-01&to=2026-10-01', 'to'],
    ['/api/budgets/overview?from=2026-11-01', 'to'],
  ])('%s is a 400 naming %s', async (url, field) => {
    await refused(user, url, field);
  });
});

describe('date-only input', () => {
  it('means midnight in the user’s zone for a transaction, a change of it and a list filter', async () => {
    const nyTx = await ok(ny, 'POST', '/api/transactions', { type: 'income', amount: '1.00', occurredAt: '2026-11-30' });
    expect(nyTx.occurredAt).toBe('2026-11-30T05:00:00.000Z');
    const utcTx = await ok(utc, 'POST', '/api/transactions', { type: 'income', amount: '1.00', occurredAt: '2026-11-30' });
    expect(utcTx.occurredAt).toBe('2026-11-30T00:00:00.000Z');
    // A date-time keeps its own offset's meaning, whatever the user's zone.
    expect((await ok(ny, 'POST', '/api/transactions', { type: 'income', amount: '1.00', occurredAt: '2026-11-30T08:00:00+01:00' })).occurredAt).toBe(
      '2026-11-30T07:00:00.000Z',
    );
    expect((await ok(ny, 'PATCH', `/api/transactions/${nyTx.id}`, { occurredAt: '2026-07-04' })).occurredAt).toBe('2026-07-04T04:00:00.000Z');
    const july = await ok(ny, 'GET', '/api/transactions?from=2026-07-04&to=2026-07-05');
    expect(july.items.map((i: { id: string }) => i.id)).toEqual([nyTx.id]);
  });

  it('means the user’s midnight for a bank file’s dates, too', async () => {
    expect(parseOccurredAt('2026-12-01', NEW_YORK)?.toISOString()).toBe('2026-12-01T05:00:00.000Z');
    expect(parseOccurredAt('2026-12-01T09:30:00+01:00', NEW_YORK)?.toISOString()).toBe('2026-12-01T08:30:00.000Z');
    await importCsv(ny, 'date,amount,description\n2026-12-01,-5.00,Bank coffee\n');
    const imported = await ok(ny, 'GET', '/api/transactions?text=Bank%20coffee');
    expect(imported.items.map((i: { occurredAt: string }) => i.occurredAt)).toEqual(['2026-12-01T05:00:00.000Z']);
  });

  it('finds a bank file’s row in what was entered by hand on that day in the user’s zone, not the UTC one', async () => {
    const user = await newUser(t);
    await announce('user.registered', user.id, registered(NEW_YORK));
    // 21:00 on 30 November in New York, already 1 December in UTC.
    const byHand = await ok(user, 'POST', '/api/transactions', { type: 'expense', amount: '7.25', description: 'Diner', occurredAt: '2026-12-01T02:00:00Z' });
    const report = await importCsv(user, 'date,amount,description\n2026-11-30,-7.25,Diner\n2026-12-01,-7.25,Diner\n');
    expect(report).toMatchObject({ created: 1, duplicates: 1, duplicateRows: [{ row: 2, transactionId: byHand.id, earlierRow: null }] });
  });

  it('refuses a day that does not exist or a date-time without offset, naming occurredAt', async () => {
    for (const occurredAt of ['2026-11-31', '2026-11-30T20:00:00', '30/11/2026', '0099-01-01']) {
      await refused(ny, '/api/transactions', 'occurredAt', 'POST', { type: 'expense', amount: '1.00', occurredAt });
    }
  });
});

describe('instant ranges (to exclusive)', () => {
  it.each([
    ['/api/transactions?from=2026-05-01&to=2026-04-01'],
    ['/api/transactions?from=2026-05-01T00:00:00Z&to=2026-05-01T00:00:00Z'],
    // Midnight on 30 November in New York is 05:00 UTC: a date-time at 03:00 UTC that day is before it.
    ['/api/transactions?from=2026-11-30&to=2026-11-30T03:00:00Z'],
    ['/api/transaction-moods/insights?from=2026-05-01&to=2026-04-01'],
    ['/api/transaction-moods/insights?from=2026-05-01T10:00:00%2B02:00&to=2026-05-01T08:00:00Z'],
  ])('%s, whose to is not after from, is a 400 naming to in the query', async (url) => {
    const response = await call(t, ny, 'GET', url);
    expect(response.statusCode, response.body).toBe(400);
    expect(response.json().errors).toEqual([expect.objectContaining({ field: 'to', in: 'querystring' })]);
  });

  it('keeps a range whose to, read in the user’s zone, is after from', async () => {
    await ok(ny, 'GET', '/api/transactions?from=2026-11-30&to=2026-11-30T06:00:00Z');
    await ok(ny, 'GET', '/api/transaction-moods/insights?from=2026-11-30&to=2026-12-01');
  });
});

describe('account balances', () => {
  it('balance leaves out future-dated transactions; projectedBalance counts them', async () => {
    const user = await newUser(t);
    const account = await ok(user, 'POST', '/api/accounts', { name: 'Checking', type: 'checking', openingBalance: '100.00' });
    await ok(user, 'POST', '/api/transactions', { accountId: account.id, type: 'expense', amount: '30.00', occurredAt: '2026-11-30T10:00:00Z' });
    await ok(user, 'POST', '/api/transactions', { accountId: account.id, type: 'expense', amount: '45.50', occurredAt: '2026-12-15' });
    const shown = await ok(user, 'GET', `/api/accounts/${account.id}`);
    expect(shown).toMatchObject({ balance: '70.00', projectedBalance: '24.50' });
    const listed = (await ok(user, 'GET', '/api/accounts')).items.find((a: { id: string }) => a.id === account.id);
    expect(listed).toMatchObject({ balance: '70.00', projectedBalance: '24.50' });
    // Once that day has come, the balance has it too.
    t.clock.set('2026-12-15T00:00:00.000Z');
    expect(await ok(user, 'GET', `/api/accounts/${account.id}`)).toMatchObject({ balance: '24.50', projectedBalance: '24.50' });
  });
});

describe('recurring occurrences', () => {
  it('fall due when the day begins in the user’s zone and are dated at that midnight', async () => {
    t.clock.set('2026-11-20T12:00:00.000Z');
    const rule = await ok(ny, 'POST', '/api/recurring-transactions', {
      type: 'expense',
      amount: '12.00',
      frequency: 'monthly',
      startDate: '2026-11-30',
      description: 'Gym',
    });
    const upcoming = await ok(ny, 'GET', `/api/recurring-transactions/${rule.id}/upcoming`);
    expect(upcoming.items[0]).toEqual({ date: '2026-11-30', occurredAt: '2026-11-30T05:00:00.000Z' });
    // 04:30 UTC on the 30th is still the 29th in New York.
    expect((await runScheduler(t.ctx, { now: new Date('2026-11-30T04:30:00.000Z') })).posted).toBe(0);
    expect((await runScheduler(t.ctx, { now: new Date('2026-11-30T05:00:00.000Z') })).posted).toBe(1);
    const posted = await ok(ny, 'GET', '/api/transactions?text=Gym');
    expect(posted.items.map((i: { occurredAt: string }) => i.occurredAt)).toEqual(['2026-11-30T05:00:00.000Z']);
  });
});
