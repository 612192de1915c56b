import { negate, parseAmount } from './amounts.js';
import { badFile } from './errors.js';
import { lineAt } from './lines.js';
import type { NormalisedRow, ParsedFile, RowRejection } from './types.js';

/**
 * OFX and QFX, both flavours: 1.x is SGML whose leaf elements are never closed
 * (`<TRNAMT>-12.00` then the next tag) after a `KEY:VALUE` header block; 2.x is XML. One small
 * tokenizer reads both: a tag followed by text is a leaf, a tag followed by a tag opens an
 * aggregate, and a closing tag closes every element still open inside it. No OFX aggregate
 * contains itself, so an aggregate opened while one of the same name is open closes that one
 * first: a file that forgets `</STMTTRN>` still yields every transaction, and the import says so.
 */

export interface OfxElement {
  name: string;
  /** The leaf's text; undefined for an aggregate. */
  value?: string;
  children: OfxElement[];
  offset: number;
}

export interface OfxDocument {
  root: OfxElement;
  /** Aggregates the file left open, closed because another of the same name began. */
  unclosed: Map<string, number>;
}

const TAG = /<(\/?)([A-Za-z][\w.]*)[^>]*?(\/?)>([^<]*)/g;

function unescape(text: string): string {
  return text.replace(/&(lt|gt|amp|quot|apos|nbsp);/g, (_, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'", nbsp: ' ' })[e] ?? '');
}

export function tokenizeOfx(text: string): OfxDocument {
  const start = text.search(/<OFX>/i);
  if (start < 0) throw badFile('The file is not OFX: it has no <OFX> element', 'invalid_ofx');
  const root: OfxElement = { name: '#root', children: [], offset: 0 };
  const stack: OfxElement[] = [root];
  const unclosed = new Map<string, number>();
  TAG.lastIndex = start;
  for (let match = TAG.exec(text); match !== null; match = TAG.exec(text)) {
    const [, closing, rawName = '', selfClosing, rawText = ''] = match;
    const name = rawName.toUpperCase();
    const open = stack.findLastIndex((element) => element.name === name);
    if (closing === '/') {
      // A stray closing tag (a leaf closed in XML style) closes nothing else.
      if (open > 0) stack.length = open;
      continue;
    }
    const value = rawText.trim();
    const aggregate = selfClosing !== '/' && value === '';
    if (aggregate && open > 0) {
      stack.length = open;
      unclosed.set(name, (unclosed.get(name) ?? 0) + 1);
    }
    const element: OfxElement = { name, children: [], offset: match.index };
    (stack[stack.length - 1] ?? root).children.push(element);
    if (selfClosing === '/') element.value = '';
    else if (!aggregate) element.value = unescape(value);
    else stack.push(element);
  }
  return { root, unclosed };
}

function* descendants(element: OfxElement, name: string): Generator<OfxElement> {
  for (const child of element.children) {
    if (child.name === name) yield child;
    else yield* descendants(child, name);
  }
}

function leaf(element: OfxElement, ...path: string[]): string | undefined {
  let current: OfxElement | undefined = element;
  for (const name of path) current = current?.children.find((child) => child.name === name);
  return current?.value;
}

/**
 * `YYYYMMDD[HHMMSS[.XXX]][[+-h[.mm]:TZ]]` to a date, or to an instant with its offset when the
 * bank gave a time zone. A time without a zone is dropped: banks write a placeholder (000000 or
 * 120000) there more often than a time.
 */
export function parseOfxDate(text: string): string | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(?:(\d{2})(\d{2})(\d{2})?(?:\.\d+)?)?(?:\[([+-]?\d{1,2})(?:\.(\d{2}))?(?::[A-Za-z]+)?\])?$/.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s, zone, zoneMinutes] = match;
  const day = `${y}-${mo}-${d}`;
  if (h === undefined || zone === undefined) return day;
  const hours = Number(zone);
  const offset = `${hours < 0 || zone.startsWith('-') ? '-' : '+'}${String(Math.abs(hours)).padStart(2, '0')}:${zoneMinutes ?? '00'}`;
  return `${day}T${h}:${mi}:${s ?? '00'}${offset}`;
}

export function parseOfx(text: string, options: { invert?: boolean | undefined }): ParsedFile {
  const { root, unclosed } = tokenizeOfx(text);
  const line = lineAt(text);
  const rows: NormalisedRow[] = [];
  const rejections: RowRejection[] = [];
  const statements = [...descendants(root, 'STMTRS'), ...descendants(root, 'CCSTMTRS')];
  if (statements.length === 0) throw badFile('The OFX file holds no bank or card statement (STMTRS or CCSTMTRS)', 'invalid_ofx');
  for (const statement of statements) {
    const currency = leaf(statement, 'CURDEF');
    for (const trn of descendants(statement, 'STMTTRN')) {
      const at = line(trn.offset);
      const dateText = leaf(trn, 'DTPOSTED') ?? '';
      const date = parseOfxDate(dateText);
      const amountText = leaf(trn, 'TRNAMT') ?? '';
      // European banks write TRNAMT with a decimal comma, against the spec.
      const amount = parseAmount(amountText, { decimal: amountText.includes(',') && !amountText.includes('.') ? ',' : '.', thousands: '' });
      if (date === undefined)
        rejections.push({
          line: at,
          field: 'date',
          message: dateText === '' ? 'date is required (DTPOSTED)' : `date "${dateText}" is not an OFX date (YYYYMMDD...)`,
        });
      if (!amount.ok) rejections.push({ line: at, field: 'amount', message: `amount (TRNAMT) ${amount.message}` });
      if (date === undefined || !amount.ok) continue;
      const name = leaf(trn, 'NAME') || leaf(trn, 'PAYEE', 'NAME');
      const memo = leaf(trn, 'MEMO');
      const row: NormalisedRow = { line: at, date, amount: options.invert === true ? negate(amount.value) : amount.value, description: memo || name || '' };
      if (name !== undefined && name !== '') row.merchant = name;
      const rowCurrency = leaf(trn, 'CURRENCY', 'CURSYM') ?? currency;
      if (rowCurrency !== undefined) row.currency = rowCurrency;
      const fitId = leaf(trn, 'FITID');
      if (fitId !== undefined) row.externalId = fitId;
      rows.push(row);
    }
  }
  const notes = [...unclosed].map(
    ([name, count]) => `${count} <${name}> element${count === 1 ? ' was' : 's were'} not closed; each was read as ending where the next began.`,
  );
  return { format: 'ofx', rows, rejections, notes };
}
