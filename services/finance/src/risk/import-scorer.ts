import type { Transaction } from 'kysely';
import type { FinanceTables } from '../db.js';
import { ALL_SCOPE, categoryScope, type Lesson } from './lessons.js';
import { chargesWithin, payeeSamples, readAmountSamples, readProfile } from './repo.js';
import { candidateOf, lessonOf, type RiskSubject } from './service.js';
import {
  isMidnightIn,
  payeeKey,
  recentCharges,
  scoreTransaction,
  type AmountSample,
  type RecentCharge,
  type Risk,
  type RiskCandidate,
  type RiskHistory,
} from './score.js';
import { RISK } from './weights.js';

type Precision = RiskCandidate['precision'];

/** A bank file's date without a time reads as midnight in the user's zone: only its day is known. */
export function precisionOf(at: Date, timeZone: string): Precision {
  return isMidnightIn(at, timeZone) ? 'day' : 'instant';
}

/** The stretch of history a row is compared with: the hour before it, or its whole day when only the day is known. */
function windowOf(at: Date, timeZone: string): [Date, Date] {
  const from = new Date(at.getTime() - RISK.velocity.longWindowMs);
  // A day-precision row is compared with its whole day (a day is at most 25 hours long).
  return precisionOf(at, timeZone) === 'day' ? [from, new Date(at.getTime() + 25 * 3_600_000)] : [from, at];
}

export interface ImportScored {
  risk: Risk;
  lesson: Lesson;
}

/**
 * Scores the rows of one import against the user's history plus the rows before each in the file.
 * The baseline (a few rows per user) is read once; per batch, one query for the payees it names and
 * one for the charges near its rows. What earlier rows teach is kept here until written.
 */
export class ImportScorer {
  readonly #samples: Map<string, AmountSample>;
  #profile: RiskHistory['profile'];
  /** What this file's earlier rows taught about payees, over what the database knew. */
  readonly #payees = new Map<string, AmountSample>();
  /** This batch's rows scored so far: earlier batches are already written, so the database has them. */
  #fileRows: RecentCharge[] = [];

  private constructor(
    private readonly trx: Transaction<FinanceTables>,
    private readonly userId: string,
    private readonly timeZone: string,
    samples: Map<string, AmountSample>,
    profile: RiskHistory['profile'],
  ) {
    this.#samples = samples;
    this.#profile = profile;
  }

  static async start(trx: Transaction<FinanceTables>, userId: string, currency: string, timeZone: string): Promise<ImportScorer> {
    const [samples, profile] = await Promise.all([readAmountSamples(trx, { userId, currency }), readProfile(trx, userId)]);
    return new ImportScorer(trx, userId, timeZone, samples, profile);
  }

  /**
   * Scores a batch in file order, once the batches before it are written; each ordinary expense
   * teaches the rows after it.
   */
  async scoreBatch(subjects: RiskSubject[], threshold: number): Promise<ImportScored[]> {
    const expenses = subjects.filter((s) => s.type === 'expense');
    const payees = [...new Set(expenses.map((s) => payeeKey(s.merchant ?? s.description)).filter((p): p is string => p !== null))];
    const [known, near] = await Promise.all([
      payeeSamples(this.trx, { userId: this.userId, payees: payees.filter((p) => !this.#payees.has(p)) }),
      chargesWithin(this.trx, { userId: this.userId, ranges: expenses.map((s) => windowOf(s.occurredAt, this.timeZone)) }),
    ]);
    this.#fileRows = [];
    return subjects.map((subject) => {
      const precision = precisionOf(subject.occurredAt, this.timeZone);
      const candidate = candidateOf(subject, precision);
      const payee = payeeKey(candidate.payee);
      const history: RiskHistory = {
        category: this.#samples.get(categoryScope(subject.categoryId)) ?? null,
        all: this.#samples.get(ALL_SCOPE) ?? null,
        payee: payee === null ? null : (this.#payees.get(payee) ?? known.get(payee) ?? null),
        located: 0,
        countryKnown: false,
        cityKnown: false,
        profile: this.#profile,
        recent: recentCharges(this.#recentAround(subject, near)),
      };
      const risk = scoreTransaction(candidate, history, { threshold, timeZone: this.timeZone });
      const lesson = lessonOf(subject, this.timeZone, precision);
      if (subject.type === 'expense') {
        this.#fileRows.push({ occurredAt: subject.occurredAt, amount: subject.amount, payee: candidate.payee });
        if (!risk.flagged) this.#learn(lesson, payee === null ? null : (known.get(payee) ?? null));
      }
      return { risk, lesson };
    });
  }

  #recentAround(subject: RiskSubject, near: RecentCharge[]): RecentCharge[] {
    const [from, to] = windowOf(subject.occurredAt, this.timeZone);
    const inside = (r: RecentCharge) => r.occurredAt >= from && r.occurredAt <= to;
    return [...near.filter(inside), ...this.#fileRows.filter(inside)];
  }

  #learn(lesson: Lesson, stored: AmountSample | null): void {
    for (const scope of [ALL_SCOPE, categoryScope(lesson.categoryId)]) {
      const sample = this.#samples.get(scope) ?? { seen: 0, recent: [] };
      this.#samples.set(scope, { seen: sample.seen + 1, recent: [...sample.recent, lesson.amount].slice(-RISK.sampleSize) });
    }
    const payee = payeeKey(lesson.payee);
    if (payee !== null) {
      const sample = this.#payees.get(payee) ?? stored ?? { seen: 0, recent: [] };
      this.#payees.set(payee, { seen: sample.seen + 1, recent: [...sample.recent, lesson.amount].slice(-RISK.merchantSampleSize) });
    }
    const hours = [...(this.#profile?.hours ?? Array.from({ length: 24 }, () => 0))];
    if (lesson.hour !== null) hours[lesson.hour] = (hours[lesson.hour] ?? 0) + 1;
    const firstAt = this.#profile === null || lesson.occurredAt < this.#profile.firstAt ? lesson.occurredAt : this.#profile.firstAt;
    this.#profile = { expenses: (this.#profile?.expenses ?? 0) + 1, firstAt, hours };
  }
}
