import { stringify } from 'csv-stringify/sync';
import { Zip, ZipDeflate } from 'fflate';
import type { ExportRow, ExportSection } from './section.js';

const ROWS_PER_CHUNK = 200;

function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (value instanceof Date) return value.toISOString();
  // Tags and triggers: the `;`-separated form the CSV import reads. A list of objects (a rule's
  // conditions) has no such form: its cell is JSON, as an object's is.
  if (Array.isArray(value) && value.every((v) => typeof v !== 'object' || v === null)) return value.map(String).join(';');
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

function pick(row: ExportRow, column: string): unknown {
  let value: unknown = row;
  for (const key of column.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function csvLines(columns: readonly string[], rows: ExportRow[]): string {
  return stringify(rows.map((row) => columns.map((column) => cell(pick(row, column)))));
}

/**
 * The export as a zip of one CSV per section. Each file is deflated as its rows arrive and the
 * zip's bytes are handed on as they are made: nothing holds more than a chunk of rows.
 */
export async function* csvZipExport(sections: readonly ExportSection[], userId: string): AsyncGenerator<Uint8Array> {
  const ready: Uint8Array[] = [];
  let failure: Error | undefined;
  const zip = new Zip((error, chunk) => {
    if (error) failure = error;
    else ready.push(chunk);
  });
  const drain = function* () {
    if (failure) throw failure;
    yield* ready.splice(0);
  };
  const encoder = new TextEncoder();
  for (const section of sections) {
    const file = new ZipDeflate(`${section.name}.csv`, { level: 6 });
    zip.add(file);
    file.push(encoder.encode(stringify([[...section.columns]])));
    let chunk: ExportRow[] = [];
    for await (const row of section.rows(userId)) {
      chunk.push(row);
      if (chunk.length === ROWS_PER_CHUNK) {
        file.push(encoder.encode(csvLines(section.columns, chunk)));
        chunk = [];
        yield* drain();
      }
    }
    file.push(encoder.encode(csvLines(section.columns, chunk)), true);
    yield* drain();
  }
  zip.end();
  yield* drain();
}
