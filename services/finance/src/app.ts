import type { Redis } from 'ioredis';
import {
  authPlugin,
  createEventBus,
  createHttpApp,
  httpSettings,
  registerExportRoute,
  forSchema,
  remoteAccessTokenVerifier,
  systemClock,
  type AccessTokenVerifier,
  type Clock,
  type Database,
  type EventTransport,
  type HttpApp,
  type Logger,
  type ReadinessCheck,
} from '@expensio/common';
import { accountRoutes } from './accounts/routes.js';
import { AccountCurrencies } from './accounts/currencies.js';
import { budgetRoutes } from './budgets/routes.js';
import { categoryRoutes } from './categories/routes.js';
import { debtRoutes } from './debts/routes.js';
import { goalRoutes } from './goals/routes.js';
import type { FinanceConfig } from './config.js';
import type { FinanceContext } from './context.js';
import { FINANCE_SCHEMA, type FinanceTables } from './db.js';
import { moodRoutes } from './moods/routes.js';
import { recurringRoutes } from './recurring/routes.js';
import { importRoutes } from './imports/routes.js';
import { ruleRoutes } from './rules/routes.js';
import { backupRoutes } from './export/routes.js';
import { financeExportSections } from './export/sections.js';
import { transactionRoutes } from './transactions/routes.js';
import { subscribeFinanceConsumers } from './consumers.js';

export function createFinanceContext(options: {
  database: Database;
  config: FinanceContext['config'];
  log: Logger;
  /** Shared by every service of the process (in-process, or RabbitMQ with AMQP_URL). */
  transport: EventTransport;
  clock?: Clock;
}): FinanceContext {
  const db = forSchema<FinanceTables>(options.database, FINANCE_SCHEMA);
  const clock = options.clock ?? systemClock;
  const bus = createEventBus({ db, transport: options.transport, clock, log: options.log });
  const ctx: FinanceContext = { db, database: options.database, clock, config: options.config, log: options.log, bus, accountCurrencies: new AccountCurrencies() };
  subscribeFinanceConsumers(ctx);
  return ctx;
}

/** The finance routes, for any app that already has the auth plugin. */
export function registerFinanceRoutes(app: HttpApp, ctx: FinanceContext) {
  accountRoutes(app, ctx);
  categoryRoutes(app, ctx);
  transactionRoutes(app, ctx);
  budgetRoutes(app, ctx);
  goalRoutes(app, ctx);
  debtRoutes(app, ctx);
  recurringRoutes(app, ctx);
  moodRoutes(app, ctx);
  importRoutes(app, ctx);
  ruleRoutes(app, ctx);
  backupRoutes(app, ctx);
}

/** Finance alone trusts identity's tokens through its published keys and its Redis denylist. */
export function remoteVerifier(config: FinanceConfig, redis: Redis, clock: Clock = systemClock): AccessTokenVerifier {
  if (config.IDENTITY_JWKS_URL === undefined) throw new Error('IDENTITY_JWKS_URL is required when finance runs alone');
  return remoteAccessTokenVerifier({ jwksUrl: config.IDENTITY_JWKS_URL, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, redis, clock });
}

export async function buildFinanceApp(
  ctx: FinanceContext,
  options: { config: FinanceConfig; verify: AccessTokenVerifier; readiness: ReadinessCheck[]; redis?: Redis | undefined; logger: Logger | false },
): Promise<HttpApp> {
  const { config } = options;
  const app = await createHttpApp({
    title: 'Expensio finance API',
    version: '0.1.0',
    logger: options.logger,
    ...httpSettings(config),
    ...(options.redis && { redis: options.redis }),
    readiness: options.readiness,
  });
  await app.register(authPlugin, { verify: options.verify });
  registerFinanceRoutes(app, ctx);
  // Alone, finance exports its own sections; the document's `sections` says so (ADR 0010).
  registerExportRoute(app, { sections: financeExportSections(ctx), clock: ctx.clock });
  return app;
}
