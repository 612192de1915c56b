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
  // A worker keeps its loaded modules from one file to the next: importing the whole app again for
  // every file cost about as much CPU as the tests themselves (217 s → 105 s for the fast tier).
  // What a file changes it undoes (its database, Redis prefix, fake timers, env vars), and each
  // file still gets its own database, so files do not see each other's data.
  isolate: false,
  testTimeout: 30_000,
  hookTimeout: 60_000,
} satisfies ViteUserConfig['test'];
