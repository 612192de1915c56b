import type { TransactionRow } from '../transactions/repo.js';
import type { Risk } from './score.js';

/** The row with its score written in. */
export function withRisk<T extends Pick<TransactionRow, 'risk_score' | 'risk_level' | 'risk_reasons' | 'risk_flagged'>>(row: T, risk: Risk): T {
  return { ...row, risk_score: risk.score, risk_level: risk.level, risk_reasons: risk.reasons, risk_flagged: risk.flagged };
}

/** The risk and review columns of a row not scored yet (and of a transfer leg, which never is). */
export const UNSCORED = {
  risk_score: 0,
  risk_level: 'normal',
  risk_reasons: [],
  risk_flagged: false,
  location_country: null,
  location_city: null,
  review_decision: null,
  review_note: null,
  reviewed_at: null,
} as const satisfies Partial<TransactionRow>;
