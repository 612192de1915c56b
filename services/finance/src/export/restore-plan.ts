import type { Insertable } from 'kysely';
import { fieldError, newId } from '@expensio/common';
import type {
  AccountsTable,
  BudgetsTable,
  CategoriesTable,
  DebtPaymentsTable,
  DebtsTable,
  GoalContributionsTable,
  GoalsTable,
  ImportMappingsTable,
  RecurringPausesTable,
  RecurringRulesTable,
  RulesTable,
  TransactionMoodsTable,
  TransactionsTable,
} from '../db.js';
import type { Condition } from '../rules/conditions.js';
import { parseAmount } from '../shared/money.js';
import type { BackupDocument } from './backup-schema.js';

/** Every row a restore writes, with new ids, ready to insert in this order. */
export interface RestorePlan {
  accounts: Insertable<AccountsTable>[];
  categories: Insertable<CategoriesTable>[];
  recurringRules: Insertable<RecurringRulesTable>[];
  recurringPauses: Insertable<RecurringPausesTable>[];
  transactions: Insertable<TransactionsTable>[];
  /** Ids (new) of the transactions that came from a bank file: their import fingerprint is recomputed. */
  importedTransactionIds: string[];
  moods: Insertable<TransactionMoodsTable>[];
  budgets: Insertable<BudgetsTable>[];
  goals: Insertable<GoalsTable>[];
  goalContributions: Insertable<GoalContributionsTable>[];
  debts: Insertable<DebtsTable>[];
  debtPayments: Insertable<DebtPaymentsTable>[];
  rules: Insertable<RulesTable>[];
  importMappings: Insertable<ImportMappingsTable>[];
}

/** Old id → new id for one kind of row; a reference to an id the document lacks names its path. */
class IdMap {
  readonly #ids = new Map<string, { id: string; currency?: string }>();

  constructor(readonly kind: string) {}

  add(oldId: string, path: string, currency?: string): string {
    if (this.#ids.has(oldId)) throw fieldError(`${path}.id`, `${path}.id repeats the id of another ${this.kind}`, 'duplicate_id');
    const id = newId();
    this.#ids.set(oldId, { id, ...(currency !== undefined && { currency }) });
    return id;
  }

  alias(oldId: string, id: string) {
    this.#ids.set(oldId, { id });
  }

  get(oldId: string, path: string): { id: string; currency?: string } {
    const found = this.#ids.get(oldId);
    if (found === undefined) throw fieldError(path, `${path} names no ${this.kind} of the document`, 'unknown_reference');
    return found;
  }

  optional(oldId: string | null, path: string): string | null {
    return oldId === null ? null : this.get(oldId, path).id;
  }

  has(oldId: string): boolean {
    return this.#ids.has(oldId);
  }
}

function sameCurrency(expected: string | undefined, actual: string, path: string) {
  if (expected !== undefined && expected !== actual)
    throw fieldError(`${path}.currency`, `${path}.currency must be ${expected}, the currency of what it belongs to`, 'currency_mismatch');
}

/**
 * Turns a validated document into rows for `userId`: new ids everywhere, references followed
 * through them, money in minor units of each row's currency. Built-in categories are found again
 * on this server by slug. Throws a 400 naming the path of the first thing that does not hold.
 */
export function planRestore(doc: BackupDocument, params: { userId: string; builtInCategories: Map<string, string> }): RestorePlan {
  const { userId } = params;
  const accounts = new IdMap('account');
  const categories = new IdMap('category');
  const rules = new IdMap('recurring rule');
  const goals = new IdMap('goal');
  const debts = new IdMap('debt');
  const transfers = new Map<string, { id: string; legs: string[] }>();
  const plan: RestorePlan = {
    accounts: [],
    categories: [],
    recurringRules: [],
    recurringPauses: [],
    transactions: [],
    importedTransactionIds: [],
    moods: [],
    budgets: [],
    goals: [],
    goalContributions: [],
    debts: [],
    debtPayments: [],
    rules: [],
    importMappings: [],
  };

  if (doc.accounts.filter((a) => a.isDefault).length !== 1)
    throw fieldError('accounts', 'accounts must hold exactly one default account (isDefault)', 'invalid_default');
  doc.accounts.forEach((a, i) => {
    const path = `accounts.${String(i)}`;
    plan.accounts.push({
      id: accounts.add(a.id, path, a.currency),
      user_id: userId,
      name: a.name,
      type: a.type,
      currency: a.currency,
      opening_balance: parseAmount(a.openingBalance, a.currency, `${path}.openingBalance`),
      is_default: a.isDefault,
      archived_at: a.archivedAt,
      created_at: a.createdAt,
      updated_at: a.updatedAt,
    });
  });

  const ownSlugs = new Set<string>();
  doc.categories.forEach((c, i) => {
    const path = `categories.${String(i)}`;
    if (c.builtIn) {
      const here = params.builtInCategories.get(c.slug);
      if (here === undefined) throw fieldError(`${path}.slug`, `${path}.slug is not a built-in category of this server`, 'unknown_category');
      categories.alias(c.id, here);
      return;
    }
    if (params.builtInCategories.has(c.slug) || ownSlugs.has(c.slug))
      throw fieldError(`${path}.slug`, `${path}.slug is taken by another category`, 'duplicate_slug');
    ownSlugs.add(c.slug);
    plan.categories.push({ id: categories.add(c.id, path), user_id: userId, slug: c.slug, name: c.name, kind: c.kind, created_at: c.createdAt });
  });

  doc.recurringRules.forEach((r, i) => {
    const path = `recurringRules.${String(i)}`;
    const account = accounts.get(r.accountId, `${path}.accountId`);
    sameCurrency(account.currency, r.currency, path);
    if (r.endDate !== null && r.endDate < r.startDate) throw fieldError(`${path}.endDate`, `${path}.endDate is before its startDate`, 'invalid_range');
    plan.recurringRules.push({
      id: rules.add(r.id, path),
      user_id: userId,
      account_id: account.id,
      type: r.type,
      amount: parseAmount(r.amount, r.currency, `${path}.amount`, { positive: true }),
      currency: r.currency,
      category_id: categories.optional(r.categoryId, `${path}.categoryId`),
      description: r.description,
      merchant: r.merchant,
      tags: r.tags,
      frequency: r.frequency,
      frequency_interval: r.interval,
      start_date: r.startDate,
      end_date: r.endDate,
      occurrence_count: r.occurrenceCount,
      paused: r.paused,
      next_index: r.nextIndex,
      next_date: r.nextDate,
      last_error: null,
      created_at: r.createdAt,
      updated_at: r.updatedAt,
    });
  });
  doc.recurringPauses.forEach((p, i) => {
    const path = `recurringPauses.${String(i)}`;
    if (p.resumedOn !== null && p.resumedOn < p.pausedOn) throw fieldError(`${path}.resumedOn`, `${path}.resumedOn is before its pausedOn`, 'invalid_range');
    plan.recurringPauses.push({ id: newId(), rule_id: rules.get(p.ruleId, `${path}.ruleId`).id, paused_on: p.pausedOn, resumed_on: p.resumedOn });
  });

  const seenTransactions = new Set<string>();
  doc.transactions.forEach((t, i) => {
    const path = `transactions.${String(i)}`;
    if (seenTransactions.has(t.id)) throw fieldError(`${path}.id`, `${path}.id repeats the id of another transaction`, 'duplicate_id');
    seenTransactions.add(t.id);
    const account = accounts.get(t.accountId, `${path}.accountId`);
    sameCurrency(account.currency, t.currency, path);
    const isTransfer = t.type === 'transfer_in' || t.type === 'transfer_out';
    if (isTransfer !== (t.transferId !== null))
      throw fieldError(`${path}.transferId`, `${path}.transferId goes with the transfer types, and only with them`, 'invalid_transfer');
    let transferId: string | null = null;
    if (t.transferId !== null) {
      const transfer = transfers.get(t.transferId) ?? { id: newId(), legs: [] };
      transfer.legs.push(t.type);
      transfers.set(t.transferId, transfer);
      transferId = transfer.id;
    }
    const id = newId();
    if (t.imported) plan.importedTransactionIds.push(id);
    plan.transactions.push({
      id,
      user_id: userId,
      account_id: account.id,
      type: t.type,
      amount: parseAmount(t.amount, t.currency, `${path}.amount`, { positive: true }),
      currency: t.currency,
      category_id: categories.optional(t.categoryId, `${path}.categoryId`),
      description: t.description,
      merchant: t.merchant,
      occurred_at: t.occurredAt,
      tags: t.tags,
      transfer_id: transferId,
      recurring_rule_id: rules.optional(t.recurringRuleId, `${path}.recurringRuleId`),
      occurrence_date: t.recurringRuleId === null ? null : t.occurrenceDate,
      import_fingerprint: null,
      created_at: t.createdAt,
      updated_at: t.updatedAt,
      ...(t.risk !== null && {
        risk_score: t.risk.score,
        risk_level: t.risk.level,
        risk_reasons: JSON.stringify(t.risk.reasons),
        risk_flagged: t.risk.flagged,
      }),
      location_country: t.location?.country ?? null,
      location_city: t.location?.city ?? null,
      review_decision: t.review?.decision ?? null,
      review_note: t.review?.note ?? null,
      reviewed_at: t.review?.reviewedAt ?? null,
    });
    if (t.mood !== null) {
      plan.moods.push({
        id: newId(),
        user_id: userId,
        transaction_id: id,
        mood: t.mood.mood,
        intensity: t.mood.intensity,
        triggers: [...new Set(t.mood.triggers)],
        note: t.mood.note,
        created_at: t.mood.createdAt,
        updated_at: t.mood.updatedAt,
      });
    }
  });
  for (const [oldId, transfer] of transfers) {
    if (transfer.legs.length !== 2 || !transfer.legs.includes('transfer_in') || !transfer.legs.includes('transfer_out')) {
      throw fieldError('transactions', `transfer ${oldId} must have one transfer_out and one transfer_in leg`, 'invalid_transfer');
    }
  }

  doc.budgets.forEach((b, i) => {
    const path = `budgets.${String(i)}`;
    if (b.rollover === 'none' && b.rolloverCap !== null)
      throw fieldError(`${path}.rolloverCap`, `${path}.rolloverCap needs a rollover mode`, 'invalid_rollover');
    const cap = b.rolloverCap === null ? null : parseAmount(b.rolloverCap, b.currency, `${path}.rolloverCap`);
    if (cap !== null && cap < 0n) throw fieldError(`${path}.rolloverCap`, `${path}.rolloverCap must not be negative`, 'invalid_amount');
    plan.budgets.push({
      id: newId(),
      user_id: userId,
      name: b.name,
      amount: parseAmount(b.amount, b.currency, `${path}.amount`, { positive: true }),
      currency: b.currency,
      period: b.period,
      category_id: categories.optional(b.categoryId, `${path}.categoryId`),
      start_date: b.startDate,
      rollover: b.rollover,
      rollover_cap: cap,
      created_at: b.createdAt,
      updated_at: b.updatedAt,
    });
  });

  doc.goals.forEach((g, i) => {
    const path = `goals.${String(i)}`;
    plan.goals.push({
      id: goals.add(g.id, path, g.currency),
      user_id: userId,
      name: g.name,
      target_amount: parseAmount(g.targetAmount, g.currency, `${path}.targetAmount`, { positive: true }),
      currency: g.currency,
      deadline: g.deadline,
      completed_at: g.completedAt,
      created_at: g.createdAt,
      updated_at: g.updatedAt,
    });
  });
  doc.goalContributions.forEach((c, i) => {
    const path = `goalContributions.${String(i)}`;
    const goal = goals.get(c.goalId, `${path}.goalId`);
    const amount = parseAmount(c.amount, goal.currency ?? '', `${path}.amount`);
    if (amount === 0n) throw fieldError(`${path}.amount`, `${path}.amount must not be zero`, 'invalid_amount');
    plan.goalContributions.push({ id: newId(), goal_id: goal.id, user_id: userId, amount, note: c.note, occurred_at: c.occurredAt, created_at: c.createdAt });
  });

  doc.debts.forEach((d, i) => {
    const path = `debts.${String(i)}`;
    const opening = parseAmount(d.openingBalance, d.currency, `${path}.openingBalance`);
    if (opening < 0n) throw fieldError(`${path}.openingBalance`, `${path}.openingBalance must not be negative`, 'invalid_amount');
    plan.debts.push({
      id: debts.add(d.id, path, d.currency),
      user_id: userId,
      name: d.name,
      kind: d.kind,
      currency: d.currency,
      opening_balance: opening,
      start_date: d.startDate,
      annual_rate: d.annualRate,
      minimum_payment: parseAmount(d.minimumPayment, d.currency, `${path}.minimumPayment`, { positive: true }),
      due_day: d.dueDay,
      created_at: d.createdAt,
      updated_at: d.updatedAt,
    });
  });
  doc.debtPayments.forEach((p, i) => {
    const path = `debtPayments.${String(i)}`;
    const debt = debts.get(p.debtId, `${path}.debtId`);
    const currency = debt.currency ?? '';
    const amount = parseAmount(p.amount, currency, `${path}.amount`, { positive: true });
    const interest = parseAmount(p.interest, currency, `${path}.interest`);
    const principal = parseAmount(p.principal, currency, `${path}.principal`);
    if (interest < 0n) throw fieldError(`${path}.interest`, `${path}.interest must not be negative`, 'invalid_amount');
    if (interest + principal !== amount) throw fieldError(`${path}.amount`, `${path}.amount must equal interest plus principal`, 'invalid_amount');
    plan.debtPayments.push({ id: newId(), debt_id: debt.id, user_id: userId, amount, interest, principal, paid_at: p.paidAt, created_at: p.createdAt });
  });

  planRules(doc, { userId, accounts, categories }, plan);
  planImportMappings(doc, { userId, accounts }, plan);
  return plan;
}

/**
 * Rules keep their order (positions are unique, as the list's constraint wants), and every account
 * or category they name is the restored one. A condition on an account the document lacks (the
 * account was deleted after the rule was written) gets an id of nothing, so it still matches nothing.
 */
function planRules(doc: BackupDocument, refs: { userId: string; accounts: IdMap; categories: IdMap }, plan: RestorePlan) {
  const positions = new Set<number>();
  doc.rules.forEach((r, i) => {
    const path = `rules.${String(i)}`;
    if (positions.has(r.position)) throw fieldError(`${path}.position`, `${path}.position repeats the position of another rule`, 'duplicate_position');
    positions.add(r.position);
    const conditions: Condition[] = r.conditions.map((c) =>
      c.field === 'accountId' && typeof c.value === 'string' ? { ...c, value: refs.accounts.has(c.value) ? refs.accounts.get(c.value, path).id : newId() } : c,
    );
    plan.rules.push({
      id: newId(),
      user_id: refs.userId,
      name: r.name,
      position: r.position,
      conditions: JSON.stringify(conditions),
      category_id: refs.categories.optional(r.actions.categoryId, `${path}.actions.categoryId`),
      merchant: r.actions.merchant,
      add_tags: [...new Set(r.actions.addTags)],
      transfer_account_id: refs.accounts.optional(r.actions.transferToAccountId, `${path}.actions.transferToAccountId`),
      created_at: r.createdAt,
      updated_at: r.updatedAt,
    });
  });
}

/** One saved CSV mapping per account, moved to the restored account. */
function planImportMappings(doc: BackupDocument, refs: { userId: string; accounts: IdMap }, plan: RestorePlan) {
  const seen = new Set<string>();
  doc.importMappings.forEach((m, i) => {
    const path = `importMappings.${String(i)}`;
    if (seen.has(m.accountId)) throw fieldError(`${path}.accountId`, `${path}.accountId already has a mapping in the document`, 'duplicate_id');
    seen.add(m.accountId);
    plan.importMappings.push({
      account_id: refs.accounts.get(m.accountId, `${path}.accountId`).id,
      user_id: refs.userId,
      mapping: JSON.stringify(m.mapping),
      created_at: m.createdAt,
      updated_at: m.updatedAt,
    });
  });
}
