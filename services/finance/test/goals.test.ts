import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});
beforeEach(() => {
  t.clock.set('2026-03-15T12:00:00.000Z');
});

const OTHER_ID = '0190a000-0000-7000-8000-000000000000';

async function newGoal(user: TestUser, body: Record<string, unknown> = {}) {
  const response = await call(t, user, 'POST', '/api/goals', { name: 'Holiday', targetAmount: '1000.00', ...body });
  expect(response.statusCode).toBe(201);
  return response.json();
}

const contribute = (user: TestUser, goalId: string, amount: string | number, extra: Record<string, unknown> = {}) =>
  call(t, user, 'POST', `/api/goals/${goalId}/contributions`, { amount, ...extra });

async function goalEvents(goalId: string) {
  return t.ctx.db.selectFrom('goal_events').select(['type', 'saved', 'percent']).where('goal_id', '=', goalId).orderBy('occurred_at').orderBy('id').execute();
}

describe('/api/goals', () => {
  it('creates a goal and shows its progress: saved, remaining, percent, the monthly saving needed', async () => {
    const user = await newUser(t);
    const goal = await newGoal(user, { deadline: '2026-12-31' });
    // 15 March -> 31 December is 9 whole months (15 December; 15 January is past it):
    // 1,000.00 / 9 = 111.111..., rounded up to 111.12 so nine of them reach the target.
    expect(goal).toMatchObject({
      name: 'Holiday',
      currency: 'USD',
      targetAmount: '1000.00',
      deadline: '2026-12-31',
      saved: '0.00',
      remaining: '1000.00',
      percent: 0,
      monthsLeft: 9,
      monthlyNeeded: '111.12',
      deadlinePassed: false,
      projectedCompletion: null,
      completedAt: null,
    });
    expect((await call(t, user, 'GET', `/api/goals/${goal.id}`)).json()).toEqual(goal);
    const list = (await call(t, user, 'GET', '/api/goals')).json();
    expect(list).toEqual({ items: [goal], nextCursor: null });
  });

  it('sums contributions exactly in SQL: 0.10 + 0.20 is 0.30', async () => {
    const user = await newUser(t);
    const goal = await newGoal(user, { targetAmount: '1.00' });
    await contribute(user, goal.id, '0.10');
    const second = await contribute(user, goal.id, 0.2);
    expect(second.statusCode).toBe(201);
    expect(second.json().contribution).toMatchObject({ goalId: goal.id, amount: '0.20', currency: 'USD' });
    expect(second.json().goal).toMatchObject({ saved: '0.30', remaining: '0.70', percent: 30 });
    const yen = await newGoal(user, { currency: 'JPY', targetAmount: '30000' });
    expect((await contribute(user, yen.id, '12345')).json().goal).toMatchObject({ saved: '12345', remaining: '17655', percent: 41.15 });
  });

  it('withdraws with a negative amount, never below zero (422, nothing written)', async () => {
    const user = await newUser(t);
    const goal = await newGoal(user);
    await contribute(user, goal.id, '50.00');
    const out = await contribute(user, goal.id, '-20.00', { note: 'dentist' });
    expect(out.statusCode).toBe(201);
    expect(out.json().contribution).toMatchObject({ amount: '-20.00', note: 'dentist' });
    expect(out.json().goal.saved).toBe('30.00');
    const over = await contribute(user, goal.id, '-30.01');
    expect(over.statusCode).toBe(422);
    expect(over.json()).toMatchObject({ code: 'goal_overdrawn' });
    expect((await call(t, user, 'GET', `/api/goals/${goal.id}`)).json().saved).toBe('30.00');
    expect((await contribute(user, goal.id, '-30.00')).json().goal).toMatchObject({ saved: '0.00', percent: 0, projectedCompletion: null });
    const list = (await call(t, user, 'GET', `/api/goals/${goal.id}/contributions`)).json();
    expect(list.items.map((c: { amount: string }) => c.amount)).toEqual(['-30.00', '-20.00', '50.00']);
    expect(list.goal).toMatchObject({ id: goal.id, saved: '0.00' });
  });

  it('projects the completion date from the average net rate since the first contribution', async () => {
    const user = await newUser(t);
    t.clock.set('2026-03-01T09:00:00.000Z');
    const goal = await newGoal(user, { deadline: '2026-12-31' });
    await contribute(user, goal.id, '150.00');
    await contribute(user, goal.id, '-50.00');
    t.clock.set('2026-03-10T18:00:00.000Z');
    // 100.00 net over 1-10 March, 10 days counting the first: 10.00 a day. 900.00 to go takes 90
    // days from 10 March: 8 June. The deadline is 9 whole months away (10 December): 900 / 9 = 100.00.
    const view = (await call(t, user, 'GET', `/api/goals/${goal.id}`)).json();
    expect(view).toMatchObject({
      saved: '100.00',
      remaining: '900.00',
      percent: 10,
      projectedCompletion: '2026-06-08',
      monthsLeft: 9,
      monthlyNeeded: '100.00',
    });
  });

  it('says when the deadline has passed, and needs everything this month when it is less than a month away', async () => {
    const user = await newUser(t);
    const soon = await newGoal(user, { deadline: '2026-03-20', targetAmount: '100.00' });
    expect(soon).toMatchObject({ monthsLeft: 1, monthlyNeeded: '100.00', deadlinePassed: false });
    t.clock.set('2026-03-21T00:00:00.000Z');
    expect((await call(t, user, 'GET', `/api/goals/${soon.id}`)).json()).toMatchObject({
      deadlinePassed: true,
      monthsLeft: 0,
      monthlyNeeded: null,
      remaining: '100.00',
    });
    const none = await newGoal(user);
    expect(none).toMatchObject({ deadline: null, monthsLeft: null, monthlyNeeded: null, deadlinePassed: false });
  });

  it('records the completion once: concurrent contributions, a withdrawal and reaching the target again', async () => {
    const user = await newUser(t);
    const goal = await newGoal(user, { targetAmount: '100.00', deadline: '2026-12-31' });
    const racing = await Promise.all([contribute(user, goal.id, '50.00'), contribute(user, goal.id, '50.00'), contribute(user, goal.id, '50.00')]);
    for (const response of racing) expect(response.statusCode).toBe(201);
    const done = (await call(t, user, 'GET', `/api/goals/${goal.id}`)).json();
    expect(done).toMatchObject({
      saved: '150.00',
      remaining: '0.00',
      percent: 150,
      monthlyNeeded: null,
      projectedCompletion: null,
      completedAt: '2026-03-15T12:00:00.000Z',
    });
    const savedSeen = racing.map((r) => r.json().goal.saved).sort();
    expect(savedSeen).toEqual(['100.00', '150.00', '50.00']);

    t.clock.set('2026-04-01T08:00:00.000Z');
    expect((await contribute(user, goal.id, '-60.00')).json().goal).toMatchObject({
      saved: '90.00',
      percent: 90,
      remaining: '10.00',
      completedAt: '2026-03-15T12:00:00.000Z',
    });
    t.clock.set('2026-04-02T08:00:00.000Z');
    expect((await contribute(user, goal.id, '10.00')).json().goal).toMatchObject({ saved: '100.00', percent: 100, completedAt: '2026-03-15T12:00:00.000Z' });

    const events = await goalEvents(goal.id);
    expect(events.filter((e) => e.type === 'completed')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'progressed').map((e) => [e.saved, e.percent])).toEqual([
      [5_000n, '50.00'],
      [10_000n, '100.00'],
      [15_000n, '150.00'],
      [9_000n, '90.00'],
      [10_000n, '100.00'],
    ]);
    expect(events.find((e) => e.type === 'completed')).toMatchObject({ saved: 10_000n, percent: '100.00' });
  });

  it('PATCH changes name, target and deadline; lowering the target to what is saved completes the goal', async () => {
    const user = await newUser(t);
    const goal = await newGoal(user, { deadline: '2026-12-31' });
    await contribute(user, goal.id, '400.00');
    const renamed = await call(t, user, 'PATCH', `/api/goals/${goal.id}`, { name: 'Summer', deadline: null });
    expect(renamed.json()).toMatchObject({ name: 'Summer', deadline: null, monthlyNeeded: null, saved: '400.00' });
    const lowered = await call(t, user, 'PATCH', `/api/goals/${goal.id}`, { targetAmount: '400.00' });
    expect(lowered.json()).toMatchObject({ targetAmount: '400.00', remaining: '0.00', percent: 100, completedAt: '2026-03-15T12:00:00.000Z' });
    expect((await goalEvents(goal.id)).map((e) => e.type)).toEqual(['progressed', 'completed']);
    const raised = await call(t, user, 'PATCH', `/api/goals/${goal.id}`, { targetAmount: '800.00' });
    expect(raised.json()).toMatchObject({ remaining: '400.00', percent: 50, completedAt: '2026-03-15T12:00:00.000Z' });
    expect((await call(t, user, 'PATCH', `/api/goals/${goal.id}`, { currency: 'EUR' })).statusCode).toBe(400);
    expect((await call(t, user, 'PATCH', `/api/goals/${goal.id}`, {})).statusCode).toBe(400);
    expect((await call(t, user, 'PATCH', `/api/goals/${goal.id}`, { deadline: '2026-03-14' })).json().errors[0]).toMatchObject({ field: 'deadline' });
  });

  it('refuses bad input with 400 naming the fields, and writes nothing', async () => {
    const user = await newUser(t);
    const bad = await call(t, user, 'POST', '/api/goals', { name: '', targetAmount: '10', currency: 'usd', deadline: '2026-02-30', saved: '5' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['name', 'currency', 'deadline']));
    const negative = await call(t, user, 'POST', '/api/goals', { name: 'x', targetAmount: '-5.00' });
    expect(negative.json().errors[0]).toMatchObject({ field: 'targetAmount' });
    const precise = await call(t, user, 'POST', '/api/goals', { name: 'x', targetAmount: '5.001' });
    expect(precise.json().errors[0]).toMatchObject({ field: 'targetAmount' });
    const past = await call(t, user, 'POST', '/api/goals', { name: 'x', targetAmount: '5', deadline: '2026-03-14' });
    expect(past.json().errors[0]).toMatchObject({ field: 'deadline' });
    expect((await call(t, user, 'GET', '/api/goals')).json().items).toEqual([]);

    const goal = await newGoal(user);
    for (const body of [{ amount: '0' }, { amount: '1.005' }, { amount: 'ten' }, { amount: '1', extra: true }, {}]) {
      const response = await call(t, user, 'POST', `/api/goals/${goal.id}/contributions`, body);
      expect(response.statusCode).toBe(400);
    }
    expect((await contribute(user, goal.id, '0')).json().errors[0]).toMatchObject({ field: 'amount' });
    expect((await contribute(user, goal.id, '1.00', { currency: 'EUR' })).statusCode).toBe(422);
    expect((await call(t, user, 'POST', '/api/goals/not-an-id/contributions', { amount: '1' })).statusCode).toBe(400);
    expect((await call(t, user, 'GET', `/api/goals/${goal.id}/contributions`)).json().items).toEqual([]);
    expect(await goalEvents(goal.id)).toEqual([]);
  });

  it('another user’s goal is 404 on every route, also inside the contributions path', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const goal = await newGoal(alice);
    await contribute(alice, goal.id, '10.00');
    expect((await call(t, bob, 'GET', `/api/goals/${goal.id}`)).statusCode).toBe(404);
    expect((await call(t, bob, 'PATCH', `/api/goals/${goal.id}`, { name: 'Mine' })).statusCode).toBe(404);
    expect((await call(t, bob, 'DELETE', `/api/goals/${goal.id}`)).statusCode).toBe(404);
    expect((await contribute(bob, goal.id, '-10.00')).statusCode).toBe(404);
    expect((await contribute(bob, goal.id, '5.00')).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', `/api/goals/${goal.id}/contributions`)).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', `/api/goals/${OTHER_ID}`)).statusCode).toBe(404);
    expect((await call(t, bob, 'GET', '/api/goals')).json().items).toEqual([]);
    expect((await call(t, alice, 'GET', `/api/goals/${goal.id}`)).json()).toMatchObject({ name: 'Holiday', saved: '10.00' });
    expect((await call(t, alice, 'GET', `/api/goals/${goal.id}/contributions`)).json().items).toHaveLength(1);
  });

  it('pages goals and contributions newest first', async () => {
    const user = await newUser(t);
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      ids.push((await newGoal(user, { name })).id);
      t.clock.advance(1000);
    }
    const first = (await call(t, user, 'GET', '/api/goals?limit=2')).json();
    expect(first.items.map((g: { name: string }) => g.name)).toEqual(['c', 'b']);
    const second = (await call(t, user, 'GET', `/api/goals?limit=2&cursor=${first.nextCursor}`)).json();
    expect(second).toMatchObject({ items: [{ name: 'a' }], nextCursor: null });

    const goalId = ids[0] ?? '';
    for (const amount of ['1.00', '2.00', '3.00']) {
      await contribute(user, goalId, amount);
      t.clock.advance(1000);
    }
    const page = (await call(t, user, 'GET', `/api/goals/${goalId}/contributions?limit=2`)).json();
    expect(page.items.map((c: { amount: string }) => c.amount)).toEqual(['3.00', '2.00']);
    const rest = (await call(t, user, 'GET', `/api/goals/${goalId}/contributions?limit=2&cursor=${page.nextCursor}`)).json();
    expect(rest.items.map((c: { amount: string }) => c.amount)).toEqual(['1.00']);
    expect(rest.goal.saved).toBe('6.00');
  });

  it('deletes a goal with its contributions', async () => {
    const user = await newUser(t);
    const goal = await newGoal(user);
    await contribute(user, goal.id, '10.00');
    expect((await call(t, user, 'DELETE', `/api/goals/${goal.id}`)).statusCode).toBe(204);
    expect((await call(t, user, 'GET', `/api/goals/${goal.id}`)).statusCode).toBe(404);
    expect((await call(t, user, 'DELETE', `/api/goals/${goal.id}`)).statusCode).toBe(404);
    const left = await t.ctx.db.selectFrom('goal_contributions').select('id').where('goal_id', '=', goal.id).execute();
    expect(left).toEqual([]);
  });

  it('needs a token', async () => {
    expect((await t.app.inject({ method: 'GET', url: '/api/goals' })).statusCode).toBe(401);
  });
});
