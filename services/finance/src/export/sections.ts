import { keysetPages, type ExportSection } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { formatAmount } from '../shared/money.js';
import * as repo from './repo.js';

type Reader<T extends { id: string }> = (db: FinanceContext['db'], p: repo.PageParams) => Promise<T[]>;

function section<T extends { id: string }>(ctx: FinanceContext, name: string, columns: readonly string[], read: Reader<T>, view: (row: T) => Record<string, unknown>): ExportSection {
  return {
    name,
    columns,
    async *rows(userId) {
      for await (const row of keysetPages((page) => read(ctx.db, { userId, ...page }))) yield view(row);
    },
  };
}

const money = (minor: bigint | null, currency: string) => (minor === null ? null : formatAmount(minor, currency));

/**
 * The ledger's part of an export, in the order a restore needs them (what is referred to comes
 * first). Money is decimal strings with the row's currency. Finance's `user_time_zones` is not a
 * section: it is a copy of identity's profile `timeZone`, which the profile section carries.
 */
export function financeExportSections(ctx: FinanceContext): ExportSection[] {
  return [
    section(
      ctx,
      'accounts',
      ['id', 'name', 'type', 'currency', 'openingBalance', 'isDefault', 'archivedAt', 'createdAt', 'updatedAt'],
      repo.accountsPage,
      (r) => ({
        id: r.id,
        name: r.name,
        type: r.type,
        currency: r.currency,
        openingBalance: money(r.opening_balance, r.currency),
        isDefault: r.is_default,
        archivedAt: r.archived_at,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      }),
    ),
    section(ctx, 'categories', ['id', 'slug', 'name', 'kind', 'builtIn', 'createdAt'], repo.categoriesPage, (r) => ({
      id: r.id,
      slug: r.slug,
      name: r.name,
      kind: r.kind,
      builtIn: r.user_id === null,
      createdAt: r.created_at,
    })),
    section(
      ctx,
      'transactions',
      [
        'id',
        'accountId',
        'type',
        'amount',
        'currency',
        'categoryId',
        'description',
        'merchant',
        'occurredAt',
        'tags',
        'transferId',
        'recurringRuleId',
        'occurrenceDate',
        'imported',
        'createdAt',
        'updatedAt',
        'risk.score',
        'risk.level',
        'risk.reasons',
        'risk.flagged',
        'location.country',
        'location.city',
        'review.decision',
        'review.note',
        'review.reviewedAt',
        'mood.mood',
        'mood.intensity',
        'mood.triggers',
        'mood.note',
        'mood.createdAt',
        'mood.updatedAt',
      ],
      repo.transactionsPage,
      (r) => ({
        id: r.id,
        accountId: r.account_id,
        type: r.type,
        amount: money(r.amount, r.currency),
        currency: r.currency,
        categoryId: r.category_id,
        description: r.description,
        merchant: r.merchant,
        occurredAt: r.occurred_at,
        tags: r.tags,
        transferId: r.transfer_id,
        recurringRuleId: r.recurring_rule_id,
        occurrenceDate: r.occurrence_date,
        // A restore recomputes the import fingerprint, which names the old account's id.
        imported: r.import_fingerprint !== null,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        // The score as given when written, and the owner's verdict on it (docs/fraud-scoring.md).
        risk: { score: r.risk_score, level: r.risk_level, reasons: r.risk_reasons, flagged: r.risk_flagged },
        location: r.location_country === null ? null : { country: r.location_country, city: r.location_city },
        review: r.review_decision === null ? null : { decision: r.review_decision, note: r.review_note, reviewedAt: r.reviewed_at },
        mood:
          r.mood === null
            ? null
            : { mood: r.mood, intensity: r.mood_intensity, triggers: r.mood_triggers, note: r.mood_note, createdAt: r.mood_created_at, updatedAt: r.mood_updated_at },
      }),
    ),
    section(
      ctx,
      'budgets',
      ['id', 'name', 'amount', 'currency', 'period', 'categoryId', 'startDate', 'rollover', 'rolloverCap', 'createdAt', 'updatedAt'],
      repo.budgetsPage,
      (r) => ({
        id: r.id,
        name: r.name,
        amount: money(r.amount, r.currency),
        currency: r.currency,
        period: r.period,
        categoryId: r.category_id,
        startDate: r.start_date,
        rollover: r.rollover,
        rolloverCap: money(r.rollover_cap, r.currency),
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      }),
    ),
    section(ctx, 'goals', ['id', 'name', 'targetAmount', 'currency', 'deadline', 'completedAt', 'createdAt', 'updatedAt'], repo.goalsPage, (r) => ({
      id: r.id,
      name: r.name,
      targetAmount: money(r.target_amount, r.currency),
      currency: r.currency,
      deadline: r.deadline,
      completedAt: r.completed_at,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    })),
    section(ctx, 'goalContributions', ['id', 'goalId', 'amount', 'currency', 'note', 'occurredAt', 'createdAt'], repo.goalContributionsPage, (r) => ({
      id: r.id,
      goalId: r.goal_id,
      amount: money(r.amount, r.currency),
      currency: r.currency,
      note: r.note,
      occurredAt: r.occurred_at,
      createdAt: r.created_at,
    })),
    section(
      ctx,
      'debts',
      ['id', 'name', 'kind', 'currency', 'openingBalance', 'startDate', 'annualRate', 'minimumPayment', 'dueDay', 'createdAt', 'updatedAt'],
      repo.debtsPage,
      (r) => ({
        id: r.id,
        name: r.name,
        kind: r.kind,
        currency: r.currency,
        openingBalance: money(r.opening_balance, r.currency),
        startDate: r.start_date,
        annualRate: r.annual_rate,
        minimumPayment: money(r.minimum_payment, r.currency),
        dueDay: r.due_day,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      }),
    ),
    section(ctx, 'debtPayments', ['id', 'debtId', 'amount', 'interest', 'principal', 'currency', 'paidAt', 'createdAt'], repo.debtPaymentsPage, (r) => ({
      id: r.id,
      debtId: r.debt_id,
      amount: money(r.amount, r.currency),
      interest: money(r.interest, r.currency),
      principal: money(r.principal, r.currency),
      currency: r.currency,
      paidAt: r.paid_at,
      createdAt: r.created_at,
    })),
    section(
      ctx,
      'recurringRules',
      [
        'id',
        'accountId',
        'type',
        'amount',
        'currency',
        'categoryId',
        'description',
        'merchant',
        'tags',
        'frequency',
        'interval',
        'startDate',
        'endDate',
        'occurrenceCount',
        'paused',
        'nextIndex',
        'nextDate',
        'createdAt',
        'updatedAt',
      ],
      repo.recurringRulesPage,
      (r) => ({
        id: r.id,
        accountId: r.account_id,
        type: r.type,
        amount: money(r.amount, r.currency),
        currency: r.currency,
        categoryId: r.category_id,
        description: r.description,
        merchant: r.merchant,
        tags: r.tags,
        frequency: r.frequency,
        interval: r.frequency_interval,
        startDate: r.start_date,
        endDate: r.end_date,
        occurrenceCount: r.occurrence_count,
        paused: r.paused,
        // Where the scheduler stands, so a restored rule does not post its past occurrences again.
        nextIndex: r.next_index,
        nextDate: r.next_date,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      }),
    ),
    section(ctx, 'recurringPauses', ['id', 'ruleId', 'pausedOn', 'resumedOn'], repo.recurringPausesPage, (r) => ({
      id: r.id,
      ruleId: r.rule_id,
      pausedOn: r.paused_on,
      resumedOn: r.resumed_on,
    })),
    section(
      ctx,
      'rules',
      ['id', 'name', 'position', 'conditions', 'actions.categoryId', 'actions.merchant', 'actions.addTags', 'actions.transferToAccountId', 'createdAt', 'updatedAt'],
      repo.rulesPage,
      (r) => ({
        id: r.id,
        name: r.name,
        position: r.position,
        // Conditions stay as the API writes them ([{field, operator, value}]); a CSV cell holds their JSON.
        conditions: r.conditions,
        actions: { categoryId: r.category_id, merchant: r.merchant, addTags: r.add_tags, transferToAccountId: r.transfer_account_id },
        createdAt: r.created_at,
        updatedAt: r.updated_at,
      }),
    ),
    section(ctx, 'importMappings', ['accountId', 'mapping', 'createdAt', 'updatedAt'], repo.importMappingsPage, (r) => ({
      accountId: r.id,
      mapping: r.mapping,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
    })),
  ];
}
