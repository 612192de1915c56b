import { ConflictError, NotFoundError, UnprocessableError, isCalendarDate, newId } from '@expensio/common';
import type { Transaction } from 'kysely';
import { accountForWrite } from '../accounts/service.js';
import { checkThresholds } from '../budgets/thresholds.js';
import { categoryForWrite } from '../categories/service.js';
import type { FinanceContext } from '../context.js';
import type { FinanceDb, FinanceTables } from '../db.js';
import type { MoodRow } from '../moods/repo.js';
import { toMoodView } from '../moods/schemas.js';
import type { MoodFields } from '../moods/service.js';
import { applyRulesToNew, rulesForWrite } from '../rules/on-write.js';
import type { Claim } from '../shared/idempotency.js';
import { completeRuleTransfer, planRuleTransfer } from '../transfers/by-rule.js';
import { transactionSnapshot } from './events.js';
import type { TransactionRow } from './repo.js';
import { toTransactionView, type TransactionView } from './schemas.js';
import { buildTransaction, type TransactionInput, type WriteTarget } from './service.js';
import { instantForUser } from '../users/time-zone.js';
import { writeTransaction } from './writer.js';
import { afterScoring, assessTransaction, locateClient } from '../risk/service.js';
import { withRisk } from '../risk/rows.js';

export interface CreateOptions {
  /** The Idempotency-Key the request holds (claimed before anything else): the write stores its answer. */
  key?: { claim: Claim; answered: () => void } | undefined;
  /** An occurrence of a recurring rule: posted once, a second time is a 409. */
  recurring?: { ruleId: string; occurrenceDate: string };
  /** The caller's open transaction (the scheduler's, which holds the rule's lock); else one of its own. */
  trx?: Transaction<FinanceTables>;
  /** The client's address (request.ip, which honours TRUST_PROXY): where the transaction was made from. */
  clientIp?: string | undefined;
}

export interface CreatedTransaction {
  row: TransactionRow;
  /** The answer, as the API sends it and as a retry with the same key receives it again. */
  view: TransactionView;
}

/**
 * The account a create goes to. A named account's currency never changes, so once seen it is not
 * read again; whether the account is still the user's and open is for the write to say.
 */
async function resolveAccount(ctx: FinanceContext, db: FinanceDb, userId: string, accountId: string | undefined): Promise<WriteTarget> {
  const known = accountId === undefined ? undefined : ctx.accountCurrencies.get(userId, accountId);
  if (accountId !== undefined && known !== undefined) return { id: accountId, currency: known };
  const account = await accountForWrite(ctx, db, userId, accountId);
  ctx.accountCurrencies.remember(userId, account.id, account.currency);
  return account;
}

/**
 * The one way a transaction is created (the API, the scheduler; see ADR 0010): the account and
 * category resolved, the row built once and the user's rules applied to the fields it left unset, then in one database transaction one statement that
 * writes the row, its mood and the key's answer if the account is still the user's and open and
 * locks the budgets an expense counts towards; the `transaction.created` event through the bus;
 * and, when a budget applies, its threshold check.
 */
export async function createTransaction(
  ctx: FinanceContext,
  userId: string,
  given: TransactionInput & { mood?: MoodFields | undefined },
  options: CreateOptions = {},
): Promise<CreatedTransaction> {
  const db = options.trx ?? ctx.db;
  // A date alone is midnight in the user's zone: resolved here so everything after sees an instant.
  const input =
    given.occurredAt !== undefined && isCalendarDate(given.occurredAt)
      ? { ...given, occurredAt: (await instantForUser(db, userId, given.occurredAt)).toISOString() }
      : given;
  const [account, rules] = await Promise.all([resolveAccount(ctx, db, userId, input.accountId), rulesForWrite(db, userId)]);
  const category = input.category == null ? null : await categoryForWrite(ctx, db, userId, input.category);
  const built = applyRulesToNew(rules, buildTransaction(ctx, userId, account, category, input), {
    category: input.category !== undefined,
    merchant: input.merchant !== undefined,
  });
  const { now } = built;
  const recurring = options.recurring;
  const location = await locateClient(ctx, options.clientIp);
  const mood: MoodRow | undefined = input.mood && {
    id: newId(),
    user_id: userId,
    transaction_id: built.values.id,
    mood: input.mood.mood,
    intensity: input.mood.intensity,
    triggers: [...new Set(input.mood.triggers)],
    note: input.mood.note ?? null,
    created_at: now,
    updated_at: now,
  };
  const key = options.key?.claim;

  const write = async (trx: Transaction<FinanceTables>): Promise<CreatedTransaction> => {
    // A rule that makes it a transfer decides before the write, so the row, its answer and its
    // event say what it is, and it never counts towards a budget on the way.
    const type = built.values.type;
    const plan =
      built.transferTo !== undefined && (type === 'income' || type === 'expense')
        ? await planRuleTransfer(trx, userId, { ...built.values, account_id: account.id, type }, built.transferTo)
        : null;
    const asLeg = plan && { type: plan.type, category_id: null, transfer_id: plan.transferId };
    const values = asLeg ? { ...built.values, ...asLeg } : built.values;
    const written: TransactionRow = asLeg ? { ...built.row, ...asLeg, category_slug: null } : built.row;
    const unscored: TransactionRow = {
      ...written,
      ...(recurring && { recurring_rule_id: recurring.ruleId }),
      location_country: location?.country ?? null,
      location_city: location?.city ?? null,
    };
    // A transfer between the user's own accounts is not spending: it scores 0.
    const scored =
      ctx.scoring === false || asLeg
        ? undefined
        : await assessTransaction(ctx, trx, userId, {
            id: values.id,
            type: values.type,
            amount: values.amount,
            currency: values.currency,
            categoryId: values.category_id,
            categoryName: category?.name ?? null,
            merchant: values.merchant,
            description: values.description,
            occurredAt: values.occurred_at,
            location,
          });
    const row = scored === undefined ? unscored : withRisk(unscored, scored.risk);
    const view: TransactionView = { ...toTransactionView(row), ...(mood && { mood: toMoodView(mood) }) };
    const result = await writeTransaction(
      ctx.database,
      trx,
      { mood: mood !== undefined, expense: values.type === 'expense', recurring: recurring !== undefined, answer: key !== undefined },
      {
        id: values.id,
        userId,
        accountId: account.id,
        type: values.type,
        amount: values.amount,
        currency: values.currency,
        categoryId: values.category_id,
        description: values.description,
        merchant: values.merchant,
        occurredAt: values.occurred_at,
        tags: values.tags,
        transferId: values.transfer_id,
        riskScore: row.risk_score,
        riskLevel: row.risk_level,
        riskReasons: JSON.stringify(row.risk_reasons),
        riskFlagged: row.risk_flagged,
        locationCountry: row.location_country,
        locationCity: row.location_city,
        now,
        ruleId: recurring?.ruleId ?? null,
        occurrenceDate: recurring?.occurrenceDate ?? null,
        moodId: mood?.id ?? null,
        mood: mood?.mood ?? null,
        intensity: mood?.intensity ?? null,
        triggers: mood?.triggers ?? null,
        note: mood?.note ?? null,
        scope: key?.scope ?? null,
        key: key?.key ?? null,
        answer: key === undefined ? null : JSON.stringify(view),
      },
    );
    if (result.account === null) throw new NotFoundError(`No account ${account.id} (accountId)`, 'account_not_found');
    if (result.account === 'archived') throw new UnprocessableError('The account is archived', 'account_archived');
    if (result.written === null) throw new ConflictError('This occurrence of the recurring rule is already posted', 'occurrence_already_posted');
    await ctx.bus.publish(trx, 'transaction.created', userId, transactionSnapshot(row));
    if (plan) await completeRuleTransfer(ctx, trx, userId, row, plan);
    if (scored !== undefined) await afterScoring(ctx, trx, userId, [{ id: row.id, type: row.type, ...scored }]);
    if (result.budgets.length > 0) await checkThresholds(ctx, trx, userId, result.budgets, row.occurred_at);
    options.key?.answered();
    return { row, view };
  };
  return options.trx ? write(options.trx) : ctx.db.transaction().execute(write);
}
