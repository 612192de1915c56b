import type { Transaction } from 'kysely';
import type { EventPayload } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import type { FinanceTables } from '../db.js';
import { formatAmount } from '../shared/money.js';
import { categoryScope, type Lesson } from './lessons.js';
import { learn, readHistory } from './repo.js';
import { hourIn, payeeKey, scoreTransaction, type Place, type Risk, type RiskCandidate } from './score.js';
import { userTimeZone } from '../users/time-zone.js';
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

/** Scores one new transaction against the user's history, reading a bounded amount of it (risk/repo.ts). */
export async function assessTransaction(ctx: FinanceContext, trx: Transaction<FinanceTables>, userId: string, subject: RiskSubject): Promise<Scored> {
  const timeZone = await userTimeZone(trx, userId);
  const lesson = lessonOf(subject, timeZone);
  if (subject.type !== 'expense') return { risk: scoreTransaction(candidateOf(subject), emptyHistory, { threshold: alertThreshold(ctx), timeZone }), lesson };
  const candidate = candidateOf(subject);
  const history = await readHistory(trx, {
    userId,
    currency: subject.currency,
    scope: categoryScope(subject.categoryId),
    payee: payeeKey(candidate.payee),
    location: subject.location,
    from: new Date(subject.occurredAt.getTime() - RISK.velocity.longWindowMs),
    to: subject.occurredAt,
    excludeId: subject.id,
  });
  return { risk: scoreTransaction(candidate, history, { threshold: alertThreshold(ctx), timeZone }), lesson };
}

const emptyHistory = { category: null, all: null, payee: null, located: 0, countryKnown: false, cityKnown: false, profile: null, recent: [] };

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
