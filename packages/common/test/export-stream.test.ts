import { strFromU8, unzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { csvZipExport, jsonExport, keysetPages, type ExportSection } from '@expensio/common';

/** A section of endless rows that counts how many were read. */
function endless(): { section: ExportSection; read: () => number } {
  let read = 0;
  return {
    read: () => read,
    section: {
      name: 'rows',
      columns: ['id', 'nested.value'],
      async *rows() {
        for (;;) {
          read += 1;
          yield { id: `row-${String(read)}`, nested: { value: 'x'.repeat(100) } };
        }
      },
    },
  };
}

async function take<T>(source: AsyncGenerator<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for await (const chunk of source) {
    out.push(chunk);
    if (out.length === n) break;
  }
  return out;
}

describe('export streams', () => {
  it('writes JSON as rows are read, never ahead of the reader', async () => {
    const { section, read } = endless();
    const chunks = await take(jsonExport([section], { userId: 'u', exportedAt: new Date('2026-03-15T12:00:00Z') }), 50);
    expect(chunks[0]).toBe('{"format":"expensio-export","version":1,"exportedAt":"2026-03-15T12:00:00.000Z","sections":["rows"]');
    expect(read()).toBeLessThanOrEqual(50);
  });

  it('zips CSV as rows are read, a chunk of rows at a time', async () => {
    const { section, read } = endless();
    const chunks = await take(csvZipExport([section], 'u'), 3);
    expect(chunks.length).toBe(3);
    expect(read()).toBeLessThanOrEqual(2_000);
  });

  it('makes a valid zip of every section, nested columns flattened', async () => {
    const small: ExportSection = {
      name: 'items',
      columns: ['id', 'tags', 'mood.mood', 'at'],
      async *rows() {
        yield { id: 'a', tags: ['x', 'y'], mood: { mood: 'happy' }, at: new Date('2026-01-02T03:04:05Z') };
        yield { id: 'b,"c"', tags: [], mood: null, at: null };
      },
    };
    const parts: Uint8Array[] = [];
    for await (const chunk of csvZipExport([small], 'u')) parts.push(chunk);
    const files = unzipSync(new Uint8Array(Buffer.concat(parts)));
    expect(strFromU8(files['items.csv'] ?? new Uint8Array())).toBe('id,tags,mood.mood,at\na,x;y,happy,2026-01-02T03:04:05.000Z\n"b,""c""",,,\n');
  });

  it('reads keyset pages until a short page', async () => {
    const ids = Array.from({ length: 7 }, (_, i) => ({ id: String(i) }));
    const asked: (string | undefined)[] = [];
    const rows = [];
    for await (const row of keysetPages(({ after, limit }) => {
      asked.push(after);
      const start = after === undefined ? 0 : Number(after) + 1;
      return Promise.resolve(ids.slice(start, start + limit));
    }, 3))
      rows.push(row);
    expect(rows).toEqual(ids);
    expect(asked).toEqual([undefined, '2', '5']);
  });
});
