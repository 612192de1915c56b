import { z } from 'zod';
import { requireUser, type HttpApp } from '@expensio/common';
import type { FinanceContext } from '../context.js';
import { idParams, listSchema } from '../shared/http.js';
import type { DebtRow } from './repo.js';
import {
  createDebtBody,
  debtSchema,
  listQuery,
  paymentBody,
  paymentSchema,
  planQuery,
  planSchema,
  scheduleSchema,
  toDebtView,
  toPaymentView,
  toPlanView,
  toScheduleView,
  updateDebtBody,
} from './schemas.js';
import { accruedOn, changeDebt, debtToday, createDebt, getDebts, getPayments, pay, plan, removeDebt, requireDebt, schedule } from './service.js';
import { answerFor, idempotency } from '../shared/idempotent-route.js';

export function debtRoutes(app: HttpApp, ctx: FinanceContext) {
  const tags = ['debts'];
  const config = { auth: 'user' as const };
  // A debt's accrued interest runs to today in the user's zone.
  const viewer = async (userId: string) => {
    const today = await debtToday(ctx, ctx.db, userId);
    return (row: DebtRow) => toDebtView(row, accruedOn(row, today));
  };

  // Before /:id, so "plan" is never read as an id (find-my-way prefers static paths anyway).
  app.get(
    '/api/debts/plan',
    {
      config: {
        ...config,
        problems: {
          422: 'The minimums plus `extra` never cover the interest (`minimum_below_interest`), or your debts are in several currencies and `currency` is missing (`currency_required`)',
        },
      },
      schema: {
        tags,
        summary: 'Payoff order across your debts with the month each is cleared, and the interest saved against paying minimums only',
        description:
          'Every month the plan pays all the minimums plus extra. What is left once the minimums are met, including the minimums of debts already cleared, goes to the first open debt in the order: avalanche (highest rate first) or snowball (smallest balance first). Debts already paid off are left out. A plan covers one currency.',
        querystring: planQuery,
        response: { 200: planSchema },
      },
    },
    async (request) => toPlanView({ strategy: request.query.strategy, ...(await plan(ctx, requireUser(request).id, request.query)) }),
  );

  app.get(
    '/api/debts',
    { config, schema: { tags, summary: 'Your loans and credit cards, newest first', querystring: listQuery, response: { 200: listSchema(debtSchema) } } },
    async (request) => {
      const userId = requireUser(request).id;
      const page = await getDebts(ctx, userId, request.query);
      return { items: page.rows.map(await viewer(userId)), nextCursor: page.nextCursor };
    },
  );

  app.post(
    '/api/debts',
    { config, schema: { tags, summary: 'Add a loan or credit card', body: createDebtBody, response: { 201: debtSchema } } },
    async (request, reply) => {
      const userId = requireUser(request).id;
      const debt = await createDebt(ctx, userId, request.body);
      return reply.status(201).send((await viewer(userId))(debt));
    },
  );

  app.get('/api/debts/:id', { config, schema: { tags, summary: 'One debt', params: idParams, response: { 200: debtSchema } } }, async (request) => {
    const userId = requireUser(request).id;
    const debt = await requireDebt(ctx.db, userId, request.params.id);
    return (await viewer(userId))(debt);
  });

  app.patch(
    '/api/debts/:id',
    {
      config,
      schema: {
        tags,
        summary: 'Change a debt (its balance and start date only before the first payment)',
        params: idParams,
        body: updateDebtBody,
        response: { 200: debtSchema },
      },
    },
    async (request) => {
      const userId = requireUser(request).id;
      const debt = await changeDebt(ctx, userId, request.params.id, request.body);
      return (await viewer(userId))(debt);
    },
  );

  app.delete(
    '/api/debts/:id',
    { config, schema: { tags, summary: 'Delete a debt and its payments', params: idParams, response: { 204: z.null() } } },
    async (request, reply) => {
      await removeDebt(ctx, requireUser(request).id, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/debts/:id/payments',
    {
      config,
      schema: {
        tags,
        summary: 'Record a payment: interest accrued since the last payment is paid first, the rest reduces the balance',
        params: idParams,
        body: paymentBody,
        headers: z.object({ 'idempotency-key': z.string().optional() }),
        response: { 201: z.object({ payment: paymentSchema, debt: debtSchema }) },
      },
      ...idempotency(ctx, 'debts.pay'),
    },
    async (request, reply) => {
      const userId = requireUser(request).id;
      const view = await viewer(userId);
      const toView = ({ payment, debt }: Awaited<ReturnType<typeof pay>>) => ({ payment: toPaymentView(payment, debt.currency), debt: view(debt) });
      const answer = answerFor(request, (result: Awaited<ReturnType<typeof pay>>) => ({ status: 201, body: toView(result) }));
      return reply.status(201).send(toView(await pay(ctx, userId, request.params.id, request.body, answer)));
    },
  );

  app.get(
    '/api/debts/:id/payments',
    {
      config,
      schema: {
        tags,
        summary: "A debt's payments with their interest and principal, newest first",
        params: idParams,
        querystring: listQuery,
        response: { 200: listSchema(paymentSchema) },
      },
    },
    async (request) => {
      const page = await getPayments(ctx, requireUser(request).id, request.params.id, request.query);
      return { items: page.rows.map((row) => toPaymentView(row, page.debt.currency)), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/api/debts/:id/schedule',
    {
      config: {
        ...config,
        problems: { 422: 'The minimum payment never pays the debt off (`minimum_below_interest`) or takes over 100 years (`payoff_too_long`)' },
      },
      schema: {
        tags,
        summary: 'The amortisation schedule paying the minimum on each due date from today',
        description:
          '422 when the minimum payment does not cover the monthly interest (the debt would never be paid off) or paying off would take more than 100 years.',
        params: idParams,
        response: { 200: scheduleSchema },
      },
    },
    async (request) => {
      const result = await schedule(ctx, requireUser(request).id, request.params.id);
      return toScheduleView(result.debt, result.schedule);
    },
  );
}
