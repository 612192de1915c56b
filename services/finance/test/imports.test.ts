import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { call, newUser, type TestUser } from '@expensio/common/testing';
import { createTestFinance, type TestFinance } from './helpers.js';

let t: TestFinance;
beforeAll(async () => {
  t = await createTestFinance();
});
afterAll(async () => {
  await t.close();
});

const URL = '/api/transactions/import';

function importCsv(user: TestUser, csv: string, query = '', headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url: `${URL}${query}`, headers: { ...user.headers, 'content-type': 'text/csv', ...headers }, payload: csv });
}

/** A multipart body by hand: [name, value] for fields, [name, value, filename] for files. */
function importForm(user: TestUser, parts: [string, string, string?][]) {
  const boundary = '----expensio-test-boundary';
  const body = parts
    .map(([name, value, filename]) =>
      filename === undefined
        ? `--${boundary}\r\ncontent-disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
        : `--${boundary}\r\ncontent-disposition: form-data; name="${name}"; filename="${filename}"\r\ncontent-type: text/csv\r\n\r\n${value}\r\n`,
    )
    .join('');
  return t.app.inject({
    method: 'POST',
    url: URL,
    headers: { ...user.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: `${body}--${boundary}--\r\n`,
  });
}

async function transactions(user: TestUser, query = '') {
  return (await call(t, user, 'GET', `/api/transactions?limit=200${query}`)).json().items as Record<string, unknown>[];
}

/** What the files add up to: projectedBalance, since some files are dated after the test clock's today. */
async function balances(user: TestUser) {
  return Object.fromEntries(
    (await call(t, user, 'GET', '/api/accounts')).json().items.map((a: { name: string; projectedBalance: string }) => [a.name, a.projectedBalance]),
  );
}

describe('POST /api/transactions/import', () => {
  it('rejects a row whose cell holds a NUL or another control character, with its line and column, and imports the rest', async () => {
    const user = await newUser(t);
    const csv = [
      'date,amount,description,merchant,tags',
      '2026-03-01,-1.00,Fine,,',
      '2026-03-02,-2.00,a\u0000b,,',
      '2026-03-03,-3.00,,Shop\u001b,x;y\u0000',
    ].join('\n');
    const response = await importCsv(user, csv);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      rows: 3,
      created: 1,
      rejected: 2,
      problems: [
        { row: 3, field: 'description', message: expect.stringMatching(/control characters/) },
        { row: 4, field: 'merchant' },
        { row: 4, field: 'tags' },
      ],
    });
    expect((await transactions(user)).map((i) => i.description)).toEqual(['Fine']);
  });

  it('imports a text/csv body into the default account, exactly, with every column', async () => {
    const user = await newUser(t);
    const csv = [
      'Date,Amount,Description,Category,Merchant,Tags,Currency,Reference',
      '2026-03-01,-0.10,Coffee,dining,Corner Cafe,morning;coffee,USD,A1',
      '2026-03-01T18:45:00+02:00,-0.20,Tea,Dining,,coffee; ;coffee,,A2',
      '2026-03-02,2500.00,Salary,salary,ACME,,usd,A3',
      '2026-03-03T09:00:00Z,+12345678.91,Bonus,,,,,A4',
    ].join('\n');
    const response = await importCsv(user, csv);
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report).toMatchObject({ rows: 4, created: 4, duplicates: 0, rejected: 0, problems: [], problemsTruncated: false });
    const account = (await call(t, user, 'GET', '/api/accounts')).json().items[0];
    expect(report.accountId).toBe(account.id);

    const items = await transactions(user);
    expect(items.map((i) => [i.type, i.amount, i.description, i.category, i.merchant, i.tags, i.occurredAt])).toEqual([
      ['income', '12345678.91', 'Bonus', null, null, [], '2026-03-03T09:00:00.000Z'],
      ['income', '2500.00', 'Salary', 'salary', 'ACME', [], '2026-03-02T00:00:00.000Z'],
      ['expense', '0.20', 'Tea', 'dining', null, ['coffee'], '2026-03-01T16:45:00.000Z'],
      ['expense', '0.10', 'Coffee', 'dining', 'Corner Cafe', ['morning', 'coffee'], '2026-03-01T00:00:00.000Z'],
    ]);
    // 0.10 + 0.20 is 0.30, not 0.30000000000000004.
    expect(await balances(user)).toEqual({ 'Main account': '12348178.61' });
    const summary = (await call(t, user, 'GET', '/api/transactions/summary?timeframe=month')).json();
    expect(summary.byCategory.find((c: { category: string }) => c.category === 'dining')).toMatchObject({ expense: '0.30', count: 2 });
  });

  it('imports multipart/form-data into the account named by the accountId field, honouring a type column', async () => {
    const user = await newUser(t);
    const yen = (await call(t, user, 'POST', '/api/accounts', { name: 'Yen', type: 'cash', currency: 'JPY' })).json();
    const csv = 'date,type,amount,description,currency\n2026-02-10,expense,1500,Ramen,JPY\n2026-02-11,income,20000,Gift,\n2026-02-12,expense,1.5,Bad,JPY\n';
    const response = await importForm(user, [
      ['accountId', yen.id],
      ['file', csv, 'yen.csv'],
    ]);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ accountId: yen.id, rows: 3, created: 2, duplicates: 0, rejected: 1 });
    expect(response.json().problems).toEqual([{ row: 4, field: 'amount', message: 'amount JPY has no decimals' }]);
    expect(await balances(user)).toEqual({ 'Main account': '0.00', Yen: '18500' });
    // The query works for multipart too.
    const again = await importForm(user, [['file', 'date,amount\n2026-02-13,-1\n', 'more.csv']]);
    expect(again.json()).toMatchObject({ created: 1 });
    expect(again.json().accountId).not.toBe(yen.id);
    const viaQuery = await t.app.inject({
      method: 'POST',
      url: `${URL}?accountId=${yen.id}`,
      headers: { ...user.headers, 'content-type': 'multipart/form-data; boundary=b' },
      payload: '--b\r\ncontent-disposition: form-data; name="file"; filename="a.csv"\r\n\r\ndate,amount\n2026-02-14,-100\n\r\n--b--\r\n',
    });
    expect(viaQuery.json()).toMatchObject({ accountId: yen.id, created: 1 });
  });

  it('skips rows equal to an existing transaction or to an earlier row of the file', async () => {
    const user = await newUser(t);
    const csv = [
      'date,amount,description',
      '2026-03-05,-4.50,Lunch',
      '2026-03-05T20:00:00Z,-4.50,Lunch', // same UTC day, type, amount and description as the row above
      '2026-03-05,-4.50,Dinner',
      '2026-03-06,-4.50,Lunch',
      '2026-03-05,4.50,Lunch', // income, not the expense
      '2026-03-07,-9.99,',
      '2026-03-07,-9.99,',
    ].join('\n');
    const first = (await importCsv(user, csv)).json();
    expect(first).toMatchObject({ rows: 7, created: 5, duplicates: 2, rejected: 0 });
    const second = (await importCsv(user, csv)).json();
    expect(second).toMatchObject({ rows: 7, created: 0, duplicates: 7, rejected: 0 });
    expect(await transactions(user)).toHaveLength(5);

    // A transaction recorded by hand counts as existing too; another account does not.
    await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '30.00', description: 'Groceries run', occurredAt: '2026-03-08T10:00:00Z' });
    const savings = (await call(t, user, 'POST', '/api/accounts', { name: 'Savings', type: 'savings' })).json();
    const manual = (await importCsv(user, 'date,amount,description\n2026-03-08,-30.00,Groceries run\n2026-03-08,-30.00,Groceries\n')).json();
    expect(manual).toMatchObject({ created: 1, duplicates: 1 });
    const elsewhere = (await importCsv(user, 'date,amount,description\n2026-03-08,-30.00,Groceries run\n', `?accountId=${savings.id}`)).json();
    expect(elsewhere).toMatchObject({ accountId: savings.id, created: 1, duplicates: 0 });
  });

  it('rejects bad rows with their line, field and reason, and imports the rest', async () => {
    const user = await newUser(t);
    const csv = [
      'date,amount,category,currency,type,tags,description',
      '2026-03-01,-1.00,groceries,USD,,a;b,ok',
      '2026-02-30,-1.00,,,,,bad date',
      'yesterday,-1.00,,,,,bad date',
      '2026-03-01,-1.005,,,,,too precise',
      '2026-03-01,1.000.00,,,,,not a number',
      '2026-03-01,0,,,,,zero',
      '2026-03-01,-1.00,caviar,,,,unknown category',
      '2026-03-01,-1.00,,EUR,,,wrong currency',
      '2026-03-01,-1.00,,,transfer,,bad type',
      '2026-03-01,-1.00,,,expense,,negative with a type',
      '2026-03-01,-1.00,,,,,',
      '2026-03-01,-1.00',
      ',,,,,,nothing',
      '2026-03-01,"-2.00",,,,,"multi',
      'line"',
      '2026-03-01,-3.00,,,,"x;y;z;w;v;u;t;s;r;q;p;o;n;m;l;k;j;i;h;g;f",too many tags',
    ].join('\r\n');
    const response = await importCsv(user, csv);
    expect(response.statusCode).toBe(200);
    const report = response.json();
    expect(report).toMatchObject({ rows: 15, created: 4, duplicates: 0, rejected: 11 });
    // An unknown category costs the row its category, not the row.
    expect(report.warnings).toEqual([{ row: 8, field: 'category', message: 'no category "caviar" (a name, slug or id of yours): imported uncategorised' }]);
    expect(report.problems).toEqual([
      { row: 3, field: 'date', message: expect.stringContaining('2026-02-30') },
      { row: 4, field: 'date', message: expect.stringContaining('yesterday') },
      { row: 5, field: 'amount', message: 'amount USD allows at most 2 decimals' },
      { row: 6, field: 'amount', message: expect.stringContaining('decimal number') },
      { row: 7, field: 'amount', message: 'amount must not be zero' },
      { row: 9, field: 'currency', message: "currency EUR is not the account's currency (USD)" },
      { row: 10, field: 'type', message: 'type must be income or expense' },
      { row: 11, field: 'amount', message: 'amount must be positive when the row has a type' },
      { row: 13, field: null, message: 'has 2 fields; the header has 7' },
      { row: 14, field: 'date', message: 'date is required' },
      { row: 14, field: 'amount', message: 'amount is required' },
      { row: 16, field: 'tags', message: 'at most 20 tags' },
    ]);
    const items = await transactions(user);
    expect(items.map((i) => [i.amount, i.description, i.category]).sort()).toEqual([
      ['1.00', null, null],
      ['1.00', 'ok', 'groceries'],
      ['1.00', 'unknown category', null],
      ['2.00', 'multi\r\nline', null],
    ]);
  });

  it('another user’s account is 404, by query or form field, and nothing is written', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const alices = (await call(t, alice, 'POST', '/api/accounts', { name: 'Private', type: 'savings' })).json();
    const csv = 'date,amount\n2026-03-01,-1.00\n';
    const byQuery = await importCsv(bob, csv, `?accountId=${alices.id}`);
    expect(byQuery.statusCode).toBe(404);
    expect(byQuery.json()).toMatchObject({ code: 'account_not_found' });
    const byField = await importForm(bob, [
      ['accountId', alices.id],
      ['file', csv, 'a.csv'],
    ]);
    expect(byField.statusCode).toBe(404);
    expect(await transactions(bob)).toEqual([]);
    expect(await transactions(alice)).toEqual([]);
    expect((await call(t, alice, 'GET', `/api/accounts/${alices.id}`)).json().balance).toBe('0.00');
  });

  it('a bad file or request is 400 and writes nothing, even when good rows came first', async () => {
    const user = await newUser(t);
    const good = Array.from({ length: 1500 }, (_, i) => `2026-01-01,-${i + 1}.00,row ${i}`).join('\n');
    const cases: [string, string, Record<string, string>?][] = [
      ['no header', '2026-03-01,-1.00\n'],
      ['missing amount column', 'date,value\n2026-03-01,-1.00\n'],
      ['twice the same column', 'date,amount,Amount\n2026-03-01,-1.00,1\n'],
      ['empty file', ''],
      ['unclosed quote after 1,500 good rows', `date,amount,description\n${good}\n2026-03-01,-1.00,"never closed\n`],
      ['a bad accountId', 'date,amount\n2026-03-01,-1.00\n', { query: '?accountId=nope' }],
    ];
    for (const [name, csv, options] of cases) {
      const response = await importCsv(user, csv, options?.query ?? '');
      expect(response.statusCode, name).toBe(400);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(response.json().errors?.[0]?.field, name).toMatch(/^(file|accountId)$/);
    }
    expect(await transactions(user)).toEqual([]);

    const noFile = await importForm(user, [['accountId', '0190a000-0000-7000-8000-000000000000']]);
    expect(noFile.statusCode).toBe(400);
    const wrongField = await importForm(user, [['upload', 'date,amount\n2026-03-01,-1\n', 'a.csv']]);
    expect(wrongField.statusCode).toBe(400);
    const badField = await importForm(user, [
      ['accountId', 'nope'],
      ['file', 'date,amount\n2026-03-01,-1\n', 'a.csv'],
    ]);
    expect(badField.statusCode).toBe(400);
    expect(badField.json().errors[0]).toMatchObject({ field: 'accountId' });
    const lateAccount = await importForm(user, [
      ['file', 'date,amount\n2026-03-01,-1\n', 'a.csv'],
      ['accountId', '0190a000-0000-7000-8000-000000000000'],
    ]);
    expect(lateAccount.statusCode).toBe(400);
    expect(lateAccount.json().errors[0]).toMatchObject({ field: 'accountId' });
    const twoFiles = await importForm(user, [
      ['file', 'date,amount\n2026-03-01,-1\n', 'a.csv'],
      ['file', 'date,amount\n2026-03-02,-1\n', 'b.csv'],
    ]);
    expect(twoFiles.statusCode).toBe(400);
    expect(twoFiles.json().detail).toContain('one file');
    const json = await call(t, user, 'POST', URL, { date: '2026-03-01', amount: '-1.00' });
    expect(json.statusCode).toBe(415);
    const noBody = await call(t, user, 'POST', URL);
    expect(noBody.statusCode).toBe(400);
    expect(await transactions(user)).toEqual([]);
  });

  it('a file over IMPORT_MAX_BYTES is 413 and writes nothing', async () => {
    const user = await newUser(t);
    const csv = `date,amount,description\n${Array.from({ length: 200 }, (_, i) => `2026-01-01,-${i + 1}.00,row ${i}`).join('\n')}\n`;
    const previous = t.ctx.config.IMPORT_MAX_BYTES;
    t.ctx.config.IMPORT_MAX_BYTES = 2_000;
    try {
      const raw = await importCsv(user, csv);
      expect(raw.statusCode).toBe(413);
      expect(raw.json()).toMatchObject({ status: 413, code: 'import_too_large' });
      // A Content-Length that understates the body is caught while reading.
      const chunked = await t.app.inject({
        method: 'POST',
        url: URL,
        headers: { ...user.headers, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
        payload: csv,
      });
      expect(chunked.statusCode).toBe(413);
      const form = await importForm(user, [['file', csv, 'big.csv']]);
      expect(form.statusCode).toBe(413);
      expect(form.json()).toMatchObject({ code: 'import_too_large' });
      expect((await importCsv(user, csv.slice(0, 1_000).replace(/\n[^\n]*$/, '\n'))).statusCode).toBe(200);
    } finally {
      t.ctx.config.IMPORT_MAX_BYTES = previous;
    }
    expect((await transactions(user)).length).toBeLessThan(100);
  });

  it('the CSV and multipart parsers exist for the import route only', async () => {
    const user = await newUser(t);
    const csv = await t.app.inject({
      method: 'POST',
      url: '/api/transactions',
      headers: { ...user.headers, 'content-type': 'text/csv' },
      payload: 'date,amount\n2026-03-01,-1\n',
    });
    expect(csv.statusCode).toBe(415);
    const form = await t.app.inject({
      method: 'POST',
      url: '/api/accounts',
      headers: { ...user.headers, 'content-type': 'multipart/form-data; boundary=b' },
      payload: '--b\r\ncontent-disposition: form-data; name="name"\r\n\r\nx\r\n--b--\r\n',
    });
    expect(form.statusCode).toBe(415);
    expect(await transactions(user)).toEqual([]);
  });

  it('needs a signed-in user, and refuses an archived account', async () => {
    const anonymous = await t.app.inject({ method: 'POST', url: URL, headers: { 'content-type': 'text/csv' }, payload: 'date,amount\n2026-03-01,-1\n' });
    expect(anonymous.statusCode).toBe(401);
    const user = await newUser(t);
    const old = (await call(t, user, 'POST', '/api/accounts', { name: 'Old', type: 'cash' })).json();
    await call(t, user, 'PATCH', `/api/accounts/${old.id}`, { archived: true });
    const archived = await importCsv(user, 'date,amount\n2026-03-01,-1\n', `?accountId=${old.id}`);
    expect(archived.statusCode).toBe(422);
    expect(await transactions(user)).toEqual([]);
  });

  it('imports thousands of rows across batches, counting each kind once', async () => {
    const user = await newUser(t);
    const row = (i: number) => `2026-01-${String((i % 28) + 1).padStart(2, '0')},-${(i % 500) + 1}.25,item ${i}`;
    // 2,000 distinct rows, then the first 500 again (duplicates across batch boundaries), then a bad one.
    const lines = [
      'date,amount,description',
      ...Array.from({ length: 2_000 }, (_, i) => row(i)),
      ...Array.from({ length: 500 }, (_, i) => row(i)),
      '2026-01-01,abc,bad',
    ];
    const report = (await importCsv(user, lines.join('\n'))).json();
    expect(report).toMatchObject({ rows: 2_501, created: 2_000, duplicates: 500, rejected: 1 });
    // Four times the sum of 1.25 .. 500.25.
    expect((await balances(user))['Main account']).toBe('-501500.00');
  });
});

describe('POST /api/transactions/import with bank files', () => {
  const fixture = (name: string) => readFileSync(new globalThis.URL(`./fixtures/imports/${name}`, import.meta.url));

  function importFile(user: TestUser, body: Buffer | string, query = '', contentType = 'text/csv') {
    return t.app.inject({ method: 'POST', url: `${URL}${query}`, headers: { ...user.headers, 'content-type': contentType }, payload: body });
  }

  async function amounts(user: TestUser) {
    return (await transactions(user)).map((i) => [String(i.occurredAt).slice(0, 10), i.type, i.amount, i.description, i.merchant]).sort();
  }

  it('imports a US debit/credit export with the right signs, skipping its totals line', async () => {
    const user = await newUser(t);
    const response = await importFile(user, fixture('us-checking-debit-credit.csv'));
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      format: 'csv',
      rows: 4,
      created: 4,
      rejected: 0,
      notes: ['Skipped 1 line(s) after the last transaction (totals or balances).'],
    });
    expect(await amounts(user)).toEqual([
      ['2026-11-03', 'expense', '54.23', 'SAFEWAY #1234 OAKLAND CA', null],
      ['2026-11-05', 'income', '2500.00', 'PAYROLL ACME CORP', null],
      ['2026-11-13', 'expense', '1234.56', 'RENT, NOVEMBER', null],
      ['2026-11-20', 'income', '12.00', 'REFUND AMAZON', null],
    ]);
    expect(await balances(user)).toEqual({ 'Main account': '1223.21' });
  });

  it('imports a German Latin-1 ";" file with decimal commas into a euro account, from a multipart form with a mapping', async () => {
    const user = await newUser(t);
    const euro = (await call(t, user, 'POST', '/api/accounts', { name: 'Giro', type: 'checking', currency: 'EUR' })).json();
    const auto = await importFile(user, fixture('de-giro-latin1.csv'), `?accountId=${euro.id}`);
    expect(auto.json()).toMatchObject({ format: 'csv', rows: 4, created: 4, rejected: 0 });
    expect(await amounts(user)).toEqual([
      ['2026-03-02', 'expense', '54.23', 'Einkauf Lebensmittel', 'REWE Markt GmbH'],
      ['2026-03-05', 'expense', '7.99', 'Kartenzahlung', 'Müller Drogerie'],
      ['2026-03-13', 'income', '2345.67', 'Gehalt März', 'Arbeitgeber AG'],
      ['2026-03-15', 'expense', '1234.50', 'Abschlag Strom', 'Stadtwerke Köln'],
    ]);
    expect((await balances(user)).Giro).toBe('1048.95');

    // The same bytes named by a mapping in a form field are the same rows: all duplicates now.
    const boundary = 'b0undary';
    const mapping = JSON.stringify({
      date: 'Buchungstag',
      amount: 'Betrag',
      description: 'Verwendungszweck',
      merchant: 'Auftraggeber/Empfänger',
      encoding: 'windows-1252',
      dateFormat: 'DD.MM.YYYY',
      decimal: ',',
    });
    const body = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="accountId"\r\n\r\n${euro.id}\r\n--${boundary}\r\ncontent-disposition: form-data; name="mapping"\r\n\r\n${mapping}\r\n`,
      ),
      Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="umsaetze.csv"\r\ncontent-type: text/csv\r\n\r\n`),
      fixture('de-giro-latin1.csv'),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const mapped = await t.app.inject({
      method: 'POST',
      url: URL,
      headers: { ...user.headers, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body,
    });
    expect(mapped.json()).toMatchObject({ rows: 4, created: 0, duplicates: 4 });
  });

  it('imports an OFX file as a raw body, detected from its content', async () => {
    const user = await newUser(t);
    const response = await importFile(user, fixture('bank-sgml.ofx'), '', 'application/x-ofx');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ format: 'ofx', rows: 3, created: 3, rejected: 0 });
    expect(await amounts(user)).toEqual([
      ['2026-03-01', 'expense', '54.23', 'POS PURCHASE', 'WHOLE FOODS #10'],
      ['2026-03-02', 'income', '2500.00', 'ACME CORP PAYROLL', 'ACME CORP PAYROLL'],
      ['2026-03-04', 'expense', '1200.00', 'RENT & PARKING', 'CHECK 1001'],
    ]);
    // 12:00 in New York is 17:00 UTC.
    expect((await transactions(user)).find((i) => i.description === 'POS PURCHASE')?.occurredAt).toBe('2026-03-01T17:00:00.000Z');
    expect(await balances(user)).toEqual({ 'Main account': '1245.77' });
  });

  it('flips a positive-charge card export with mapping.invert in the query', async () => {
    const user = await newUser(t);
    const response = await importFile(user, fixture('card-positive-charges.csv'), `?mapping=${encodeURIComponent('{"invert":true}')}`);
    expect(response.json()).toMatchObject({ created: 4 });
    expect(await balances(user)).toEqual({ 'Main account': '950.26' });
  });

  it('a bad mapping or format is 400 naming the field, and writes nothing', async () => {
    const user = await newUser(t);
    const csv = fixture('us-checking-debit-credit.csv');
    const badJson = await importFile(user, csv, '?mapping=%7Bnope');
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json().errors[0]).toMatchObject({ field: 'mapping' });
    const badField = await importFile(user, csv, `?mapping=${encodeURIComponent('{"dateFormat":"whenever","decimal":";"}')}`);
    expect(badField.statusCode).toBe(400);
    expect(
      badField
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['mapping.dateFormat', 'mapping.decimal']);
    const missingColumn = await importFile(user, csv, `?mapping=${encodeURIComponent('{"date":"Datum","amount":"Betrag"}')}`);
    expect(missingColumn.statusCode).toBe(400);
    expect(missingColumn.json().errors[0]).toMatchObject({ field: 'mapping.date' });
    const badFormat = await importFile(user, csv, '?format=xls');
    expect(badFormat.statusCode).toBe(400);
    const wrongFormat = await importFile(user, csv, '?format=ofx');
    expect(wrongFormat.statusCode).toBe(400);
    expect(wrongFormat.json().errors[0]).toMatchObject({ field: 'file' });
    expect(await transactions(user)).toEqual([]);
  });
});

describe('POST /api/transactions/import?dryRun=true', () => {
  async function counts(user: TestUser) {
    const rows = await t.ctx.db
      .selectFrom('transactions')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    const events = await t.ctx.db
      .selectFrom('outbox')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    return { transactions: Number(rows.n), events: Number(events.n) };
  }

  it('answers row by row what an import would do and writes nothing; the import then does exactly that', async () => {
    const user = await newUser(t);
    const imported = (await importCsv(user, 'date,amount,description\n2026-03-01,-12.00,Bakery\n')).json();
    expect(imported.outcomes).toHaveLength(1);
    const bakeryId = imported.outcomes[0].transactionId;
    const manual = (
      await call(t, user, 'POST', '/api/transactions', { type: 'expense', amount: '30.00', description: 'Groceries', occurredAt: '2026-03-02T10:00:00Z' })
    ).json();
    const before = await counts(user);

    const csv = [
      'date,amount,description,category',
      '2026-03-03,-5.25,Coffee,dining', // row 2: new
      '2026-03-01,-12.00,Bakery,', // row 3: the earlier import's row
      '2026-03-03,-5.25,Coffee,', // row 4: row 2 again
      '2026-03-04,-1.2.3,Broken,', // row 5: bad amount
      '2026-03-02,-30.00,Groceries,', // row 6: the transaction made by hand
      '2026-03-05,100.00,Refund,', // row 7: new income
    ].join('\n');
    const dry = await importCsv(user, csv, '?dryRun=true');
    expect(dry.statusCode).toBe(200);
    const report = dry.json();
    expect(report).toMatchObject({ dryRun: true, rows: 6, created: 2, duplicates: 3, rejected: 1 });
    expect(report.duplicateRows).toEqual([
      { row: 3, transactionId: bakeryId, earlierRow: null },
      { row: 4, transactionId: null, earlierRow: 2 },
      { row: 6, transactionId: manual.id, earlierRow: null },
    ]);
    expect(report.problems).toEqual([{ row: 5, field: 'amount', message: expect.stringContaining('decimal number') }]);
    expect(report.outcomes.map((o: { row: number; outcome: string; transactionId: string | null }) => [o.row, o.outcome, o.transactionId])).toEqual([
      [2, 'created', null],
      [3, 'duplicate', null],
      [4, 'duplicate', null],
      [5, 'rejected', null],
      [6, 'duplicate', null],
      [7, 'created', null],
    ]);
    const dining = (await call(t, user, 'GET', '/api/categories')).json().items.find((c: { slug: string }) => c.slug === 'dining');
    expect(report.outcomes[0].transaction).toEqual({
      type: 'expense',
      amount: '5.25',
      currency: 'USD',
      occurredAt: '2026-03-03T00:00:00.000Z',
      categoryId: dining.id,
      description: 'Coffee',
      merchant: null,
      tags: [],
    });
    expect(report.outcomes[3]).toMatchObject({ transaction: null, problems: [{ field: 'amount' }] });
    expect(await counts(user)).toEqual(before);

    // The real import does what the dry run said, now naming the transactions it made.
    const real = (await importCsv(user, csv)).json();
    expect(real).toMatchObject({ dryRun: false, rows: 6, created: 2, duplicates: 3, rejected: 1 });
    const coffee = real.outcomes[0].transactionId;
    expect(coffee).toEqual(expect.any(String));
    expect(real.duplicateRows).toEqual([
      { row: 3, transactionId: bakeryId, earlierRow: null },
      { row: 4, transactionId: coffee, earlierRow: 2 },
      { row: 6, transactionId: manual.id, earlierRow: null },
    ]);
    expect((await counts(user)).transactions).toBe(before.transactions + 2);
    expect((await call(t, user, 'GET', `/api/transactions/${coffee}`)).json()).toMatchObject({ amount: '5.25', description: 'Coffee', category: 'dining' });
  });

  it('a dry run of a large file changes nothing either, and a bad dryRun is 400', async () => {
    const user = await newUser(t);
    const lines = [
      'date,amount,description',
      ...Array.from({ length: 1_200 }, (_, i) => `2026-02-${String((i % 28) + 1).padStart(2, '0')},-${i + 1}.00,row ${i}`),
    ];
    const report = (await importCsv(user, lines.join('\n'), '?dryRun=true')).json();
    expect(report).toMatchObject({ rows: 1_200, created: 1_200, duplicates: 0, outcomesTruncated: true });
    expect(report.outcomes).toHaveLength(1_000);
    expect(await counts(user)).toEqual({ transactions: 0, events: 0 });
    const bad = await importCsv(user, lines.join('\n'), '?dryRun=yes');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0]).toMatchObject({ field: 'dryRun' });
  });
});

describe('POST /api/transactions/import?allowDuplicates=true', () => {
  it('imports two identical charges of one day on purpose, and a later import of the same file still finds both', async () => {
    const user = await newUser(t);
    const csv = 'date,amount,description\n2026-03-10,-3.80,Metro ticket\n2026-03-10,-3.80,Metro ticket\n2026-03-11,-3.80,Metro ticket\n';
    const twins = (await importCsv(user, csv, '?allowDuplicates=true')).json();
    expect(twins).toMatchObject({ rows: 3, created: 3, duplicates: 0 });
    const [first, second, third] = twins.outcomes;
    expect(first).toMatchObject({ row: 2, outcome: 'created', duplicateOf: null });
    expect(second).toMatchObject({ row: 3, outcome: 'created', duplicateOf: { transactionId: first.transactionId, earlierRow: 2 } });
    expect(third).toMatchObject({ row: 4, outcome: 'created', duplicateOf: null });
    expect(await balances(user)).toEqual({ 'Main account': '-11.40' });

    // The first of its kind carries the fingerprint SQL computes (as restore does); the twin none.
    const stored = await t.ctx.db
      .selectFrom('transactions')
      .select(['id', 'import_fingerprint'])
      .select(
        sql<string>`md5(account_id::text || '|' || to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD') || '|' || type || '|' || amount::text || '|' || coalesce(description, ''))`.as(
          'expected',
        ),
      )
      .where('user_id', '=', user.id)
      .execute();
    const byId = new Map(stored.map((r) => [r.id, r]));
    expect(byId.get(first.transactionId)?.import_fingerprint).toBe(byId.get(first.transactionId)?.expected);
    expect(byId.get(second.transactionId)?.import_fingerprint).toBeNull();
    expect(byId.get(third.transactionId)?.import_fingerprint).toBe(byId.get(third.transactionId)?.expected);

    // The same statement again: each row is a duplicate, the twin of the transaction the first one made.
    const again = (await importCsv(user, csv)).json();
    expect(again).toMatchObject({ created: 0, duplicates: 3 });
    expect(again.duplicateRows).toEqual([
      { row: 2, transactionId: first.transactionId, earlierRow: null },
      { row: 3, transactionId: first.transactionId, earlierRow: 2 },
      { row: 4, transactionId: third.transactionId, earlierRow: null },
    ]);
    // Asked for again on purpose, it is imported again, and it says what each row repeats.
    const twice = (await importCsv(user, csv, '?allowDuplicates=true')).json();
    expect(twice).toMatchObject({ created: 3, duplicates: 0 });
    expect(twice.outcomes.map((o: { duplicateOf: unknown }) => o.duplicateOf)).toEqual([
      { transactionId: first.transactionId, earlierRow: null },
      { transactionId: twice.outcomes[0].transactionId, earlierRow: 2 },
      { transactionId: third.transactionId, earlierRow: null },
    ]);
    expect(await balances(user)).toEqual({ 'Main account': '-22.80' });
    // A twin of a hand-made transaction, in a dry run, is counted as created and writes nothing.
    const dry = (await importCsv(user, csv, '?allowDuplicates=true&dryRun=true')).json();
    expect(dry).toMatchObject({ created: 3, duplicates: 0, dryRun: true });
    expect(await transactions(user)).toHaveLength(6);
  });
});

describe('POST /api/transactions/import: categories', () => {
  it('finds a category by its display name in any case, prefers your own, and leaves an unknown or ill-fitting one out with a warning', async () => {
    const user = await newUser(t);
    const own = (await call(t, user, 'POST', '/api/categories', { name: 'Groceries', kind: 'expense', slug: 'my-groceries' })).json();
    const csv = [
      'date,amount,description,category',
      '2026-03-01,-10.00,Pizza,dining out', // row 2: default "Dining out" by name
      '2026-03-02,-20.00,Market,GROCERIES', // row 3: the slug "groceries" wins over the user's own "Groceries" name
      '2026-03-03,-30.00,Store,my-groceries', // row 4: the user's own by slug
      '2026-03-04,-40.00,Gift shop,Gifts and Donations', // row 5
      '2026-03-05,-50.00,Payroll reversal,Salary', // row 6: an income category on an expense
      '2026-03-06,60.00,Payroll,salary', // row 7
      '2026-03-07,-70.00,Mystery,Treasure', // row 8: unknown
    ].join('\n');
    const dry = (await importCsv(user, csv, '?dryRun=true')).json();
    const report = (await importCsv(user, csv)).json();
    expect(report).toMatchObject({ rows: 7, created: 7, rejected: 0 });
    expect(report.warnings).toEqual([
      { row: 6, field: 'category', message: '"salary" is an income category and this row is an expense: imported uncategorised' },
      { row: 8, field: 'category', message: 'no category "Treasure" (a name, slug or id of yours): imported uncategorised' },
    ]);
    expect(dry.warnings).toEqual(report.warnings);
    const items = await transactions(user);
    expect(Object.fromEntries(items.map((i) => [i.description, i.category]))).toEqual({
      Pizza: 'dining',
      Market: 'groceries',
      Store: own.slug,
      'Gift shop': 'gifts',
      'Payroll reversal': null,
      Payroll: 'salary',
      Mystery: null,
    });
    // A user's own name beats a default one with the same name; a slug beats any name.
    const fees = (await call(t, user, 'POST', '/api/categories', { name: 'Fees and charges', kind: 'expense', slug: 'bank-fees' })).json();
    await importCsv(user, 'date,amount,description,category\n2026-03-08,-2.50,Card fee,FEES AND CHARGES\n2026-03-08,-3.50,ATM fee,fees\n');
    const after = await transactions(user);
    expect(after.find((i) => i.description === 'Card fee')?.category).toBe(fees.slug);
    expect(after.find((i) => i.description === 'ATM fee')?.category).toBe('fees');
  });
});

describe('/api/accounts/:id/import-mapping', () => {
  const layout = 'When;What;How much\n03.02.2026;Bakery;-2,50\n04.02.2026;Refund;1.234,00\n';
  const mapping = { date: 'When', description: 'What', amount: 'How much', dateFormat: 'DD.MM.YYYY', decimal: ',', thousands: '.', delimiter: ';' };

  it('saves a mapping per account that an import without one then uses; PUT replaces it, DELETE forgets it', async () => {
    const user = await newUser(t);
    const giro = (await call(t, user, 'POST', '/api/accounts', { name: 'Giro', type: 'checking', currency: 'EUR' })).json();
    const other = (await call(t, user, 'POST', '/api/accounts', { name: 'Other', type: 'checking', currency: 'EUR' })).json();
    const path = `/api/accounts/${giro.id}/import-mapping`;

    const none = await call(t, user, 'GET', path);
    expect(none.statusCode).toBe(404);
    expect(none.json()).toMatchObject({ code: 'import_mapping_not_found' });
    // Without a mapping the layout cannot be read.
    expect((await importCsv(user, layout, `?accountId=${giro.id}`)).statusCode).toBe(400);

    const saved = await call(t, user, 'PUT', path, mapping);
    expect(saved.statusCode).toBe(200);
    expect(saved.json()).toEqual({ accountId: giro.id, mapping, updatedAt: '2026-03-15T12:00:00.000Z' });
    expect((await call(t, user, 'GET', path)).json()).toEqual(saved.json());

    const imported = (await importCsv(user, layout, `?accountId=${giro.id}`)).json();
    expect(imported).toMatchObject({ created: 2, rejected: 0 });
    expect(imported.notes[0]).toBe('Read with the account’s saved mapping.');
    expect((await balances(user)).Giro).toBe('1231.50');
    // Only that account's imports use it.
    expect((await importCsv(user, layout, `?accountId=${other.id}`)).statusCode).toBe(400);
    // A mapping in the request wins over the saved one.
    const named = (
      await importCsv(
        user,
        'When;What;How much\n05.02.2026;Kiosk;-1,00\n',
        `?accountId=${giro.id}&mapping=${encodeURIComponent(JSON.stringify({ ...mapping, invert: true }))}`,
      )
    ).json();
    expect(named.notes).not.toContain('Read with the account’s saved mapping.');
    expect(named.outcomes[0].transaction).toMatchObject({ type: 'income', amount: '1.00' });

    const replaced = await call(t, user, 'PUT', path, { ...mapping, invert: true });
    expect(replaced.json().mapping).toEqual({ ...mapping, invert: true });
    const inverted = (await importCsv(user, 'When;What;How much\n06.02.2026;Kiosk;-1,00\n', `?accountId=${giro.id}&dryRun=true`)).json();
    expect(inverted.outcomes[0].transaction).toMatchObject({ type: 'income', amount: '1.00' });

    const cleared = await call(t, user, 'DELETE', path);
    expect(cleared.statusCode).toBe(204);
    expect((await call(t, user, 'GET', path)).statusCode).toBe(404);
    expect((await importCsv(user, layout, `?accountId=${giro.id}`)).statusCode).toBe(400);
    expect((await call(t, user, 'DELETE', path)).statusCode).toBe(204);
  });

  it('refuses a bad mapping naming the field, and is 404 for another user’s account', async () => {
    const alice = await newUser(t);
    const bob = await newUser(t);
    const account = (await call(t, alice, 'POST', '/api/accounts', { name: 'Mine', type: 'checking' })).json();
    const path = `/api/accounts/${account.id}/import-mapping`;
    const bad = await call(t, alice, 'PUT', path, { date: 'When', amount: 'Amount', debit: 'Out', decimal: ';', colour: 'red' });
    expect(bad.statusCode).toBe(400);
    expect(
      bad
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(expect.arrayContaining(['decimal']));
    const control = await call(t, alice, 'PUT', path, { date: 'Wh\u0000en' });
    expect(control.statusCode).toBe(400);
    await call(t, alice, 'PUT', path, mapping);

    for (const [method, body] of [['GET'], ['PUT', { date: 'Date' }], ['DELETE']] as const) {
      const response = await call(t, bob, method, path, body);
      expect(response.statusCode, method).toBe(404);
      expect(response.json()).toMatchObject({ code: 'account_not_found' });
    }
    expect((await call(t, alice, 'GET', path)).json().mapping).toEqual(mapping);
    expect((await call(t, alice, 'GET', '/api/accounts/not-an-id/import-mapping')).statusCode).toBe(400);
  });
});

describe('POST /api/transactions/import: events', () => {
  async function published(user: TestUser) {
    const rows = await t.ctx.db.selectFrom('outbox').select(['type', 'payload']).where('user_id', '=', user.id).orderBy('id').execute();
    return rows.map((r) => ({ type: r.type, payload: r.payload as Record<string, unknown> }));
  }

  it('publishes one transaction.created per created row, through the outbox of the import’s transaction', async () => {
    const user = await newUser(t);
    await importCsv(user, 'date,amount,description\n2026-03-01,-1.00,Seen before\n');
    const before = (await published(user)).length;
    expect(before).toBe(1);
    const report = (
      await importCsv(
        user,
        'date,amount,description,category,merchant\n2026-03-01,-1.00,Seen before,,\n2026-03-02,-7.45,Lunch,dining,Deli\n2026-03-03,abc,Bad,,\n2026-03-04T09:30:00Z,1500.00,Pay,salary,ACME\n',
      )
    ).json();
    expect(report).toMatchObject({ created: 2, duplicates: 1, rejected: 1 });
    const categories = (await call(t, user, 'GET', '/api/categories')).json().items as { id: string; slug: string }[];
    const idOf = (slug: string) => categories.find((c) => c.slug === slug)?.id;
    const events = (await published(user)).slice(before);
    expect(events).toEqual([
      {
        type: 'transaction.created',
        payload: {
          transactionId: report.outcomes[1].transactionId,
          accountId: report.accountId,
          type: 'expense',
          amount: '7.45',
          currency: 'USD',
          categoryId: idOf('dining'),
          description: 'Lunch',
          merchant: 'Deli',
          occurredAt: '2026-03-02T00:00:00.000Z',
          tags: [],
          transferId: null,
          recurringRuleId: null,
        },
      },
      {
        type: 'transaction.created',
        payload: expect.objectContaining({
          transactionId: report.outcomes[3].transactionId,
          type: 'income',
          amount: '1500.00',
          categoryId: idOf('salary'),
          occurredAt: '2026-03-04T09:30:00.000Z',
        }),
      },
    ]);
  });

  it('up to 100 created rows publish one event each; 101 publish one import.completed with the counts and every id', async () => {
    const user = await newUser(t);
    const rows = (n: number, from: number) =>
      Array.from({ length: n }, (_, i) => `2026-01-${String(((from + i) % 28) + 1).padStart(2, '0')},-${from + i + 1}.00,item ${from + i}`);
    const hundred = (await importCsv(user, ['date,amount,description', ...rows(100, 0), ...rows(1, 0)].join('\n'))).json();
    expect(hundred).toMatchObject({ created: 100, duplicates: 1 });
    let events = await published(user);
    expect(events.map((e) => e.type)).toEqual(Array.from({ length: 100 }, () => 'transaction.created'));

    const large = (await importCsv(user, ['date,amount,description', ...rows(101, 100), ...rows(2, 0), '2026-01-01,x,bad'].join('\n'))).json();
    expect(large).toMatchObject({ rows: 104, created: 101, duplicates: 2, rejected: 1 });
    events = (await published(user)).slice(100);
    expect(events).toHaveLength(1);
    expect(events[0]?.type).toBe('import.completed');
    const payload = events[0]?.payload as { transactionIds: string[] };
    expect({ ...payload, transactionIds: undefined }).toEqual({
      accountId: large.accountId,
      format: 'csv',
      rows: 104,
      created: 101,
      duplicates: 2,
      rejected: 1,
      transactionIds: undefined,
    });
    const ids = await t.ctx.db
      .selectFrom('transactions')
      .select('id')
      .where('user_id', '=', user.id)
      .where(
        'description',
        'in',
        Array.from({ length: 101 }, (_, i) => `item ${100 + i}`),
      )
      .execute();
    expect([...payload.transactionIds].sort()).toEqual(ids.map((r) => r.id).sort());
    expect(payload.transactionIds).toEqual(large.outcomes.slice(0, 101).map((o: { transactionId: string }) => o.transactionId));
  });
});
