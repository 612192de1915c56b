import { parseCamt053 } from './camt053.js';
import { parseCsv } from './csv.js';
import { decodeText } from './decode.js';
import { badFile } from './errors.js';
import type { ImportMapping } from './mapping.js';
import { parseOfx } from './ofx.js';
import { parseQif } from './qif.js';
import type { ImportFormat, ParsedFile, RowRejection } from './types.js';

export { IMPORT_FORMATS, type ImportFormat, type NormalisedRow, type ParsedFile, type RowRejection } from './types.js';
export { importMappingSchema, parseMapping, type ImportMapping } from './mapping.js';

export interface ReadOptions {
  format?: ImportFormat | undefined;
  mapping?: ImportMapping | undefined;
}

/** What the file is, from its first characters: the formats' own markers, and CSV otherwise. */
export function detectFormat(text: string): ImportFormat {
  const head = text.slice(0, 4096).trimStart();
  if (/^OFXHEADER:/i.test(head) || /<\?OFX\b/i.test(head) || /<OFX>/i.test(head)) return 'ofx';
  if (/^!(type|account|option)/i.test(head)) return 'qif';
  if (/camt\.053|<(?:[\w-]+:)?BkToCstmrStmt[\s>]/.test(head)) return 'camt053';
  return 'csv';
}

/** An uploaded bank file to normalised rows and per-row rejections; a file that cannot be read at all is a 400. */
export function readImportFile(bytes: Uint8Array, options: ReadOptions = {}): ParsedFile {
  const { text, encoding } = decodeText(bytes, options.mapping?.encoding);
  if (text.trim() === '') throw badFile('The file is empty: the first line must be a header naming the columns', 'invalid_csv');
  const format = options.format ?? detectFormat(text);
  const parsed = parseAs(format, text, options.mapping);
  if (options.mapping?.encoding === undefined && encoding !== 'utf-8') parsed.notes.unshift(`Read as ${encoding} (the file is not UTF-8).`);
  return parsed;
}

function parseAs(format: ImportFormat, text: string, mapping: ImportMapping | undefined): ParsedFile {
  switch (format) {
    case 'csv':
      return parseCsv(text, mapping);
    case 'ofx':
      return parseOfx(text, { invert: mapping?.invert });
    case 'qif':
      return parseQif(text, mapping);
    case 'camt053':
      return parseCamt053(text);
    default:
      throw badFile(`Unknown format ${String(format satisfies never)}`);
  }
}

export type FileEntry = { line: number; row: ParsedFile['rows'][number] } | { line: number; problems: RowRejection[] };

/** Rows and rejections merged back into file order, a rejected line's problems together. */
export function* inFileOrder(parsed: ParsedFile): Generator<FileEntry> {
  let r = 0;
  let j = 0;
  const { rows, rejections } = parsed;
  while (r < rows.length || j < rejections.length) {
    const row = rows[r];
    const rejection = rejections[j];
    if (row !== undefined && (rejection === undefined || row.line < rejection.line)) {
      r += 1;
      yield { line: row.line, row };
      continue;
    }
    if (rejection === undefined) return;
    const problems: RowRejection[] = [];
    const line = rejection.line;
    for (let next = rejections[j]; next?.line === line; next = rejections[++j]) problems.push(next);
    yield { line, problems };
  }
}
