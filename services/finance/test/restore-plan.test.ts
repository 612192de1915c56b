import { describe, expect, it } from 'vitest';
import { backupDocument } from '../src/export/backup-schema.js';
import { planRestore } from '../src/export/restore-plan.js';

// The restore plan alone (no database): how references among the newer sections (rules, saved
// mappings) and transfers follow the accounts' new ids.

const ids = {
  main: '11111111-1111-4111-8111-111111111111',
  euro: '22222222-2222-4222-8222-222222222222',
  gone: '33333333-3333-4333-8333-333333333333',
  transfer: '44444444-4444-4444-8444-444444444444',
  out: '55555555-5555-4555-8555-555555555555',
  in: '66666666-6666-4666-8666-666666666666',
  rule: '77777777-7777-4777-8777-777777777777',
};
const at = '2026-11-01T12:00:00.000Z';
const account = (id: string, name: string, currency: string, isDefault: boolean) => ({
  id,
  name,
  type: 'checking',
  currency,
  openingBalance: '0.00',
  isDefault,
  createdAt: at,
  updatedAt: at,
});
const leg = (id: string, type: string, accountId: string, amount: string, currency: string) => ({
  id,
  accountId,
  type,
  amount,
  currency,
  occurredAt: at,
  transferId: ids.transfer,
  createdAt: at,
  updatedAt: at,
});

function plan(extra: Record<string, unknown> = {}) {
  const doc = backupDocument.parse({
    format: 'expensio-export',
    version: 1,
    accounts: [account(ids.main, 'Main', 'USD', true), account(ids.euro, 'Euro', 'EUR', false)],
    transactions: [leg(ids.out, 'transfer_out', ids.main, '100.00', 'USD'), leg(ids.in, 'transfer_in', ids.euro, '92.15', 'EUR')],
    rules: [
      {
        id: ids.rule,
        name: 'Sweeps',
        position: 1,
        conditions: [
          { field: 'accountId', operator: 'equals', value: ids.main },
          { field: 'accountId', operator: 'equals', value: ids.gone },
          { field: 'amount', operator: 'between', value: ['1.00', '2.00'] },
        ],
        actions: { transferToAccountId: ids.euro, addTags: ['a', 'a'] },
        createdAt: at,
        updatedAt: at,
      },
    ],
    importMappings: [{ accountId: ids.euro, mapping: { date: 'Buchungstag', amount: 4, decimal: ',' }, createdAt: at, updatedAt: at }],
    ...extra,
  });
  return planRestore(doc, { userId: '99999999-9999-4999-8999-999999999999', builtInCategories: new Map() });
}

describe('planRestore', () => {
  it('gives both legs of a transfer one new transfer id and keeps each leg’s own amount and currency', () => {
    const p = plan();
    const [out, into] = p.transactions;
    expect(out?.transfer_id).toBe(into?.transfer_id);
    expect(out?.transfer_id).not.toBe(ids.transfer);
    expect([out?.amount, out?.currency, into?.amount, into?.currency]).toEqual([10000n, 'USD', 9215n, 'EUR']);
    expect([out?.account_id, into?.account_id]).toEqual([p.accounts[0]?.id, p.accounts[1]?.id]);
  });

  it('keeps a transaction’s fraud score, place and its owner’s verdict', () => {
    const charge = {
      id: '88888888-8888-4888-8888-888888888888',
      accountId: ids.main,
      type: 'expense',
      amount: '950.00',
      currency: 'USD',
      merchant: 'Unknown Shop',
      occurredAt: at,
      createdAt: at,
      updatedAt: at,
      risk: { score: 85, level: 'high', reasons: [{ code: 'new_location', message: 'A first charge in Japan', weight: 40 }], flagged: true },
      location: { country: 'JP', city: 'Tokyo' },
      review: { decision: 'fraud', note: 'Not me', reviewedAt: at },
    };
    const restored = plan({ transactions: [charge] }).transactions[0];
    expect(restored).toMatchObject({
      risk_score: 85,
      risk_level: 'high',
      risk_flagged: true,
      location_country: 'JP',
      location_city: 'Tokyo',
      review_decision: 'fraud',
      review_note: 'Not me',
    });
    expect(JSON.parse(String(restored?.risk_reasons))).toEqual(charge.risk.reasons);
    expect(restored?.reviewed_at).toEqual(new Date(at));
    // An export from before scoring existed restores with the column defaults and no verdict.
    const older = plan({ transactions: [{ ...charge, risk: undefined, location: undefined, review: undefined }] }).transactions[0];
    expect(older).not.toHaveProperty('risk_score');
    expect(older).toMatchObject({ location_country: null, review_decision: null, reviewed_at: null });
  });

  it('moves a rule’s account condition and transfer action to the new accounts', () => {
    const p = plan();
    const rule = p.rules[0];
    const conditions = JSON.parse(String(rule?.conditions)) as { field: string; value: unknown }[];
    expect(conditions[0]?.value).toBe(p.accounts[0]?.id);
    // An account the document lacks (deleted after the rule was written) still matches nothing.
    expect(conditions[1]?.value).not.toBe(ids.gone);
    expect(p.accounts.map((a) => a.id)).not.toContain(conditions[1]?.value);
    expect(conditions[2]).toEqual({ field: 'amount', operator: 'between', value: ['1.00', '2.00'] });
    expect(rule).toMatchObject({ position: 1, transfer_account_id: p.accounts[1]?.id, add_tags: ['a'], category_id: null, merchant: null });
  });

  it('moves a saved mapping to its new account', () => {
    const p = plan();
    expect(p.importMappings).toEqual([
      expect.objectContaining({ account_id: p.accounts[1]?.id, mapping: JSON.stringify({ date: 'Buchungstag', amount: 4, decimal: ',' }) }),
    ]);
  });

  it('refuses a mapping of an account the document lacks, and two for one account', () => {
    const mapping = { mapping: {}, createdAt: at, updatedAt: at };
    expect(() => plan({ importMappings: [{ accountId: ids.gone, ...mapping }] })).toThrow(/importMappings\.0\.accountId names no account/);
    expect(() =>
      plan({
        importMappings: [
          { accountId: ids.main, ...mapping },
          { accountId: ids.main, ...mapping },
        ],
      }),
    ).toThrow(/importMappings\.1\.accountId/);
  });
});
