/**
 * For bench/run.ts's POST rounds (not a test): the order each round runs its scenarios in, and the
 * medians it reports, so no scenario's figures depend on where in the run it came.
 */

/** What one request cost, on average over a measured run. */
export interface Cost {
  apiCpuMs: number;
  pgCpuMs: number | undefined;
  statements: number;
}

/** Round `round` (from 0) starts `round` places further into the list, so each scenario takes each place in turn. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const start = items.length === 0 ? 0 : round % items.length;
  return [...items.slice(start), ...items.slice(0, start)];
}

/** The median of the finite values; NaN when there are none (pgbench off). */
export function median(values: readonly number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  if (sorted.length % 2 === 1) return sorted[middle] ?? Number.NaN;
  return ((sorted[middle - 1] ?? Number.NaN) + (sorted[middle] ?? Number.NaN)) / 2;
}

/** Each part's median on its own. */
export function medianCost(costs: readonly Cost[]): Cost {
  const pg = costs.flatMap((c) => (c.pgCpuMs === undefined ? [] : [c.pgCpuMs]));
  return {
    apiCpuMs: median(costs.map((c) => c.apiCpuMs)),
    pgCpuMs: pg.length === 0 ? undefined : median(pg),
    statements: median(costs.map((c) => c.statements)),
  };
}

/** The CPU one request costs the API and PostgreSQL together (the API alone when PostgreSQL's is unknown). */
export function cpuPerRequest(cost: Cost): number {
  return cost.apiCpuMs + (cost.pgCpuMs ?? 0);
}
