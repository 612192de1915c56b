import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, newUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});

describe('/api/categories', () => {
  it('every user sees the default set with stable slugs', async () => {
    const user = await newUser(t);
    const items = (await call(t, user, 'GET', '/api/categories')).json().items;
    const slugs = items.map((c: { slug: string }) => c.slug);
    expect(slugs).toEqual(expect.arrayContaining(['groceries', 'rent', 'salary', 'utilities', 'dining']));
    expect(items.every((c: { isDefault: boolean }) => c.isDefault)).toBe(true);
  });

  it('a user’s own categories are theirs alone; slugs never clash with the defaults', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const created = await call(t, alice, 'POST', '/api/categories', { name: 'Café & Bakery', kind: 'expense' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ slug: 'cafe-bakery', name: 'Café & Bakery', isDefault: false });
    expect((await call(t, alice, 'POST', '/api/categories', { name: 'Groceries' })).statusCode).toBe(409);
    expect((await call(t, alice, 'POST', '/api/categories', { name: 'Again', slug: 'cafe-bakery' })).statusCode).toBe(409);
    expect((await call(t, bob, 'POST', '/api/categories', { name: 'Café & Bakery' })).statusCode).toBe(201);
    const bobs = (await call(t, bob, 'GET', '/api/categories')).json().items.filter((c: { isDefault: boolean }) => !c.isDefault);
    expect(bobs).toHaveLength(1);
    expect(bobs[0].id).not.toBe(created.json().id);
  });

  it('renames keep the slug; defaults and another user’s categories are 404', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const own = (await call(t, alice, 'POST', '/api/categories', { name: 'Hobbies' })).json();
    const renamed = await call(t, alice, 'PATCH', `/api/categories/${own.id}`, { name: 'Hobbies and crafts' });
    expect(renamed.json()).toMatchObject({ slug: 'hobbies', name: 'Hobbies and crafts' });
    expect((await call(t, bob, 'PATCH', `/api/categories/${own.id}`, { name: 'Mine' })).statusCode).toBe(404);
    expect((await call(t, bob, 'DELETE', `/api/categories/${own.id}`)).statusCode).toBe(404);
    const groceries = (await call(t, alice, 'GET', '/api/categories')).json().items.find((c: { slug: string }) => c.slug === 'groceries');
    expect((await call(t, alice, 'PATCH', `/api/categories/${groceries.id}`, { name: 'Food' })).statusCode).toBe(404);
  });

  it('a PATCH that names no field is a 400 naming the body, not a 500 from an UPDATE with nothing to set', async () => {
    const user = await newUser(t);
    const own = (await call(t, user, 'POST', '/api/categories', { name: 'Gardening' })).json();
    const response = await call(t, user, 'PATCH', `/api/categories/${own.id}`, {});
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ code: 'validation_failed', errors: [{ field: 'body', message: 'name at least one field to change' }] });
    expect((await call(t, user, 'GET', '/api/categories')).json().items).toContainEqual(expect.objectContaining({ id: own.id, name: 'Gardening' }));
  });

  it('a category in use cannot be deleted; an unused one can', async () => {
    const user = await newUser(t);
    const used = (await call(t, user, 'POST', '/api/categories', { name: 'Used' })).json();
    await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '1.00', category: 'used' });
    expect((await call(t, user, 'DELETE', `/api/categories/${used.id}`)).statusCode).toBe(409);
    const budgeted = (await call(t, user, 'POST', '/api/categories', { name: 'Budgeted' })).json();
    expect(
      (
        await call(t, user, 'POST', '/api/budgets', {
          name: 'B',
          amount: '10.00',
          period: 'monthly',
          category: 'budgeted',
          startDate: '2026-03-01',
          rollover: 'none',
        })
      ).statusCode,
    ).toBe(201);
    expect((await call(t, user, 'DELETE', `/api/categories/${budgeted.id}`)).statusCode).toBe(409);
    const unused = (await call(t, user, 'POST', '/api/categories', { name: 'Unused' })).json();
    expect((await call(t, user, 'DELETE', `/api/categories/${unused.id}`)).statusCode).toBe(204);
  });

  it('rejects bad input with 400', async () => {
    const user = await newUser(t);
    const response = await call(t, user, 'POST', '/api/categories', { name: '', slug: 'Not A Slug', kind: 'gift' });
    expect(response.statusCode).toBe(400);
    expect(
      response
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['kind', 'name', 'slug']);
  });
});
