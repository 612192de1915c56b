/**
 * Quality of the fraud score on labelled synthetic histories (not a test).
 *
 *   npm run bench:fraud [-- --seeds 24 --days 120]
 *
 * Each seed is one person: months of ordinary spending at regular merchants (lognormal amounts,
 * daytime hours, a home city, now and then a new shop or another city), then one incident of each
 * kind of anomaly below slipped into the last month among ordinary transactions. Every transaction
 * is scored by the finance service's pure scoring core against a baseline kept the way the
 * service keeps it (risk/lessons.ts): ordinary ones join it; flagged ones join only when the
 * simulated owner reviews them as legitimate (the ordinary ones) and never when fraud.
 *
 * Reports, at the default threshold: recall per incident (an incident counts as caught when any of
 * its transactions is flagged), precision per flagged transaction, both per signal and overall,
 * and flags per 200 ordinary transactions. FRAUD_DEBUG=1 prints each ordinary transaction flagged.
 */
import { parseArgs } from 'node:util';
import {
  hourIn,
  payeeKey,
  recentCharges,
  RISK,
  scoreTransaction,
  type Place,
  type RecentCharge,
  type RiskCandidate,
  type RiskHistory,
} from '@expensio/finance';

const { values: args } = parseArgs({ options: { seeds: { type: 'string', default: '24' }, days: { type: 'string', default: '120' } } });
const SEEDS = Number(args.seeds);
const DAYS = Number(args.days);
const START = Date.UTC(2026, 0, 1);
const HOME: Place = { country: 'DE', city: 'Berlin' };
// The person lives on UTC, so the simulated hours are the hours the score reads.
const OPTIONS = { threshold: RISK.defaultAlertThreshold, timeZone: 'UTC' };

/** mulberry32: small, fast and seedable. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'amount_spike' | 'burst' | 'duplicate' | 'card_testing' | 'takeover_abroad' | 'night_spend' | 'big_new_merchant';
const KINDS: Kind[] = ['amount_spike', 'burst', 'duplicate', 'card_testing', 'takeover_abroad', 'night_spend', 'big_new_merchant'];
/** The signal each kind should raise. */
const SIGNAL_OF: Record<Kind, string> = {
  amount_spike: 'amount_outlier',
  burst: 'velocity',
  duplicate: 'duplicate',
  card_testing: 'card_testing',
  takeover_abroad: 'new_location',
  night_spend: 'unusual_hour',
  big_new_merchant: 'new_merchant',
};

interface Tx {
  at: number;
  amount: bigint;
  category: string;
  merchant: string;
  location: Place | null;
  /** The incident it belongs to; undefined for ordinary spending. */
  incident?: number;
}

interface Merchant {
  name: string;
  category: string;
  /** Typical amount in cents and the lognormal spread. */
  typical: number;
  sigma: number;
  /** Visits per day on average. */
  rate: number;
}

const REGULARS: Merchant[] = [
  { name: 'Corner Market', category: 'groceries', typical: 4_500, sigma: 0.3, rate: 0.35 },
  { name: 'Bio Markt', category: 'groceries', typical: 3_200, sigma: 0.35, rate: 0.2 },
  { name: 'Café Mitte', category: 'coffee', typical: 420, sigma: 0.15, rate: 0.6 },
  { name: 'Lunch Box', category: 'dining', typical: 1_150, sigma: 0.2, rate: 0.4 },
  { name: 'Trattoria Roma', category: 'dining', typical: 3_800, sigma: 0.35, rate: 0.1 },
  { name: 'Aral', category: 'transport', typical: 5_500, sigma: 0.2, rate: 0.08 },
  { name: 'BVG', category: 'transport', typical: 320, sigma: 0.1, rate: 0.3 },
  { name: 'Apotheke', category: 'health', typical: 1_400, sigma: 0.5, rate: 0.05 },
];

function lognormal(random: () => number, typical: number, sigma: number): number {
  const u = Math.max(random(), 1e-9);
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return typical * Math.exp(sigma * z);
}

/** An hour of the waking day, weighted towards midday and evening. */
function wakingHour(random: () => number): number {
  const hours = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21];
  const weights = [1, 3, 3, 3, 4, 6, 6, 4, 3, 4, 6, 6, 5, 3, 1];
  let pick = random() * weights.reduce((a, b) => a + b, 0);
  for (let i = 0; i < hours.length; i += 1) {
    pick -= weights[i] ?? 0;
    if (pick <= 0) return hours[i] ?? 12;
  }
  return 12;
}

const localAt = (day: number, hour: number, minute: number) => START + day * 86_400_000 + (hour * 60 + minute) * 60_000;

function ordinaryDay(random: () => number, day: number, seed: number): Tx[] {
  const out: Tx[] = [];
  const place = (): Place | null => (random() < 0.3 ? null : random() < 0.03 ? { country: 'DE', city: 'Hamburg' } : HOME);
  for (const m of REGULARS) {
    if (random() >= m.rate) continue;
    out.push({
      at: localAt(day, wakingHour(random), Math.floor(random() * 60)),
      amount: BigInt(Math.max(50, Math.round(lognormal(random, m.typical, m.sigma)))),
      category: m.category,
      merchant: m.name,
      location: place(),
    });
  }
  if (day % 30 === 1) out.push({ at: localAt(day, 9, 0), amount: 120_000n, category: 'rent', merchant: 'Hausverwaltung', location: null });
  if (day % 30 === 5) out.push({ at: localAt(day, 6, 30), amount: 1_299n, category: 'subscriptions', merchant: 'Streamly', location: null });
  // Now and then a shop never seen, at an ordinary price.
  if (random() < 0.12) {
    out.push({
      at: localAt(day, wakingHour(random), Math.floor(random() * 60)),
      amount: BigInt(Math.round(lognormal(random, 2_000, 0.5))),
      category: 'shopping',
      merchant: `Shop ${seed}-${day}`,
      location: place(),
    });
  }
  return out;
}

/** One incident of a kind, starting at `at`. */
function incident(random: () => number, kind: Kind, at: number, id: number, last: Tx | undefined): Tx[] {
  const minutes = (m: number) => at + m * 60_000;
  const newName = (what: string) => `${what} ${id}`;
  switch (kind) {
    case 'amount_spike': {
      const m = REGULARS[Math.floor(random() * 2)] ?? REGULARS[0];
      return [
        {
          at,
          amount: BigInt(Math.round((m?.typical ?? 4_500) * (6 + random() * 8))),
          category: m?.category ?? 'groceries',
          merchant: m?.name ?? 'Corner Market',
          location: HOME,
          incident: id,
        },
      ];
    }
    case 'burst': {
      const n = 6 + Math.floor(random() * 3);
      return Array.from({ length: n }, (_, i) => {
        const m = REGULARS[i % REGULARS.length] ?? REGULARS[0];
        return {
          at: minutes(i * (8 / n)),
          amount: BigInt(Math.round(lognormal(random, m?.typical ?? 1_000, 0.2))),
          category: m?.category ?? 'dining',
          merchant: m?.name ?? 'Lunch Box',
          location: HOME,
          incident: id,
        };
      });
    }
    case 'duplicate': {
      const base = last ?? { at, amount: 4_500n, category: 'groceries', merchant: 'Corner Market', location: HOME };
      return [{ ...base, at: base.at + (1 + Math.floor(random() * 6)) * 60_000, incident: id }];
    }
    case 'card_testing': {
      const n = 3 + Math.floor(random() * 2);
      const tests = Array.from({ length: n }, (_, i) => ({
        at: minutes(i),
        amount: BigInt(50 + Math.floor(random() * 149)),
        category: 'shopping',
        merchant: newName(`Webshop ${i}`),
        location: null,
        incident: id,
      }));
      return [
        ...tests,
        {
          at: minutes(n + 1),
          amount: BigInt(15_000 + Math.floor(random() * 25_000)),
          category: 'shopping',
          merchant: newName('Electronics'),
          location: null,
          incident: id,
        },
      ];
    }
    case 'takeover_abroad': {
      const abroad: Place = random() < 0.5 ? { country: 'BR', city: 'São Paulo' } : { country: 'NG', city: 'Lagos' };
      return [
        { at, amount: BigInt(Math.round(3_000 * (2 + random() * 3))), category: 'shopping', merchant: newName('Market'), location: abroad, incident: id },
      ];
    }
    case 'night_spend':
      return [
        { at, amount: BigInt(Math.round(2_500 * (3 + random() * 3))), category: 'shopping', merchant: newName('Night Store'), location: null, incident: id },
      ];
    case 'big_new_merchant':
      return [{ at, amount: BigInt(Math.round(3_000 * (8 + random() * 7))), category: 'shopping', merchant: newName('Luxury'), location: null, incident: id }];
  }
}

/** The user's baseline, kept as finance keeps it (risk/lessons.ts and risk/repo.ts), in memory. */
class Baseline {
  samples = new Map<string, { seen: number; recent: bigint[] }>();
  payees = new Map<string, { seen: number; recent: bigint[] }>();
  places = new Set<string>();
  located = 0;
  profile: RiskHistory['profile'] = null;
  charges: (RecentCharge & { fraud: boolean })[] = [];

  history(tx: Tx): RiskHistory {
    const from = tx.at - RISK.velocity.longWindowMs;
    return {
      category: this.samples.get(tx.category) ?? null,
      all: this.samples.get('*') ?? null,
      payee: this.payees.get(payeeKey(tx.merchant) ?? '') ?? null,
      located: this.located,
      countryKnown: tx.location !== null && this.places.has(tx.location.country),
      cityKnown: tx.location !== null && this.places.has(`${tx.location.country}|${tx.location.city ?? ''}`),
      profile: this.profile,
      recent: recentCharges(this.charges.filter((c) => !c.fraud && c.occurredAt.getTime() >= from && c.occurredAt.getTime() <= tx.at)),
    };
  }

  /** Every written transaction is in the ledger (the recent windows read it); `fraud` ones are left out of them. */
  record(tx: Tx, fraud: boolean): void {
    this.charges.push({ occurredAt: new Date(tx.at), amount: tx.amount, payee: tx.merchant, fraud });
    if (this.charges.length > 400) this.charges.splice(0, 200);
  }

  learn(tx: Tx): void {
    for (const scope of ['*', tx.category]) {
      const s = this.samples.get(scope) ?? { seen: 0, recent: [] };
      this.samples.set(scope, { seen: s.seen + 1, recent: [...s.recent, tx.amount].slice(-RISK.sampleSize) });
    }
    const key = payeeKey(tx.merchant) ?? '';
    const paid = this.payees.get(key) ?? { seen: 0, recent: [] };
    this.payees.set(key, { seen: paid.seen + 1, recent: [...paid.recent, tx.amount].slice(-RISK.merchantSampleSize) });
    if (tx.location !== null) {
      this.located += 1;
      this.places.add(tx.location.country);
      this.places.add(`${tx.location.country}|${tx.location.city ?? ''}`);
    }
    const hours = [...(this.profile?.hours ?? Array.from({ length: 24 }, () => 0))];
    const hour = hourIn(new Date(tx.at), OPTIONS.timeZone);
    hours[hour] = (hours[hour] ?? 0) + 1;
    this.profile = { expenses: (this.profile?.expenses ?? 0) + 1, firstAt: this.profile?.firstAt ?? new Date(tx.at), hours };
  }
}

interface Tally {
  incidents: number;
  caught: number;
  signalCaught: number;
}

const perKind = new Map<Kind, Tally>(KINDS.map((k) => [k, { incidents: 0, caught: 0, signalCaught: 0 }]));
const perSignal = new Map<string, { fired: number; onAnomaly: number }>();
let flaggedAnomalous = 0;
let flaggedOrdinary = 0;
let ordinaryScored = 0;
let anomalousScored = 0;
let incidentId = 0;

for (let seed = 1; seed <= SEEDS; seed += 1) {
  const random = rng(seed * 7919);
  const days = Array.from({ length: DAYS }, (_, day) => ordinaryDay(random, day, seed));
  // The incidents go into the last month, on distinct days, at their kind's time of day.
  const incidentDays = new Set<number>();
  const planned: { day: number; kind: Kind }[] = [];
  for (const kind of KINDS) {
    let day = DAYS - 30 + Math.floor(random() * 28);
    while (incidentDays.has(day)) day = DAYS - 30 + Math.floor(random() * 28);
    incidentDays.add(day);
    planned.push({ day, kind });
  }
  const incidents = new Map<number, Kind>();
  for (const { day, kind } of planned) {
    const list = days[day] ?? [];
    const hour = kind === 'night_spend' ? 1 + Math.floor(random() * 3) : 10 + Math.floor(random() * 8);
    let last: Tx | undefined;
    if (kind === 'duplicate') {
      // The charge that is repeated: the day's last ordinary one, or one made for the purpose.
      last = list.filter((t) => t.category !== 'rent').sort((a, b) => b.at - a.at)[0];
      if (last === undefined) {
        last = { at: localAt(day, 12, 0), amount: 4_500n, category: 'groceries', merchant: 'Corner Market', location: HOME };
        list.push(last);
      }
    }
    const id = (incidentId += 1);
    incidents.set(id, kind);
    list.push(...incident(random, kind, localAt(day, hour, Math.floor(random() * 50)), id, last));
    days[day] = list;
  }
  const all = days.flat().sort((a, b) => a.at - b.at);

  const baseline = new Baseline();
  const caught = new Map<number, { any: boolean; signal: boolean }>();
  for (const tx of all) {
    const candidate: RiskCandidate = {
      type: 'expense',
      amount: tx.amount,
      currency: 'EUR',
      categoryName: tx.category,
      payee: tx.merchant,
      occurredAt: new Date(tx.at),
      precision: 'instant',
      location: tx.location,
    };
    const risk = scoreTransaction(candidate, baseline.history(tx), OPTIONS);
    const kind = tx.incident === undefined ? undefined : incidents.get(tx.incident);
    const evaluated = tx.at >= localAt(DAYS - 30, 0, 0);
    if (evaluated) {
      if (kind === undefined) ordinaryScored += 1;
      else anomalousScored += 1;
      for (const reason of risk.reasons) {
        const s = perSignal.get(reason.code) ?? { fired: 0, onAnomaly: 0 };
        s.fired += 1;
        if (kind !== undefined) s.onAnomaly += 1;
        perSignal.set(reason.code, s);
      }
      if (risk.flagged) {
        if (kind === undefined) flaggedOrdinary += 1;
        if (kind === undefined && process.env.FRAUD_DEBUG)
          console.log(tx.merchant, tx.category, tx.amount, new Date(tx.at).toISOString(), risk.reasons.map((r) => `${r.code}:${r.weight}`).join(' '));
        else flaggedAnomalous += 1;
      }
      if (tx.incident !== undefined && kind !== undefined) {
        const c = caught.get(tx.incident) ?? { any: false, signal: false };
        c.any ||= risk.flagged;
        c.signal ||= risk.reasons.some((r) => r.code === SIGNAL_OF[kind]);
        caught.set(tx.incident, c);
      }
    }
    // The owner reviews every flag: their own spending is legitimate, the injected kind is fraud.
    // An anomaly that was not flagged is never reviewed, and joins the baseline like any other.
    const fraud = kind !== undefined && risk.flagged;
    baseline.record(tx, fraud);
    if (!fraud) baseline.learn(tx);
  }
  for (const [id, c] of caught) {
    const kind = incidents.get(id);
    const tally = kind === undefined ? undefined : perKind.get(kind);
    if (tally === undefined) continue;
    tally.incidents += 1;
    if (c.any) tally.caught += 1;
    if (c.signal) tally.signalCaught += 1;
  }
}

const pct = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(2));
const totalIncidents = [...perKind.values()].reduce((a, t) => a + t.incidents, 0);
const totalCaught = [...perKind.values()].reduce((a, t) => a + t.caught, 0);
console.log(`Fraud score quality: ${SEEDS} seeded histories of ${DAYS} days, threshold ${OPTIONS.threshold}, last 30 days evaluated`);
console.log(`${ordinaryScored} ordinary and ${anomalousScored} anomalous transactions scored; ${totalIncidents} incidents\n`);
console.log('| Incident kind | Its signal | Incidents | Signal fired (recall) | Flagged (recall at threshold) |');
console.log('| --- | --- | ---: | ---: | ---: |');
for (const kind of KINDS) {
  const t = perKind.get(kind) ?? { incidents: 0, caught: 0, signalCaught: 0 };
  console.log(`| ${kind} | ${SIGNAL_OF[kind]} | ${t.incidents} | ${pct(t.signalCaught, t.incidents)} | ${pct(t.caught, t.incidents)} |`);
}
console.log('\n| Signal | Fired | On anomalies (precision) |');
console.log('| --- | ---: | ---: |');
for (const [code, s] of [...perSignal].sort()) console.log(`| ${code} | ${s.fired} | ${pct(s.onAnomaly, s.fired)} |`);
console.log('\n| Overall | Value |');
console.log('| --- | ---: |');
console.log(`| Recall (incidents with a flagged transaction) | ${pct(totalCaught, totalIncidents)} |`);
console.log(`| Precision (flagged transactions that were anomalous) | ${pct(flaggedAnomalous, flaggedAnomalous + flaggedOrdinary)} |`);
console.log(
  `| Flags per 200 ordinary transactions | ${((flaggedOrdinary / Math.max(1, ordinaryScored)) * 200).toFixed(2)} (${flaggedOrdinary} of ${ordinaryScored}) |`,
);
