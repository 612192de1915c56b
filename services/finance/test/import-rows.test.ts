import { describe, expect, it } from 'vitest';
import type { NormalisedRow } from '../src/imports/formats/index.js';
import { parseOccurredAt, toImportRow, type CategoryRef } from '../src/imports/rows.js';

// Pure rules of one imported row: no database here.

describe('parseOccurredAt', () => {
  it('reads ISO dates as midnight UTC and date-times as UTC unless they carry an offset', () => {
    expect(parseOccurredAt('2026-03-15')?.toISOString()).toBe('2026-03-15T00:00:00.000Z');
    expect(parseOccurredAt('2026-03-15T09:30')?.toISOString()).toBe('2026-03-15T09:30:00.000Z');
    expect(parseOccurredAt('2026-03-15 09:30:15.250')?.toISOString()).toBe('2026-03-15T09:30:15.250Z');
    expect(parseOccurredAt('2026-03-15T09:30:00+05:30')?.toISOString()).toBe('2026-03-15T04:00:00.000Z');
    expect(parseOccurredAt('2026-03-15T23:30:00-0200')?.toISOString()).toBe('2026-03-16T01:30:00.000Z');
    expect(parseOccurredAt('2024-02-29')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  it('refuses what is not a real ISO date', () => {
    for (const text of [
      '2025-02-29',
      '2026-13-01',
      '2026-00-10',
      '15/03/2026',
      '2026-3-5',
      '2026-03-15T24:00',
      '2026-03-15T10:60',
      '1800-01-01',
      '2026-03-15T10:00+25:00',
      '',
    ]) {
      expect(parseOccurredAt(text), text).toBeUndefined();
    }
  });
});

describe('toImportRow', () => {
  const groceries: CategoryRef = { id: 'c1', slug: 'groceries', kind: 'expense' };
  const salary: CategoryRef = { id: 'c2', slug: 'salary', kind: 'income' };
  const ctx = {
    currency: 'EUR',
    categories: new Map<string, CategoryRef>([
      ['groceries', groceries],
      ['food shopping', groceries],
      ['salary', salary],
    ]),
  };
  const row = (fields: Partial<NormalisedRow>, context: Parameters<typeof toImportRow>[1] = ctx) =>
    toImportRow({ line: 2, date: '2026-01-02', amount: '-1', description: '', ...fields }, context);

  it('takes the type from the sign, or from the type column with a positive amount', () => {
    expect(row({ amount: '-12.30', category: 'Groceries', tags: 'a; b ;a', currency: 'eur', description: ' Shop ' })).toEqual({
      ok: true,
      value: {
        type: 'expense',
        amount: 1230n,
        occurredAt: new Date('2026-01-02T00:00:00Z'),
        categoryId: 'c1',
        description: 'Shop',
        merchant: null,
        tags: ['a', 'b'],
      },
      warnings: [],
    });
    expect(row({ amount: '7', type: 'Income' })).toMatchObject({ ok: true, value: { type: 'income', amount: 700n, description: null } });
    expect(row({ amount: '0.01' })).toMatchObject({ ok: true, value: { type: 'income', amount: 1n } });
  });

  it('reports every problem of the row', () => {
    const result = row({ date: '2026-02-31', amount: '1.505', type: 'refund', category: 'rent', currency: 'USD', description: 'x'.repeat(501) });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.field)).toEqual(['date', 'currency', 'type', 'amount', 'description']);
    expect(result.problems.every((p) => p.row === 2)).toBe(true);
  });

  it('finds a category by display name in any case; an unknown one or one of the other kind leaves the row uncategorised with a warning', () => {
    expect(row({ category: ' FOOD Shopping ' })).toEqual(
      expect.objectContaining({ ok: true, value: expect.objectContaining({ categoryId: 'c1' }), warnings: [] }),
    );
    expect(row({ category: 'Food:Dining' })).toEqual({
      ok: true,
      value: expect.objectContaining({ categoryId: null, amount: 100n }),
      warnings: [{ row: 2, field: 'category', message: 'no category "Food:Dining" (a name, slug or id of yours): imported uncategorised' }],
    });
    expect(row({ category: 'Salary', amount: '-5' })).toEqual({
      ok: true,
      value: expect.objectContaining({ categoryId: null, type: 'expense' }),
      warnings: [{ row: 2, field: 'category', message: '"salary" is an income category and this row is an expense: imported uncategorised' }],
    });
    expect(row({ category: 'Salary', amount: '5' })).toMatchObject({ ok: true, value: { categoryId: 'c2', type: 'income' }, warnings: [] });
  });

  it('rejects a cell holding a control character or an unpaired surrogate, naming its column and nothing else of it', () => {
    const result = row({ date: '2026-01\u0000-02', category: 'groceries', tags: 'a;b\u0085', description: 'Tea\u0000cake' });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.row, p.field])).toEqual([
      [2, 'date'],
      [2, 'description'],
      [2, 'tags'],
    ]);
    expect(result.problems[0]?.message).toMatch(/^date must not contain control characters/);
    expect(row({ description: 'broken \ud800 text' })).toMatchObject({ ok: false, problems: [{ field: 'description' }] });
    expect(row({ description: 'Café 😀 \uFFFD\r\n\tmulti-line' })).toMatchObject({ ok: true });
    expect(row({ tags: 'a\tb' })).toMatchObject({ ok: false, problems: [{ field: 'tags' }] });
  });
});
