import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { backoffDelay, backoffDelaySql, type Database } from '../src/index.js';
import { openTestDatabase } from '@expensio/common/testing';

let database: Database;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => {
  await database.close();
});

const settings = [
  { name: 'event relay', baseMs: 500, maxMs: 30_000 },
  { name: 'webhook retries', baseMs: 10_000, maxMs: 3_600_000 },
];

describe('back-off', () => {
  it('grows from the base, doubling, with ±20% jitter', () => {
    expect(backoffDelay(1, 100, 10_000, () => 0.5)).toBe(100);
    expect(backoffDelay(3, 100, 10_000, () => 0)).toBe(320);
    expect(backoffDelay(3, 100, 10_000, () => 0.999_999)).toBe(480);
  });

  it('never waits past the cap, and still spreads the waits that reach it', () => {
    expect(backoffDelay(30, 100, 10_000, () => 0.999_999)).toBe(10_000);
    expect(backoffDelay(30, 100, 10_000, () => 0)).toBe(8_000);
    expect(backoffDelay(1_000, 100, 10_000, () => 0)).toBe(8_000);
  });

  it.each(settings)('answers the same in SQL as in JavaScript ($name)', async ({ baseMs, maxMs }) => {
    for (const jitter of [0, 0.25, 0.5, 0.999_999]) {
      const attempts = Array.from({ length: 40 }, (_, i) => i + 1);
      const { rows } = await sql<{ attempt: number; delay: number }>`
        select attempt, ${backoffDelaySql(sql<number>`attempt`, baseMs, maxMs, sql<number>`${jitter}::double precision`)} as delay
        from unnest(${attempts}::int[]) as attempt order by attempt`.execute(database.kysely);
      expect(
        rows.map((r) => r.delay),
        `jitter ${jitter}`,
      ).toEqual(attempts.map((a) => backoffDelay(a, baseMs, maxMs, () => jitter)));
    }
  });
});
