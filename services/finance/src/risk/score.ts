import { currencyExponent, fromMinor } from '@expensio/common';
import { RISK } from './weights.js';

export type RiskLevel = 'normal' | 'elevated' | 'high';
export type ReviewDecision = 'legitimate' | 'fraud';
export type ReasonCode = 'amount_outlier' | 'velocity' | 'duplicate' | 'card_testing' | 'new_merchant' | 'new_location' | 'unusual_hour';

export interface RiskReason {
  code: ReasonCode;
  message: string;
  weight: number;
}

export interface Risk {
  score: number;
  level: RiskLevel;
  reasons: RiskReason[];
  flagged: boolean;
}

export const NO_RISK: Risk = { score: 0, level: 'normal', reasons: [], flagged: false };

export interface Place {
  country: string;
  city: string | null;
}

/** The transaction being scored, as far as scoring cares. */
export interface RiskCandidate {
  type: 'income' | 'expense' | 'transfer_in' | 'transfer_out';
  amount: bigint;
  currency: string;
  /** The category's name for messages; null when uncategorised. */
  categoryName: string | null;
  /** Merchant, else description: who was paid. */
  payee: string | null;
  occurredAt: Date;
  /** `day` for a bank file's date without a time: the hour and the minutes are unknown. */
  precision: 'instant' | 'day';
  location: Place | null;
}

export interface AmountSample {
  seen: number;
  /** The latest amounts, oldest first. */
  recent: readonly bigint[];
}

export interface RecentCharge {
  occurredAt: Date;
  amount: bigint;
  payee: string | null;
}

/**
 * Recent charges as one array per field, index i of each being one charge: a create reads up to
 * 200 of them on every request, and columns decode without an object or a Date per charge.
 */
export interface RecentCharges {
  /** When each was made, in epoch milliseconds. */
  at: readonly number[];
  amount: readonly bigint[];
  /** Merchant, else description. */
  payee: readonly (string | null)[];
}

/** Charges kept one object each (an import's rows, a test's), as scoring reads them. */
export function recentCharges(charges: readonly RecentCharge[]): RecentCharges {
  return { at: charges.map((c) => c.occurredAt.getTime()), amount: charges.map((c) => c.amount), payee: charges.map((c) => c.payee) };
}

export const NO_CHARGES: RecentCharges = { at: [], amount: [], payee: [] };

/** A user with no history at all: nothing seen, no baseline, no recent charges. */
export const NO_HISTORY: RiskHistory = {
  category: null,
  all: null,
  payee: null,
  located: 0,
  countryKnown: false,
  cityKnown: false,
  profile: null,
  recent: NO_CHARGES,
};

/** What the user's history says, read in a bounded way before the transaction (see risk/repo.ts). */
export interface RiskHistory {
  /** The candidate's category (or the uncategorised) in its currency; null when never seen. */
  category: AmountSample | null;
  /** All expenses in its currency. */
  all: AmountSample | null;
  /** The amounts paid to this payee before; null when never paid. */
  payee: AmountSample | null;
  located: number;
  countryKnown: boolean;
  cityKnown: boolean;
  profile: { expenses: number; firstAt: Date; hours: readonly number[] } | null;
  /** The user's expenses within the longest window before the candidate (or on its day, for a day-precision row). */
  recent: RecentCharges;
}

export interface ScoreOptions {
  threshold: number;
  /** The user's IANA time zone, for the hour of day. */
  timeZone: string;
}

/** Lower-cased and trimmed: how payees are compared and stored. */
export function payeeKey(payee: string | null): string | null {
  const key = payee?.trim().toLowerCase() ?? '';
  return key === '' ? null : key;
}

export function levelOf(score: number, threshold: number): RiskLevel {
  if (score >= threshold) return 'high';
  return score >= RISK.elevatedFrom ? 'elevated' : 'normal';
}

/** The hour of day (0-23) at an instant in a time zone. */
export function hourIn(at: Date, timeZone: string): number {
  if (timeZone === 'UTC') return at.getUTCHours();
  let format = hourFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' });
    hourFormats.set(timeZone, format);
  }
  return Number(format.format(at)) % 24;
}

// Building a formatter costs far more than using one; a process sees a handful of zones.
const hourFormats = new Map<string, Intl.DateTimeFormat>();
const clockFormats = new Map<string, Intl.DateTimeFormat>();

function clockFormat(timeZone: string): Intl.DateTimeFormat {
  let format = clockFormats.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    });
    clockFormats.set(timeZone, format);
  }
  return format;
}

/** The calendar day ('YYYY-MM-DD') of an instant in a time zone. */
export function dayIn(at: Date, timeZone: string): string {
  if (timeZone === 'UTC') return at.toISOString().slice(0, 10);
  const parts = Object.fromEntries(
    clockFormat(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year ?? ''}-${parts.month ?? ''}-${parts.day ?? ''}`;
}

/** Exactly midnight in the zone: how a bank file's date without a time is read. */
export function isMidnightIn(at: Date, timeZone: string): boolean {
  if (at.getUTCMilliseconds() !== 0) return false;
  if (timeZone === 'UTC') return at.getTime() % 86_400_000 === 0;
  const parts = Object.fromEntries(
    clockFormat(timeZone)
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  return parts.hour === '00' && parts.minute === '00' && parts.second === '00';
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Median and median absolute deviation of minor-unit amounts (as numbers: statistics, not money). */
export function medianAndMad(amounts: readonly bigint[]): { median: number; mad: number } {
  const values = amounts.map(Number).sort((a, b) => a - b);
  const m = median(values);
  const deviations = values.map((v) => Math.abs(v - m)).sort((a, b) => a - b);
  return { median: m, mad: median(deviations) };
}

const ratioText = (ratio: number) => `${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}×`;
const regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
const countryName = (code: string) => {
  try {
    return regionNames.of(code) ?? code;
  } catch {
    return code;
  }
};
const samePayee = (a: string | null, b: string | null) => a !== null && payeeKey(a) === payeeKey(b);

function amountOutlier(c: RiskCandidate, h: RiskHistory): RiskReason | null {
  const rule = RISK.amountOutlier;
  // The closest baseline with enough amounts: the merchant's, the category's, then all expenses.
  const atMerchant = h.payee !== null && h.payee.recent.length >= rule.minMerchantSamples;
  const own = !atMerchant && h.category !== null && h.category.recent.length >= rule.minCategorySamples;
  // A few amounts still say what is normal there: rent once a month is no outlier against
  // coffee, as long as it stays within what the merchant or the category has seen.
  if (!atMerchant && !own) {
    const fewSamples = [
      { sample: h.payee, min: rule.minFewMerchantSamples },
      { sample: h.category, min: rule.minFewCategorySamples },
    ];
    for (const { sample: few, min } of fewSamples) {
      if (few === null || few.recent.length < min) continue;
      const largest = few.recent.reduce((a, b) => (a > b ? a : b), 0n);
      if (Number(c.amount) <= rule.fewSamplesSpan * Number(largest)) return null;
    }
  }
  const sample = atMerchant ? h.payee : own ? h.category : h.all;
  if (sample === null || sample.recent.length < (atMerchant ? rule.minMerchantSamples : rule.minCategorySamples)) return null;
  const { median: m, mad } = medianAndMad(sample.recent);
  if (m <= 0) return null;
  const x = Number(c.amount);
  const spread = 1.4826 * Math.max(mad, m * rule.madFloorShare);
  const z = (x - m) / spread;
  const ratio = x / m;
  if (z < rule.minZ || ratio < rule.minRatio) return null;
  const weight = Math.round(Math.min(rule.maxWeight, rule.baseWeight + rule.weightPerRatio * (ratio - rule.minRatio)));
  const where = atMerchant
    ? `your usual spending at ${c.payee ?? 'this merchant'}`
    : own && c.categoryName !== null
      ? `your usual ${c.categoryName} spending`
      : 'your usual spending';
  return { code: 'amount_outlier', weight, message: `${ratioText(ratio)} ${where}` };
}

/** What the user's history expects in a window, from their expenses per hour since they started (a week at least). */
function expectedIn(h: RiskHistory, at: Date, windowMs: number): number {
  if (h.profile === null) return 0;
  const spanMs = Math.max(at.getTime() - h.profile.firstAt.getTime(), 7 * 24 * 3_600_000);
  return (h.profile.expenses / spanMs) * windowMs;
}

/** The indexes of the charges made in (to - windowMs, to]. */
function madeWithin(recent: RecentCharges, to: number, windowMs: number): number[] {
  const found: number[] = [];
  recent.at.forEach((at, i) => {
    if (at > to - windowMs && at <= to) found.push(i);
  });
  return found;
}

function velocity(c: RiskCandidate, h: RiskHistory): RiskReason | null {
  const rule = RISK.velocity;
  const windows = [
    { ms: rule.shortWindowMs, min: rule.shortMinCount, per: rule.shortWeightPerCharge, free: rule.shortFreeCharges, label: '10 minutes' },
    { ms: rule.longWindowMs, min: rule.longMinCount, per: rule.longWeightPerCharge, free: rule.longFreeCharges, label: 'an hour' },
  ];
  let best: RiskReason | null = null;
  for (const w of windows) {
    const inside = madeWithin(h.recent, c.occurredAt.getTime(), w.ms);
    const count = inside.length + 1;
    const expected = expectedIn(h, c.occurredAt, w.ms);
    if (count < w.min || count < rule.rateMultiple * expected) continue;
    const weight = Math.min(rule.maxWeight, w.per * (count - w.free));
    if (best !== null && best.weight >= weight) continue;
    const total = inside.reduce((sum, i) => sum + (h.recent.amount[i] ?? 0n), c.amount);
    const perDay = expectedIn(h, c.occurredAt, 24 * 3_600_000);
    best = {
      code: 'velocity',
      weight,
      message: `${count} charges totalling ${fromMinor(total, c.currency)} ${c.currency} within ${w.label}; you usually make about ${perDay < 1 ? perDay.toFixed(1) : Math.round(perDay)} a day`,
    };
  }
  return best;
}

/** Read by a person: a charge repeated seconds later is "less than a minute earlier", not "1 minutes". */
function minutesEarlier(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 1) return 'less than a minute earlier';
  return minutes === 1 ? '1 minute earlier' : `${minutes} minutes earlier`;
}

function duplicate(c: RiskCandidate, h: RiskHistory, timeZone: string): RiskReason | null {
  if (c.payee === null) return null;
  const windowMs = RISK.duplicate.windowMs;
  const to = c.occurredAt.getTime();
  const { amount, payee } = h.recent;
  const twinAt = h.recent.at.find(
    (at, i) =>
      amount[i] === c.amount &&
      samePayee(payee[i] ?? null, c.payee) &&
      (c.precision === 'day' ? dayIn(new Date(at), timeZone) === dayIn(c.occurredAt, timeZone) : at <= to && at >= to - windowMs),
  );
  if (twinAt === undefined) return null;
  const when = c.precision === 'day' ? 'on the same day' : minutesEarlier(to - twinAt);
  return {
    code: 'duplicate',
    weight: RISK.duplicate.weight,
    message: `The same charge of ${fromMinor(c.amount, c.currency)} ${c.currency} at ${c.payee} was made ${when}`,
  };
}

function cardTesting(c: RiskCandidate, h: RiskHistory): RiskReason | null {
  const rule = RISK.cardTesting;
  const small = BigInt(rule.smallBelowMajor) * 10n ** BigInt(currencyExponent(c.currency));
  const smalls = madeWithin(h.recent, c.occurredAt.getTime(), rule.windowMs).filter((i) => (h.recent.amount[i] ?? small) < small).length;
  const count = smalls + (c.amount < small ? 1 : 0);
  if (count < rule.minSmallCharges) return null;
  const limit = `${fromMinor(small, c.currency)} ${c.currency}`;
  const message =
    c.amount < small
      ? `${count} charges under ${limit} within ${rule.windowMs / 60_000} minutes: how stolen card numbers are tested`
      : `A larger charge right after ${count} charges under ${limit}: how stolen card numbers are tested, then used`;
  return { code: 'card_testing', weight: rule.weight, message };
}

function newMerchant(c: RiskCandidate, h: RiskHistory): RiskReason | null {
  if (c.payee === null || h.payee !== null) return null;
  const rule = RISK.newMerchant;
  const usual = h.all === null || h.all.recent.length === 0 ? 0 : medianAndMad(h.all.recent).median;
  const ratio = usual > 0 ? Number(c.amount) / usual : 1;
  const weight = Math.round(Math.max(rule.minWeight, Math.min(rule.maxWeight, rule.baseWeight + rule.weightPerDoubling * Math.log2(ratio))));
  const size = ratio >= 1.5 ? `, ${ratioText(ratio)} your usual spending` : '';
  return { code: 'new_merchant', weight, message: `Your first payment to ${c.payee}${size}` };
}

function newLocation(c: RiskCandidate, h: RiskHistory): RiskReason | null {
  const rule = RISK.newLocation;
  if (c.location === null || h.located < rule.minLocated) return null;
  const city = c.location.city === null ? '' : ` (${c.location.city})`;
  if (!h.countryKnown)
    return { code: 'new_location', weight: rule.countryWeight, message: `Your first transaction from ${countryName(c.location.country)}${city}` };
  if (c.location.city !== null && !h.cityKnown)
    return { code: 'new_location', weight: rule.cityWeight, message: `Your first transaction from ${c.location.city}, ${countryName(c.location.country)}` };
  return null;
}

function unusualHour(c: RiskCandidate, h: RiskHistory, timeZone: string): RiskReason | null {
  const rule = RISK.unusualHour;
  if (h.profile === null || h.profile.expenses < rule.minExpenses) return null;
  const hour = hourIn(c.occurredAt, timeZone);
  const hours = h.profile.hours;
  const total = hours.reduce((a, b) => a + b, 0);
  const around = [23, 0, 1].reduce((sum, d) => sum + (hours[(hour + d) % 24] ?? 0), 0);
  if (total === 0 || around / total >= rule.maxShare) return null;
  return { code: 'unusual_hour', weight: rule.weight, message: `At ${String(hour).padStart(2, '0')}:00, an hour you almost never spend in` };
}

/**
 * The fraud score of one transaction against the user's history: pure, so the tests and the
 * quality bench call it without a database. Money coming in and transfers between one's own
 * accounts are not what card fraud looks like: they score 0.
 */
export function scoreTransaction(c: RiskCandidate, h: RiskHistory, options: ScoreOptions): Risk {
  if (c.type !== 'expense') return NO_RISK;
  const enough = (h.profile?.expenses ?? 0) >= RISK.minHistory;
  const timed = c.precision === 'instant';
  const found = [
    duplicate(c, h, options.timeZone),
    timed ? cardTesting(c, h) : null,
    enough ? amountOutlier(c, h) : null,
    enough && timed ? velocity(c, h) : null,
    enough ? newMerchant(c, h) : null,
    enough ? newLocation(c, h) : null,
    enough && timed ? unusualHour(c, h, options.timeZone) : null,
  ];
  const reasons = found.filter((r): r is RiskReason => r !== null).sort((a, b) => b.weight - a.weight);
  const score = Math.min(
    100,
    reasons.reduce((sum, r) => sum + r.weight, 0),
  );
  return { score, level: levelOf(score, options.threshold), reasons, flagged: score >= options.threshold };
}
