import { describe, expect, it } from 'vitest';
import { parseOccurredAt, parseRow, readHeader } from '../src/imports/rows.js';

// Pure rules of one CSV row: no database here.

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
    for (const text of ['2025-02-29', '2026-13-01', '2026-00-10', '15/03/2026', '2026-3-5', '2026-03-15T24:00', '2026-03-15T10:60', '1800-01-01', '2026-03-15T10:00+25:00', '']) {
      expect(parseOccurredAt(text), text).toBeUndefined();
    }
  });
});

describe('readHeader', () => {
  it('finds columns by name in any case and order, ignoring unknown ones', () => {
    expect(readHeader(['Ref', ' AMOUNT ', 'date', 'Tags'])).toEqual({ amount: 1, date: 2, tags: 3 });
  });

  it('needs date and amount, once each', () => {
    expect(() => readHeader(['date', 'value'])).toThrow(/missing: amount/);
    expect(() => readHeader(['date', 'amount', 'DATE'])).toThrow(/twice/);
  });
});

describe('parseRow', () => {
  const columns = readHeader(['date', 'amount', 'type', 'category', 'tags', 'currency', 'description']);
  const ctx = { currency: 'EUR', categories: new Map([['groceries', 'c1']]) };
  const row = (cells: string[]) => parseRow(cells, 2, columns, 7, ctx);

  it('takes the type from the sign, or from the type column with a positive amount', () => {
    expect(row(['2026-01-02', '-12.30', '', 'Groceries', 'a; b ;a', 'eur', ' Shop '])).toEqual({
      ok: true,
      value: { type: 'expense', amount: 1230n, occurredAt: new Date('2026-01-02T00:00:00Z'), categoryId: 'c1', description: 'Shop', merchant: null, tags: ['a', 'b'] },
    });
    expect(row(['2026-01-02', '7', 'Income', '', '', '', ''])).toMatchObject({ ok: true, value: { type: 'income', amount: 700n, description: null } });
    expect(row(['2026-01-02', '+0.01', '', '', '', '', ''])).toMatchObject({ ok: true, value: { type: 'income', amount: 1n } });
  });

  it('reports every problem of the row', () => {
    const result = row(['2026-02-31', '1,50', 'refund', 'rent', '', 'USD', 'x'.repeat(501)]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => p.field)).toEqual(['date', 'currency', 'type', 'amount', 'category', 'description']);
    expect(result.problems.every((p) => p.row === 2)).toBe(true);
  });

  it('rejects a cell holding a control character or an unpaired surrogate, naming its column and nothing else of it', () => {
    const result = row(['2026-01\u0000-02', '-1.00', '', 'groceries', 'a;b\u0085', '', 'Tea\u0000cake']);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => [p.row, p.field])).toEqual([[2, 'date'], [2, 'description'], [2, 'tags']]);
    expect(result.problems[0]?.message).toMatch(/^date must not contain control characters/);
    expect(row(['2026-01-02', '-1.00', '', '', '', '', 'broken \ud800 text'])).toMatchObject({ ok: false, problems: [{ field: 'description' }] });
    expect(row(['2026-01-02', '-1.00', '', '', '', '', 'Café 😀 \uFFFD\r\n\tmulti-line'])).toMatchObject({ ok: true });
    expect(row(['2026-01-02', '-1.00', '', '', 'a\tb', '', ''])).toMatchObject({ ok: false, problems: [{ field: 'tags' }] });
  });
});
