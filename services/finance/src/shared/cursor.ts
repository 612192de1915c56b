import { ValidationError } from '@expensio/common';

/** Keyset position of a list ordered by (occurred_at desc, id desc), opaque to clients. */
export interface TimeCursor {
  at: Date;
  id: string;
}

export function encodeCursor(cursor: TimeCursor): string {
  return Buffer.from(JSON.stringify([cursor.at.toISOString(), cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): TimeCursor {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      const at = new Date(value[0]);
      if (!Number.isNaN(at.getTime()) && /^[0-9a-f-]{36}$/i.test(value[1])) return { at, id: value[1] };
    }
  } catch {
    // Falls through to the 400 below.
  }
  throw new ValidationError('cursor is not a cursor from this API', [{ field: 'cursor', in: 'querystring', message: 'is not a valid cursor', code: 'invalid_cursor' }]);
}
