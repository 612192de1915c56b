import { dateInZone } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { userTimeZone } from '../users/time-zone.js';
import type { RuleRow } from './repo.js';
import { postDue, recordRuleFailure } from './scheduler.js';
import { createRule, requireRule, type RuleInput } from './service.js';

/**
 * At most this many occurrences post inside the create request: a daily rule started a year ago
 * (the furthest back a start may be) is all of it; anything past it the scheduler posts.
 */
export const POST_ON_CREATE_LIMIT = 400;

/**
 * Creates the rule, then posts (or links) the occurrences already due before answering, so a rule
 * started in the past shows its transactions at once rather than at the scheduler's next run. Each
 * posts in its own transaction as the scheduler's do (and racing a scheduler run is as safe); one
 * that cannot post is recorded as the rule's lastError and left to the scheduler, as there.
 */
export async function createRuleAndPostDue(ctx: FinanceContext, userId: string, input: RuleInput): Promise<RuleRow> {
  const rule = await createRule(ctx, userId, input);
  const now = ctx.clock.now();
  const today = dateInZone(now, await userTimeZone(ctx.db, userId));
  if (rule.paused || rule.next_date === null || rule.next_date > today) return rule;
  try {
    await postDue(ctx, rule.id, now, POST_ON_CREATE_LIMIT);
  } catch (error) {
    await recordRuleFailure(ctx, rule.id, error);
  }
  return requireRule(ctx.db, userId, rule.id);
}
