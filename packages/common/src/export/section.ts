/** What `GET /api/export` writes at the top of the document; a restore checks both. */
export const EXPORT_FORMAT = 'expensio-export';
export const EXPORT_VERSION = 1;

export type ExportRow = Record<string, unknown>;

/**
 * One table of a user's data, produced by the service that owns it. Rows are read in keyset
 * pages and handed on as they come, so an export holds one page in memory, not a history.
 */
export interface ExportSection {
  /** The key in the JSON document and the CSV file's name (`accounts` → accounts.csv). */
  name: string;
  /** The CSV header, in order; a dotted name reaches into a nested object (`mood.intensity`). */
  columns: readonly string[];
  rows(userId: string): AsyncIterable<ExportRow>;
}

const PAGE_SIZE = 500;

/** Every row, read page by page after the last id of the previous page. */
export async function* keysetPages<T extends { id: string }>(
  read: (page: { after: string | undefined; limit: number }) => Promise<T[]>,
  limit = PAGE_SIZE,
): AsyncGenerator<T> {
  let after: string | undefined;
  for (;;) {
    const rows = await read({ after, limit });
    yield* rows;
    const last = rows.at(-1);
    if (last === undefined || rows.length < limit) return;
    after = last.id;
  }
}
