import type { Transaction } from 'kysely';
import type { EventPayload } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import type { FinanceDb, FinanceTables } from '../db.js';
import { formatAmount } from '../shared/money.js';
import { categoryScope, type Lesson } from './lessons.js';
import { learn, readHistory, type HistoryParams } from './repo.js';
import { hourIn, NO_HISTORY, payeeKey, scoreTransaction, type Place, type Risk, type RiskCandidate, type RiskHistory } from './score.js';
import { RISK } from './weights.js';

export function alertThreshold(ctx: FinanceContext): number {
  return ctx.config.SECURITY_ALERT_THRESHOLD ?? RISK.defaultAlertThreshold;
}

/** Where a request came from, from its client address (Fastify's request.ip honours TRUST_PROXY). */
export async function locateClient(ctx: FinanceContext, ip: string | undefined): Promise<Place | null> {
  if (ip === undefined) return null;
  const found = (await ctx.geo()).locate(ip);
  return found === null ? null : { country: found.country, city: found.city };
}

export interface Scored {
  risk: Risk;
  /** What the transaction teaches the baseline once it counts as ordinary. */
  lesson: Lesson;
}

/** The fields of a new transaction scoring reads. */
export interface RiskSubject {
  id: string;
  type: RiskCandidate['type'];
  amount: bigint;
  currency: string;
  categoryId: string | null;
  categoryName: string | null;
  merchant: string | null;
  description: string | null;
  occurredAt: Date;
  location: Place | null;
}

export function lessonOf(subject: RiskSubject, timeZone: string, precision: RiskCandidate['precision'] = 'instant'): Lesson {
  return {
    currency: subject.currency,
    categoryId: subject.categoryId,
    amount: subject.amount,
    payee: subject.merchant ?? subject.description,
    location: subject.location,
    occurredAt: subject.occurredAt,
    hour: precision === 'instant' ? hourIn(subject.occurredAt, timeZone) : null,
  };
}

export function candidateOf(subject: RiskSubject, precision: RiskCandidate['precision'] = 'instant'): RiskCandidate {
  return {
    type: subject.type,
    amount: subject.amount,
    currency: subject.currency,
    categoryName: subject.categoryName,
    payee: subject.merchant ?? subject.description,
    occurredAt: subject.occurredAt,
    precision,
    location: subject.location,
  };
}

/** What scoring reads of the user's history, but the user and the currency (the account's). */
export type ExpectedHistory = Omit<HistoryParams, 'currency' | 'userId'>;

/** The stretch and keys of history scoring a new transaction reads; null when it reads nothing (only expenses do). */
export function historyWindow(
  subject: Pick<RiskSubject, 'id' | 'type' | 'categoryId' | 'merchant' | 'description' | 'location' | 'occurredAt'>,
): ExpectedHistory | null {
  if (subject.type !== 'expense') return null;
  return {
    scope: categoryScope(subject.categoryId),
    payee: payeeKey(subject.merchant ?? subject.description),
    location: subject.location,
    from: new Date(subject.occurredAt.getTime() - RISK.velocity.longWindowMs),
    to: subject.occurredAt,
    excludeId: subject.id,
  };
}

function sameHistory(a: HistoryParams, b: HistoryParams): boolean {
  return (
    a.userId === b.userId &&
    a.currency === b.currency &&
    a.scope === b.scope &&
    a.payee === b.payee &&
    a.location?.country === b.location?.country &&
    a.location?.city === b.location?.city &&
    a.from.getTime() === b.from.getTime() &&
    a.to.getTime() === b.to.getTime() &&
    a.excludeId === b.excludeId
  );
}

/** A history already read (with the create's context) and what it was read for. */
export interface KnownHistory {
  params: HistoryParams;
  history: RiskHistory;
}

/**
 * Scores one new transaction against the user's history, reading a bounded amount of it
 * (risk/repo.ts) unless `known` was read for exactly this transaction.
 */
export async function assessTransaction(
  ctx: FinanceContext,
  db: FinanceDb,
  timeZone: string,
  subject: RiskSubject & { userId: string },
  known?: KnownHistory,
): Promise<Scored> {
  const lesson = lessonOf(subject, timeZone);
  const window = historyWindow(subject);
  const params = window && { ...window, userId: subject.userId, currency: subject.currency };
  const history =
    params === null ? NO_HISTORY : known !== undefined && sameHistory(known.params, params) ? known.history : await readHistory(ctx.database, db, params);
  return { risk: scoreTransaction(candidateOf(subject), history, { threshold: alertThreshold(ctx), timeZone }), lesson };
}

/**
 * After the write, in its transaction: an ordinary expense joins the baseline; a flagged one
 * waits for its owner's review and tells them (`transaction.flagged`, through the outbox) when asked to.
 */
export async function afterScoring(
  ctx: FinanceContext,
  trx: Transaction<FinanceTables>,
  userId: string,
  scored: { id: string; type: RiskCandidate['type']; risk: Risk; lesson: Lesson }[],
  alert: (id: string) => boolean = () => true,
): Promise<void> {
  const ordinary = scored.filter((s) => s.type === 'expense' && !s.risk.flagged).map((s) => s.lesson);
  if (ordinary.length > 0) await learn(trx, userId, ordinary);
  for (const s of scored) {
    if (s.risk.flagged && alert(s.id)) await ctx.bus.publish(trx, 'transaction.flagged', userId, flaggedPayload(s.id, s.risk, s.lesson));
  }
}

export function flaggedPayload(id: string, risk: Risk, lesson: Lesson): EventPayload<'transaction.flagged'> {
  return {
    transactionId: id,
    score: risk.score,
    level: risk.level,
    reasons: risk.reasons,
    amount: formatAmount(lesson.amount, lesson.currency),
    currency: lesson.currency,
    merchant: lesson.payee,
    occurredAt: lesson.occurredAt.toISOString(),
  };
}
