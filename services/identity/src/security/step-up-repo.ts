import { sql } from 'kysely';
import type { IdentityDb } from '../db.js';

export async function insertChallenge(
  db: IdentityDb,
  row: {
    id: string;
    userId: string;
    firstStep: 'password' | 'otp';
    methods: string[];
    ip: string;
    userAgent: string | null;
    riskScore: number;
    reasons: string[];
    now: Date;
    expiresAt: Date;
  },
): Promise<void> {
  await db
    .insertInto('step_up_challenges')
    .values({
      id: row.id,
      user_id: row.userId,
      first_step: row.firstStep,
      methods: row.methods,
      ip: row.ip.slice(0, 64),
      user_agent: row.userAgent?.slice(0, 512) ?? null,
      risk_score: row.riskScore,
      reasons: row.reasons,
      expires_at: row.expiresAt,
      created_at: row.now,
    })
    .execute();
}

/** A challenge still open at `now`. */
export async function findOpenChallenge(db: IdentityDb, params: { id: string; now: Date }) {
  return db
    .selectFrom('step_up_challenges')
    .select(['id', 'user_id', 'first_step', 'methods', 'attempts', 'ip', 'user_agent', 'risk_score', 'reasons'])
    .where('id', '=', params.id)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', params.now)
    .executeTakeFirst();
}

/** Counts a wrong code; the try that reaches `maxAttempts` closes the challenge. */
export async function countWrongTry(db: IdentityDb, params: { id: string; maxAttempts: number; now: Date }): Promise<void> {
  await db
    .updateTable('step_up_challenges')
    .set((eb) => ({
      attempts: eb('attempts', '+', 1),
      consumed_at: sql<Date | null>`case when ${eb.ref('attempts')} + 1 >= ${params.maxAttempts} then ${params.now}::timestamptz end`,
    }))
    .where('id', '=', params.id)
    .where('consumed_at', 'is', null)
    .execute();
}

/** Closes an open challenge; false when another request closed it first. */
export async function consumeChallenge(db: IdentityDb, params: { id: string; now: Date }): Promise<boolean> {
  const result = await db
    .updateTable('step_up_challenges')
    .set({ consumed_at: params.now })
    .where('id', '=', params.id)
    .where('consumed_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function deleteStaleStepUps(db: IdentityDb, before: Date): Promise<number> {
  const result = await db.deleteFrom('step_up_challenges').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
