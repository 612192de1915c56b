import { XMLParser } from 'fast-xml-parser';
import { negate, parseAmount } from './amounts.js';
import { badFile } from './errors.js';
import { lineAt } from './lines.js';
import type { NormalisedRow, ParsedFile, RowRejection } from './types.js';

/**
 * CAMT.053 (ISO 20022 bank-to-customer statement): `Stmt/Ntry` entries whose `Amt` is unsigned
 * and whose `CdtDbtInd` (CRDT or DBIT) gives the direction. Booked entries are imported; pending
 * ones (`Sts` PDNG) are not, since the bank may still change them.
 */

type Node = Record<string, unknown>;

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Amounts and references stay text: a number parser would turn 1.10 into 1.1 and ids into floats.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ['Stmt', 'Ntry', 'NtryDtls', 'TxDtls', 'Ustrd'].includes(name),
});

function child(node: unknown, ...path: string[]): unknown {
  let current = node;
  for (const name of path) current = current !== null && typeof current === 'object' ? (current as Node)[name] : undefined;
  return current;
}

function text(node: unknown, ...path: string[]): string | undefined {
  const value = child(node, ...path);
  if (typeof value === 'string') return value;
  if (value !== null && typeof value === 'object' && typeof (value as Node)['#text'] === 'string') return (value as Node)['#text'] as string;
  return undefined;
}

const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined ? [] : [value]);

/** The other party: the creditor of a payment out, the debtor of money in (CAMT.053 v2 and v8+). */
function counterparty(details: unknown, direction: string): string | undefined {
  const role = direction === 'DBIT' ? 'Cdtr' : 'Dbtr';
  return text(details, 'RltdPties', role, 'Nm') ?? text(details, 'RltdPties', role, 'Pty', 'Nm');
}

export function parseCamt053(source: string): ParsedFile {
  let document: unknown;
  try {
    document = parser.parse(source);
  } catch (error) {
    throw badFile(`The file is not valid XML: ${(error as Error).message}`, 'invalid_camt053');
  }
  const statements = list(child(document, 'Document', 'BkToCstmrStmt', 'Stmt'));
  if (statements.length === 0) throw badFile('The file is not a CAMT.053 statement: it has no Document/BkToCstmrStmt/Stmt', 'invalid_camt053');
  const line = lineAt(source);
  // The parser gives no positions: the n-th <Ntry> of the text is the n-th entry.
  const entryLines = [...source.matchAll(/<(?:[\w.-]+:)?Ntry[\s>]/g)].map((m) => line(m.index));
  const rows: NormalisedRow[] = [];
  const rejections: RowRejection[] = [];
  let pending = 0;
  let n = 0;
  for (const statement of statements) {
    for (const entry of list(child(statement, 'Ntry'))) {
      const at = entryLines[n] ?? 0;
      n += 1;
      const status = text(entry, 'Sts') ?? text(entry, 'Sts', 'Cd') ?? 'BOOK';
      if (status !== 'BOOK') {
        pending += 1;
        continue;
      }
      const date = text(entry, 'BookgDt', 'Dt') ?? text(entry, 'BookgDt', 'DtTm') ?? text(entry, 'ValDt', 'Dt');
      const direction = text(entry, 'CdtDbtInd') ?? '';
      const amountText = text(entry, 'Amt') ?? '';
      const amount = parseAmount(amountText, { decimal: '.', thousands: '' });
      if (date === undefined) rejections.push({ line: at, field: 'date', message: 'date is required (BookgDt)' });
      if (!amount.ok) rejections.push({ line: at, field: 'amount', message: `amount (Amt) ${amount.message}` });
      else if (direction !== 'CRDT' && direction !== 'DBIT')
        rejections.push({ line: at, field: 'amount', message: `CdtDbtInd must be CRDT or DBIT, not "${direction}"` });
      if (date === undefined || !amount.ok || (direction !== 'CRDT' && direction !== 'DBIT')) continue;
      const details = list(child(entry, 'NtryDtls'))
        .flatMap((d) => list(child(d, 'TxDtls')))
        .at(0);
      const remittance = list(child(details, 'RmtInf', 'Ustrd'))
        .filter((u): u is string => typeof u === 'string')
        .join(' ');
      const row: NormalisedRow = {
        line: at,
        date,
        amount: direction === 'DBIT' ? negate(amount.value) : amount.value,
        description: remittance !== '' ? remittance : (text(entry, 'AddtlNtryInf') ?? ''),
      };
      const merchant = counterparty(details, direction);
      if (merchant !== undefined) row.merchant = merchant;
      const currency = text(entry, 'Amt', '@Ccy');
      if (currency !== undefined) row.currency = currency;
      const reference = text(entry, 'AcctSvcrRef') ?? text(entry, 'NtryRef');
      if (reference !== undefined) row.externalId = reference;
      rows.push(row);
    }
  }
  const notes = pending > 0 ? [`Skipped ${pending} pending entr${pending === 1 ? 'y' : 'ies'} (not booked yet).`] : [];
  return { format: 'camt053', rows, rejections, notes };
}
