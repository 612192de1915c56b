import { defineConfig } from 'vitest/config';
import { builtFiles, loadWorkspacesFromBuild } from './test/dist-target.js';
import { sharedTestOptions, testFiles } from './vitest.shared.js';

// Build tier (`npm run test:build`, after `npm run build`): the fast tier's tests against the
// compiled JavaScript in each workspace's dist/ (ADR 0028).
export default defineConfig({
  plugins: [loadWorkspacesFromBuild()],
  test: {
    ...sharedTestOptions,
    globalSetup: ['test/dist-setup.ts', ...sharedTestOptions.globalSetup],
    include: [...testFiles, 'test/**/*.test.ts'],
    exclude: [
      '**/*.integration.test.ts',
      '**/node_modules/**',
      // Builds dist/ again itself (removing it first), and starts the built all-in-one as its own process.
      'apps/all-in-one/test/build.test.ts',
      // `npm start`, the development command: tsx over the source by definition.
      'apps/all-in-one/test/start.test.ts',
      // Read compose.yaml, the manifests, the Dockerfile and the migration files, which the build does not change.
      'apps/all-in-one/test/compose.test.ts',
      'apps/all-in-one/test/kubernetes.test.ts',
      'apps/all-in-one/test/dockerfile-builder.test.ts',
      'apps/all-in-one/test/migration-files.test.ts',
    ],
    // Node loads the built files itself (server.deps.external), resolving `@expensio/*` with the
    // production condition that `npm run test:build` also sets for this process, and maps stack
    // traces through the emitted source maps, as `npm run start:prod` does.
    execArgv: ['--conditions=expensio-dist', '--enable-source-maps'],
    server: { deps: { external: [builtFiles] } },
  },
});
