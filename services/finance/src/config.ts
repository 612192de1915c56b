import { z } from 'zod';
import { duration, isCurrency, type ServiceConfig } from '@expensio/common';
import { RISK } from './risk/weights.js';

export const financeConfigShape = {
  /** The currency of the account every user starts with. */
  DEFAULT_CURRENCY: z.string().refine(isCurrency, { message: 'must be an ISO 4217 currency code such as USD' }).default('USD'),
  /** How long a retry with the same Idempotency-Key replays the first answer. */
  IDEMPOTENCY_TTL: duration.default(24 * 3_600_000),
  /** The largest CSV file POST /api/transactions/import reads, in bytes; past it the answer is 413. */
  IMPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .default(50 * 1024 * 1024),
  /** A transaction whose fraud score reaches this (1-100) is flagged and its owner alerted (docs/fraud-scoring.md). */
  SECURITY_ALERT_THRESHOLD: z.coerce.number().int().min(1).max(100).default(RISK.defaultAlertThreshold),
};

export type FinanceConfig = ServiceConfig<typeof financeConfigShape>;
