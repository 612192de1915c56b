import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAmount, inferDecimalMark } from '../src/imports/formats/amounts.js';
import { inferDateFormat, parseDate } from '../src/imports/formats/dates.js';
import { detectFormat, parseMapping, readImportFile, type ImportMapping } from '../src/imports/formats/index.js';

// Pure parsing of bank files: no database. Expected rows were checked by hand against the fixtures.

const fixture = (name: string) => readFileSync(new URL(`./fixtures/imports/${name}`, import.meta.url));
const read = (name: string, mapping?: ImportMapping) => readImportFile(fixture(name), mapping === undefined ? {} : { mapping });

describe('amounts', () => {
  it('reads what banks write, exactly, as decimal strings', () => {
    const dot = { decimal: '.' as const };
    const comma = { decimal: ',' as const };
    expect(
      ['$-12.00', '-$12.00', '(45.00)', '($45.00)', '"-1,234.56"'.slice(1, -1), 'USD 1,234,567.89', '1 234.50', '+0.10'].map((t) => parseAmount(t, dot)),
    ).toEqual(['-12.00', '-12.00', '-45.00', '-45.00', '-1234.56', '1234567.89', '1234.50', '0.10'].map((value) => ({ ok: true, value })));
    expect(['-54,23', '1.234,56 €', '54,23-', '-1.234,5 EUR'].map((t) => parseAmount(t, comma))).toEqual(
      ['-54.23', '1234.56', '-54.23', '-1234.5'].map((value) => ({ ok: true, value })),
    );
    for (const bad of ['1.000.00', '12,34', '1,23,4.00', 'abc', '']) expect(parseAmount(bad, dot).ok, bad).toBe(false);
    expect(parseAmount('1,234', { decimal: '.', thousands: '' }).ok).toBe(false);
  });

  it('infers the decimal mark from the column, not from one value', () => {
    expect(inferDecimalMark(['-54,23', '1.234,56', '12'])).toBe(',');
    expect(inferDecimalMark(['-1,234.56', '$-12.00'])).toBe('.');
    expect(inferDecimalMark(['1,234', '12'])).toBeUndefined();
  });
});

describe('dates', () => {
  it('reads a named format and refuses impossible days', () => {
    expect(parseDate('11/03/2026', 'MM/DD/YYYY')).toBe('2026-11-03');
    expect(parseDate('11/03/2026', 'DD/MM/YYYY')).toBe('2026-03-11');
    expect(parseDate('1.3.26', 'DD.MM.YY')).toBe('2026-03-01');
    expect(parseDate('20260301', 'YYYYMMDD')).toBe('2026-03-01');
    expect(parseDate('31.02.2026', 'DD.MM.YYYY')).toBeUndefined();
  });

  it('settles day order from the whole column, else from the hint, and says it guessed', () => {
    expect(inferDateFormat(['03/04/2026', '13/04/2026'], 'month-first')).toEqual({ format: 'DD/MM/YYYY' });
    expect(inferDateFormat(['03/04/2026', '04/05/2026'], 'month-first')).toEqual({ format: 'MM/DD/YYYY', ambiguousWith: 'DD/MM/YYYY' });
    expect(inferDateFormat(['03/04/2026'], 'day-first')).toEqual({ format: 'DD/MM/YYYY', ambiguousWith: 'MM/DD/YYYY' });
  });
});

describe('detectFormat', () => {
  it('tells the formats apart by their content', () => {
    expect(
      ['bank-sgml.ofx', 'card.qfx', 'bank-xml.ofx', 'checking.qif', 'statement.camt053.xml', 'de-giro-latin1.csv'].map((name) =>
        detectFormat(fixture(name).toString('latin1')),
      ),
    ).toEqual(['ofx', 'ofx', 'ofx', 'qif', 'camt053', 'csv']);
  });
});

describe('CSV', () => {
  it('reads a US debit/credit export: BOM, quoted thousands, a blank line and a totals line', () => {
    const parsed = read('us-checking-debit-credit.csv');
    expect(parsed.rows).toEqual([
      { line: 2, date: '2026-11-03', amount: '-54.23', description: 'SAFEWAY #1234 OAKLAND CA' },
      { line: 3, date: '2026-11-05', amount: '2500.00', description: 'PAYROLL ACME CORP' },
      { line: 4, date: '2026-11-13', amount: '-1234.56', description: 'RENT, NOVEMBER' },
      { line: 6, date: '2026-11-20', amount: '12.00', description: 'REFUND AMAZON' },
    ]);
    expect(parsed.rejections).toEqual([]);
    expect(parsed.notes).toEqual(['Skipped 1 line(s) after the last transaction (totals or balances).']);
  });

  it('reads a German Latin-1 export: account lines above the header, decimal commas, a closing balance below', () => {
    const parsed = read('de-giro-latin1.csv');
    expect(parsed.rows).toEqual([
      { line: 5, date: '2026-03-02', amount: '-54.23', description: 'Einkauf Lebensmittel', merchant: 'REWE Markt GmbH', currency: 'EUR' },
      { line: 6, date: '2026-03-05', amount: '-7.99', description: 'Kartenzahlung', merchant: 'Müller Drogerie', currency: 'EUR' },
      { line: 7, date: '2026-03-13', amount: '2345.67', description: 'Gehalt März', merchant: 'Arbeitgeber AG', currency: 'EUR' },
      { line: 8, date: '2026-03-15', amount: '-1234.50', description: 'Abschlag Strom', merchant: 'Stadtwerke Köln', currency: 'EUR' },
    ]);
    expect(parsed.rejections).toEqual([]);
    expect(parsed.notes[0]).toBe('Read as windows-1252 (the file is not UTF-8).');
    // Named instead of detected, the same bytes read the same.
    expect(read('de-giro-latin1.csv', { encoding: 'latin1', delimiter: ';', dateFormat: 'DD.MM.YYYY', decimal: ',', thousands: '.' }).rows).toEqual(
      parsed.rows,
    );
  });

  it('flips a card export whose charges are positive', () => {
    expect(read('card-positive-charges.csv', { invert: true }).rows.map((r) => r.amount)).toEqual(['-4.75', '-89.99', '45.00', '1000.00']);
    expect(read('card-positive-charges.csv').rows.map((r) => r.amount)).toEqual(['4.75', '89.99', '-45.00', '-1000.00']);
  });

  it('reads French debit/credit, Spanish and tab files, and says which day order it chose', () => {
    const french = read('fr-debit-credit.csv');
    expect(french.rows.map((r) => [r.date, r.amount, r.description])).toEqual([
      ['2026-04-03', '-23.40', 'CB CARREFOUR CITY'],
      ['2026-04-05', '1850.00', 'VIR SALAIRE'],
      ['2026-04-07', '-19.99', 'PRLV FREE MOBILE'],
    ]);
    expect(french.notes.join(' ')).toContain('read as DD/MM/YYYY');
    expect(read('es-pipe.csv').rows.map((r) => [r.date, r.amount, r.description])).toEqual([
      ['2026-02-01', '-12.50', 'Mercadona'],
      ['2026-02-14', '1500.00', 'Nómina'],
    ]);
    const american = read('us-tab-ambiguous.tsv');
    expect(american.rows.map((r) => r.date)).toEqual(['2026-03-04', '2026-04-05']);
    expect(american.notes.join(' ')).toContain('read as MM/DD/YYYY');
    expect(read('us-tab-ambiguous.tsv', { dateFormat: 'DD/MM/YYYY' }).rows.map((r) => r.date)).toEqual(['2026-04-03', '2026-05-04']);
  });

  it('takes columns by header text or index from a mapping, with or without a header line', () => {
    const csv = Buffer.from('Booked;Text;Out;In\n01.02.2026;Rent;800,00;\n02.02.2026;Refund;;12,5\n');
    expect(readImportFile(csv, { mapping: { date: 'booked', description: 'Text', debit: 'OUT', credit: 'in' } }).rows).toEqual([
      { line: 2, date: '2026-02-01', amount: '-800.00', description: 'Rent' },
      { line: 3, date: '2026-02-02', amount: '12.5', description: 'Refund' },
    ]);
    const headerless = Buffer.from('2026-02-01,-3.20,Bus\n2026-02-02,-1.10,Tram\n');
    expect(readImportFile(headerless, { mapping: { date: 0, amount: 1, description: 2 } }).rows.map((r) => [r.line, r.amount])).toEqual([
      [1, '-3.20'],
      [2, '-1.10'],
    ]);
    expect(() => readImportFile(csv, { mapping: { date: 'Datum', amount: 'Out' } })).toThrow(/no column "datum"/);
  });

  it('rejects bad rows one by one, naming the field', () => {
    const csv = Buffer.from(
      'Transaction Date,Description,Debit,Credit\n03/01/2026,ok,1.00,\n02/30/2026,bad day,1.00,\n03/02/2026,both,1.00,2.00\n03/03/2026,neither,,\n',
    );
    expect(readImportFile(csv).rejections).toEqual([
      { line: 3, field: 'date', message: 'date "02/30/2026" is not a date written MM/DD/YYYY' },
      { line: 4, field: 'amount', message: 'both debit (1.00) and credit (2.00) are filled' },
      { line: 5, field: 'amount', message: 'amount is required (debit or credit)' },
    ]);
  });
});

describe('OFX, QFX, QIF, CAMT.053', () => {
  it('reads OFX 1.x SGML with its header block and unclosed tags', () => {
    expect(read('bank-sgml.ofx')).toMatchObject({
      format: 'ofx',
      rejections: [],
      rows: [
        {
          line: 39,
          date: '2026-03-01T12:00:00-05:00',
          amount: '-54.23',
          description: 'POS PURCHASE',
          merchant: 'WHOLE FOODS #10',
          currency: 'USD',
          externalId: '202603010001',
        },
        {
          line: 47,
          date: '2026-03-02',
          amount: '2500.00',
          description: 'ACME CORP PAYROLL',
          merchant: 'ACME CORP PAYROLL',
          currency: 'USD',
          externalId: '202603020001',
        },
        { line: 54, date: '2026-03-04', amount: '-1200', description: 'RENT & PARKING', merchant: 'CHECK 1001', currency: 'USD', externalId: '202603040001' },
      ],
    });
  });

  it('reads every transaction of a file that never closes <STMTTRN>, and says so in a note', () => {
    // The fixture with each </STMTTRN> taken out, as some banks' exports come.
    const unclosed = fixture('bank-sgml.ofx').toString('latin1').replaceAll('</STMTTRN>', '');
    const parsed = readImportFile(Buffer.from(unclosed, 'latin1'), {});
    expect(parsed.rows.map((row) => [row.amount, row.externalId])).toEqual([
      ['-54.23', '202603010001'],
      ['2500.00', '202603020001'],
      ['-1200', '202603040001'],
    ]);
    expect(parsed.rejections).toEqual([]);
    // The last one ends with </BANKTRANLIST>, which closes whatever is open inside it.
    expect(parsed.notes).toEqual(['2 <STMTTRN> elements were not closed; each was read as ending where the next began.']);
    expect(read('bank-sgml.ofx').notes).toEqual([]);
  });

  it('reads a QFX card statement and OFX 2.x XML', () => {
    expect(read('card.qfx').rows).toEqual([
      {
        line: 15,
        date: '2026-03-03T00:00:00-08:00',
        amount: '-18.40',
        description: 'HELP.UBER.COM',
        merchant: 'UBER TRIP',
        currency: 'USD',
        externalId: 'FIT-1',
      },
      {
        line: 16,
        date: '2026-03-08',
        amount: '300.00',
        description: 'PAYMENT - THANK YOU',
        merchant: 'PAYMENT - THANK YOU',
        currency: 'USD',
        externalId: 'FIT-2',
      },
    ]);
    expect(read('bank-xml.ofx').rows).toEqual([
      {
        line: 13,
        date: '2026-04-02T09:30:00+02:00',
        amount: '-23.90',
        description: 'Bäckerei Schmidt',
        merchant: 'Bäckerei Schmidt',
        currency: 'EUR',
        externalId: 'X-1',
      },
      { line: 21, date: '2026-04-15', amount: '1800.00', description: 'Salary April', merchant: 'Employer GmbH', currency: 'EUR', externalId: 'X-2' },
    ]);
  });

  it('reads a QIF bank section, skipping the account header and split lines', () => {
    const parsed = read('checking.qif');
    expect(parsed.rows).toEqual([
      { line: 6, date: '2026-03-01', amount: '-54.23', description: 'Weekly groceries', merchant: 'Whole Foods', category: 'groceries' },
      { line: 12, date: '2026-03-02', amount: '2500.00', description: 'ACME Corp', merchant: 'ACME Corp', category: 'Salary', externalId: '1042' },
      { line: 18, date: '2026-03-15', amount: '-300.00', description: 'Transfer to savings', merchant: 'Transfer to savings' },
      { line: 23, date: '2026-03-20', amount: '-100.00', description: 'Costco', merchant: 'Costco', category: 'Food:Groceries' },
    ]);
  });

  it('reads booked CAMT.053 entries, signed by CdtDbtInd, and leaves pending ones out', () => {
    const parsed = read('statement.camt053.xml');
    expect(parsed.rows).toEqual([
      {
        line: 9,
        date: '2026-03-02',
        amount: '-54.23',
        description: 'Einkauf Filiale 4711',
        merchant: 'REWE Markt GmbH',
        currency: 'EUR',
        externalId: '2026030200001',
      },
      {
        line: 24,
        date: '2026-03-13',
        amount: '2345.67',
        description: 'Gehalt März 2026',
        merchant: 'Arbeitgeber AG',
        currency: 'EUR',
        externalId: '2026031300007',
      },
      { line: 38, date: '2026-03-31T23:59:00+02:00', amount: '-0.10', description: 'Kontoführungsgebühr', currency: 'EUR' },
    ]);
    expect(parsed.notes).toEqual(['Skipped 1 pending entry (not booked yet).']);
  });

  it('refuses a file named as a format it is not', () => {
    expect(() => readImportFile(fixture('checking.qif'), { format: 'ofx' })).toThrow(/not OFX/);
    expect(() => readImportFile(fixture('bank-sgml.ofx'), { format: 'camt053' })).toThrow(/CAMT\.053/);
  });
});

describe('parseMapping', () => {
  it('names the mapping field that is wrong', () => {
    const fields = (text: string) => {
      try {
        parseMapping(text, 'querystring');
        return [];
      } catch (error) {
        return (error as { errors?: { field: string }[] }).errors?.map((e) => e.field);
      }
    };
    expect(fields('{"date":"Datum","amount":"Betrag","dateFormat":"DD.MM.YYYY","decimal":",","invert":true}')).toEqual([]);
    expect(fields('{not json')).toEqual(['mapping']);
    expect(fields('{"dateFormat":"day first"}')).toEqual(['mapping.dateFormat']);
    expect(fields('{"amount":"A","debit":"D"}')).toEqual(['mapping.amount']);
    expect(fields('{"decimal":";","delimiter":"x","encoding":"klingon","date":-1,"colour":1}')).toEqual(
      expect.arrayContaining(['mapping.decimal', 'mapping.delimiter', 'mapping.encoding', 'mapping.date', 'mapping']),
    );
  });
});
