/**
 * Which seeded users (bench.users.n, bench/seed.ts) each writer of the benchmarks uses. Kept apart
 * from lib.ts so bench/bare-server.ts can read it without loading the app.
 */

/** Users 2..BUDGETED+1 of the seed have a monthly budget over all spending. */
export const BUDGETED = 20;

/**
 * The users bench/run.ts's POST scenarios write as: 2..21 with a budget, 22..41 without. Their
 * histories (budget spending, fraud velocity windows) are what those scenarios read.
 */
export const API_WRITERS = { first: 2, last: 1 + 2 * BUDGETED };

/**
 * The users pgbench and the bare insert route write as: never an API writer, so neither changes
 * the histories the next API scenario reads.
 */
export const OTHER_WRITERS = { first: API_WRITERS.last + 1, last: 1001 };

/** The recent charges the fraud score reads at most (RECENT_LIMIT in services/finance/src/risk/repo.ts). */
export const FRAUD_RECENT = 200;
