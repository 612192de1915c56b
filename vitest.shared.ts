import { availableParallelism } from 'node:os';
import type { ViteUserConfig } from 'vitest/config';

export const testFiles = ['packages/*/test/**/*.test.ts', 'services/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'];

export const sharedTestOptions = {
  globalSetup: ['test/global-setup.ts'],
  // Each file holds a database of its own (PGlite ~ hundreds of MB): forks keep memory apart.
  pool: 'forks',
  // Vitest's default (cores - 1) runs one file at a time on a 2-core machine, while most files spend
  // their time waiting (child processes, sockets, Argon2 on the thread pool, PostgreSQL). One more
  // worker than cores overlaps those waits; each holds a PGlite of ~1 GB, which bounds the count.
  maxWorkers: availableParallelism() + 1,
  testTimeout: 30_000,
  hookTimeout: 60_000,
} satisfies ViteUserConfig['test'];
