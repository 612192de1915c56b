import { describe, expect, it } from 'vitest';
import { AppError, decodeCursor, encodeCursor, page } from '../src/index.js';

describe('cursors', () => {
  it('round-trips a position', () => {
    const position = { at: new Date('2026-03-01T10:00:00.123Z'), id: '0195a1b2-0000-7000-8000-000000000001' };
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it.each([
    '',
    'not base64 json',
    Buffer.from('[1,2]').toString('base64url'),
    Buffer.from('["2026-03-01", "x"]').toString('base64url'),
    Buffer.from('["later", "0195a1b2-0000-7000-8000-000000000001"]').toString('base64url'),
    // Dates JavaScript parses but PostgreSQL's timestamptz refuses (a 500 before).
    Buffer.from('["-271821-04-20T00:00:00.000Z", "0195a1b2-0000-7000-8000-000000000001"]').toString('base64url'),
    Buffer.from('["0000-01-01T00:00:00Z", "0195a1b2-0000-7000-8000-000000000001"]').toString('base64url'),
    Buffer.from('["+275760-09-13T00:00:00.000Z", "0195a1b2-0000-7000-8000-000000000001"]').toString('base64url'),
  ])('answers 400 naming the cursor query field for %j', (text) => {
    let error: unknown;
    try {
      decodeCursor(text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({ status: 400, code: 'validation_failed', errors: [{ field: 'cursor', in: 'querystring', code: 'invalid_cursor' }] });
  });
});

describe('page', () => {
  const cursorOf = (n: number) => `after-${n}`;
  it('cuts the look-ahead row and points past the last row shown', () => {
    expect(page([1, 2, 3], 2, cursorOf)).toEqual({ rows: [1, 2], nextCursor: 'after-2' });
  });
  it('has no next page when the look-ahead row is missing', () => {
    expect(page([1, 2], 2, cursorOf)).toEqual({ rows: [1, 2], nextCursor: null });
    expect(page([], 2, cursorOf)).toEqual({ rows: [], nextCursor: null });
  });
});
