import { describe, expect, it } from 'vitest';
import { totalLessons } from '../src/risk/lessons.js';
import {
  dayIn,
  hourIn,
  isMidnightIn,
  medianAndMad,
  NO_CHARGES,
  NO_HISTORY,
  recentCharges,
  scoreTransaction,
  type RecentCharge,
  type RiskCandidate,
  type RiskHistory,
} from '../src/risk/score.js';
import { RISK } from '../src/risk/weights.js';

// The scoring core on small histories built by hand: each signal fires where it should, and
// ordinary spending scores nothing.

const NOW = new Date('2026-03-15T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const cents = (major: number) => BigInt(Math.round(major * 100));
const options = { threshold: RISK.defaultAlertThreshold, timeZone: 'UTC' };

/** Groceries around 40.00 most days at two shops, always between 08:00 and 20:00 UTC, in Berlin. */
function ordinaryHistory({ recent = [], ...overrides }: Partial<Omit<RiskHistory, 'recent'>> & { recent?: RecentCharge[] } = {}): RiskHistory {
  const groceries = [38, 41, 40, 44, 36, 39, 42, 40, 43, 37, 41, 40, 45, 39, 38, 42].map(cents);
  const hours = Array.from({ length: 24 }, (_, h) => (h >= 8 && h <= 20 ? 10 : 0));
  return {
    category: { seen: groceries.length, recent: groceries },
    all: { seen: 60, recent: [...groceries, ...[12, 9, 15, 30, 25, 11, 60, 14].map(cents)] },
    // Paid three times at this shop: too few for its own baseline, enough to say what is usual there.
    payee: { seen: 3, recent: [cents(40), cents(41), cents(39)] },
    located: 40,
    countryKnown: true,
    cityKnown: true,
    profile: { expenses: 130, firstAt: new Date('2025-12-01T00:00:00Z'), hours },
    recent: recentCharges(recent),
    ...overrides,
  };
}

function expense(overrides: Partial<RiskCandidate> = {}): RiskCandidate {
  return {
    type: 'expense',
    amount: cents(41),
    currency: 'EUR',
    categoryName: 'Groceries',
    payee: 'Corner Market',
    occurredAt: NOW,
    precision: 'instant',
    location: { country: 'DE', city: 'Berlin' },
    ...overrides,
  };
}

const codes = (c: RiskCandidate, h: RiskHistory) => scoreTransaction(c, h, options).reasons.map((r) => r.code);

describe('scoreTransaction', () => {
  it('scores ordinary spending 0: a usual amount at a known shop, place and hour', () => {
    expect(scoreTransaction(expense(), ordinaryHistory(), options)).toEqual({ score: 0, level: 'normal', reasons: [], flagged: false });
    // A somewhat larger shop is still ordinary.
    expect(scoreTransaction(expense({ amount: cents(75) }), ordinaryHistory(), options).score).toBe(0);
  });

  it('amount_outlier: a robust z-score within the category, in words', () => {
    const risk = scoreTransaction(expense({ amount: cents(196) }), ordinaryHistory(), options);
    expect(risk.reasons).toHaveLength(1);
    expect(risk.reasons[0]).toMatchObject({ code: 'amount_outlier', message: '4.9× your usual Groceries spending' });
    expect(risk.level).toBe('elevated');
    // Far past the usual, it alone is flagged.
    expect(scoreTransaction(expense({ amount: cents(600) }), ordinaryHistory(), options)).toMatchObject({ flagged: true, level: 'high' });
  });

  it('amount_outlier measures against the merchant first: fuel is not compared with bus tickets', () => {
    const tickets = { seen: 30, recent: Array.from({ length: 30 }, (_, i) => cents(3 + (i % 3) * 0.2)) };
    const fuel = { seen: 6, recent: [55, 60, 52, 58, 61, 57].map(cents) };
    const transport = ordinaryHistory({ category: tickets, payee: fuel });
    expect(codes(expense({ amount: cents(63), categoryName: 'Transport', payee: 'Aral' }), transport)).toEqual([]);
    expect(scoreTransaction(expense({ amount: cents(290), categoryName: 'Transport', payee: 'Aral' }), transport, options).reasons[0]?.message).toBe(
      '5.0× your usual spending at Aral',
    );
  });

  it('amount_outlier falls back to all expenses for a category with little history', () => {
    const history = ordinaryHistory({ category: { seen: 2, recent: [cents(5), cents(6)] } });
    const risk = scoreTransaction(expense({ amount: cents(400), categoryName: 'Shopping' }), history, options);
    expect(risk.reasons.find((r) => r.code === 'amount_outlier')?.message).toMatch(/× your usual spending$/);
    // Rent seen twice is its own measure: the third month is ordinary, ten times it is not.
    const rent = ordinaryHistory({ category: { seen: 2, recent: [cents(1200), cents(1200)] } });
    expect(codes(expense({ amount: cents(1200), categoryName: 'Rent', payee: 'Landlord' }), rent)).toEqual([]);
    expect(codes(expense({ amount: cents(12_000), categoryName: 'Rent', payee: 'Landlord' }), rent)).toEqual(['amount_outlier']);
  });

  it('velocity: many charges within 10 minutes against a usual rate of a few a day', () => {
    const recent: RecentCharge[] = [1, 2, 3, 5, 7].map((m, i) => ({ occurredAt: minutesAgo(m), amount: cents(20 + i), payee: `Shop ${i}` }));
    const risk = scoreTransaction(expense(), ordinaryHistory({ recent }), options);
    expect(risk.reasons.map((r) => r.code)).toEqual(['velocity']);
    expect(risk.reasons[0]?.message).toMatch(/^6 charges totalling 151\.00 EUR within 10 minutes; you usually make about 1(\.\d)? a day$/);
    expect(risk.flagged).toBe(true);
    // Four is a busy afternoon at the mall: worth a look, not an alert.
    expect(scoreTransaction(expense(), ordinaryHistory({ recent: recent.slice(0, 3) }), options)).toMatchObject({ level: 'elevated', flagged: false });
    // Two in ten minutes is ordinary.
    expect(codes(expense(), ordinaryHistory({ recent: recent.slice(0, 1) }))).toEqual([]);
  });

  it('duplicate: the same merchant and amount within 10 minutes, even for a new user', () => {
    const twin = { occurredAt: minutesAgo(3), amount: cents(41), payee: 'corner market' };
    const recent = [twin];
    const risk = scoreTransaction(expense(), ordinaryHistory({ recent }), options);
    expect(risk).toMatchObject({
      flagged: true,
      reasons: [{ code: 'duplicate', message: 'The same charge of 41.00 EUR at Corner Market was made 3 minutes earlier' }],
    });
    const newcomer: RiskHistory = { ...NO_HISTORY, recent: recentCharges(recent) };
    expect(codes(expense(), newcomer)).toEqual(['duplicate']);
    // Said as a person would: a repeat seconds later is not "1 minutes earlier".
    const seconds = scoreTransaction(expense(), ordinaryHistory({ recent: [{ ...twin, occurredAt: minutesAgo(0.1) }] }), options);
    expect(seconds.reasons[0]?.message).toBe('The same charge of 41.00 EUR at Corner Market was made less than a minute earlier');
    const oneMinute = scoreTransaction(expense(), ordinaryHistory({ recent: [{ ...twin, occurredAt: minutesAgo(1) }] }), options);
    expect(oneMinute.reasons[0]?.message).toBe('The same charge of 41.00 EUR at Corner Market was made 1 minute earlier');
    // Another amount, or the same one 20 minutes apart, is not a duplicate.
    expect(codes(expense({ amount: cents(42) }), ordinaryHistory({ recent }))).toEqual([]);
    expect(codes(expense(), ordinaryHistory({ recent: [{ ...twin, occurredAt: minutesAgo(20) }] }))).toEqual([]);
  });

  it('duplicate on a bank file row with only a date: the same day', () => {
    const day = new Date('2025-06-03T00:00:00Z');
    const recent = [{ occurredAt: day, amount: cents(41), payee: 'Corner Market' }];
    expect(codes(expense({ occurredAt: day, precision: 'day', location: null }), ordinaryHistory({ recent }))).toEqual(['duplicate']);
    // In Tokyo, that file's day starts at 15:00 UTC the day before: the day is the user's.
    const tokyoDay = new Date('2025-06-02T15:00:00Z');
    expect(isMidnightIn(tokyoDay, 'Asia/Tokyo')).toBe(true);
    expect(isMidnightIn(tokyoDay, 'UTC')).toBe(false);
    const earlier = [{ occurredAt: tokyoDay, amount: cents(41), payee: 'Corner Market' }];
    const tokyo = { ...options, timeZone: 'Asia/Tokyo' };
    expect(
      scoreTransaction(expense({ occurredAt: tokyoDay, precision: 'day', location: null }), ordinaryHistory({ recent: earlier }), tokyo).reasons.map(
        (r) => r.code,
      ),
    ).toEqual(['duplicate']);
    expect(dayIn(tokyoDay, 'Asia/Tokyo')).toBe('2025-06-03');
  });

  it('card_testing: several charges under 2.00 within minutes, and the larger one after them', () => {
    const recent = [1, 2].map((m) => ({ occurredAt: minutesAgo(m), amount: cents(1), payee: `Site ${m}` }));
    const newcomer: RiskHistory = { ...NO_HISTORY, recent: recentCharges(recent) };
    expect(scoreTransaction(expense({ amount: cents(0.5), payee: 'Site 3' }), newcomer, options)).toMatchObject({
      flagged: true,
      reasons: [{ code: 'card_testing' }],
    });
    const big = [...recent, { occurredAt: minutesAgo(1), amount: cents(1.5), payee: 'Site 4' }];
    expect(codes(expense({ amount: cents(300) }), { ...newcomer, recent: recentCharges(big) })).toEqual(['card_testing']);
    // Two small ones are a parking meter and a bottle deposit.
    expect(codes(expense({ amount: cents(1) }), ordinaryHistory({ recent: recent.slice(0, 1) }))).toEqual([]);
  });

  it('new_merchant: weighted by the amount', () => {
    const small = scoreTransaction(expense({ payee: 'Bakery Nord', amount: cents(5) }), ordinaryHistory({ payee: null }), options);
    const large = scoreTransaction(
      expense({ payee: 'Gadget World', amount: cents(90), categoryName: null }),
      ordinaryHistory({ payee: null, category: null }),
      options,
    );
    expect(small.reasons).toEqual([{ code: 'new_merchant', weight: RISK.newMerchant.minWeight, message: 'Your first payment to Bakery Nord' }]);
    expect(large.reasons[0]?.code).toBe('new_merchant');
    expect(large.reasons[0]?.weight).toBeGreaterThan(small.reasons[0]?.weight ?? 0);
    expect(large.reasons[0]?.message).toMatch(/^Your first payment to Gadget World, 2\.\d× your usual spending$/);
  });

  it('new_location: a country never seen weighs more than a new city', () => {
    const country = scoreTransaction(
      expense({ location: { country: 'JP', city: 'Tokyo' } }),
      ordinaryHistory({ countryKnown: false, cityKnown: false }),
      options,
    );
    expect(country.reasons).toEqual([{ code: 'new_location', weight: RISK.newLocation.countryWeight, message: 'Your first transaction from Japan (Tokyo)' }]);
    const city = scoreTransaction(expense({ location: { country: 'DE', city: 'Munich' } }), ordinaryHistory({ cityKnown: false }), options);
    expect(city.reasons).toEqual([{ code: 'new_location', weight: RISK.newLocation.cityWeight, message: 'Your first transaction from Munich, Germany' }]);
  });

  it('unusual_hour: an hour the user never spends in, read in their time zone', () => {
    const night = new Date('2026-03-15T03:10:00Z');
    expect(scoreTransaction(expense({ occurredAt: night }), ordinaryHistory(), options).reasons).toEqual([
      { code: 'unusual_hour', weight: RISK.unusualHour.weight, message: 'At 03:00, an hour you almost never spend in' },
    ]);
    // 03:10 UTC is 12:10 in Tokyo: a usual hour there.
    expect(codes(expense({ occurredAt: night }), ordinaryHistory()).length).toBe(1);
    expect(scoreTransaction(expense({ occurredAt: night }), ordinaryHistory(), { ...options, timeZone: 'Asia/Tokyo' }).reasons).toEqual([]);
    expect(hourIn(night, 'Asia/Tokyo')).toBe(12);
  });

  it('a new user with little history scores low for what only history could call odd', () => {
    const newcomer: RiskHistory = {
      category: null,
      all: { seen: 3, recent: [cents(10), cents(12), cents(9)] },
      payee: null,
      located: 1,
      countryKnown: false,
      cityKnown: false,
      profile: { expenses: 3, firstAt: minutesAgo(600), hours: Array.from({ length: 24 }, () => 0) },
      recent: NO_CHARGES,
    };
    expect(
      scoreTransaction(
        expense({ amount: cents(900), location: { country: 'JP', city: 'Tokyo' }, occurredAt: new Date('2026-03-15T03:00:00Z') }),
        newcomer,
        options,
      ).score,
    ).toBe(0);
  });

  it('signals add up, capped at 100; income and transfers score 0', () => {
    const risk = scoreTransaction(
      expense({ amount: cents(600), payee: 'Gadget World', location: { country: 'JP', city: 'Tokyo' } }),
      ordinaryHistory({ payee: null, countryKnown: false, cityKnown: false }),
      options,
    );
    expect(risk.score).toBe(100);
    expect(risk.reasons.map((r) => r.code)).toEqual(['amount_outlier', 'new_location', 'new_merchant']);
    for (const type of ['income', 'transfer_in', 'transfer_out'] as const) {
      expect(scoreTransaction(expense({ type, amount: cents(600) }), ordinaryHistory({ payee: null }), options).score).toBe(0);
    }
  });

  it('the threshold decides flagged and high; elevated starts at 40', () => {
    const candidate = expense({ amount: cents(196) });
    expect(scoreTransaction(candidate, ordinaryHistory(), { ...options, threshold: 45 })).toMatchObject({ level: 'high', flagged: true });
    expect(scoreTransaction(candidate, ordinaryHistory(), { ...options, threshold: 90 })).toMatchObject({ level: 'elevated', flagged: false });
  });
});

describe('baseline statistics', () => {
  it('median and MAD resist one wild amount', () => {
    expect(medianAndMad([cents(10), cents(11), cents(12), cents(10_000)])).toEqual({ median: 1150, mad: 100 });
  });

  it('lessons keep the latest amounts per scope, count payees, places and hours', () => {
    const lessons = Array.from({ length: 70 }, (_, i) => ({
      currency: 'EUR',
      categoryId: i % 2 === 0 ? 'c1' : null,
      amount: BigInt(i),
      payee: i % 2 === 0 ? 'Shop' : ' shop ',
      location: i === 0 ? { country: 'DE', city: null } : null,
      occurredAt: new Date(NOW.getTime() + i * 60_000),
      hour: 12,
    }));
    const totals = totalLessons(lessons);
    const all = totals.amounts.find((a) => a.scope === 'all');
    expect(all?.seen).toBe(70);
    expect(all?.recent).toHaveLength(RISK.sampleSize);
    expect(all?.recent[0]).toBe(6n);
    expect(totals.amounts.find((a) => a.scope === 'category:c1')?.seen).toBe(35);
    expect(totals.payees).toEqual([{ merchant: 'shop', seen: 70, recent: all?.recent.slice(-RISK.merchantSampleSize) }]);
    expect(totals.locations).toEqual([{ country: 'DE', city: '', seen: 1 }]);
    expect(totals.profile?.hours[12]).toBe(70);
    expect(totals.profile?.located).toBe(1);
  });
});
