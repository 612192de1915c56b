import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '@expensio/common';
import { buildTestApp } from '@expensio/common/testing';
import { allServices } from '../apps/all-in-one/src/services.js';
import { financeService } from '../services/finance/src/index.js';
import { identityService } from '../services/identity/src/index.js';
import { realtimeService } from '../services/realtime/src/index.js';
import { builtFileOf, repositoryRoot, staleBuildFiles } from './dist-target.js';

/**
 * Only in the build tier (vitest.dist.config.ts): what the other test files import as source is the
 * build, loaded by Node itself, and the tier refuses a build that is missing or older than the source.
 */

/** A built file as the tier loads it: through Vite, which hands dist/ to Node's own loader. */
const built = (file: string): Promise<Record<string, unknown>> => import(pathToFileURL(path.join(repositoryRoot, file)).href);

describe('the build tier', () => {
  it('runs under the production export condition', () => {
    // Node resolves the package names as `node --conditions=expensio-dist` does in production.
    const require = createRequire(import.meta.url);
    for (const name of ['common', 'finance', 'identity', 'realtime']) {
      expect(require.resolve(`@expensio/${name}`)).toMatch(new RegExp(`/${name}/dist/index\\.js$`));
    }
  });

  it('gives the tests the modules that Node loaded from dist/, not the source', async () => {
    expect(financeService).toBe((await built('services/finance/dist/index.js')).financeService);
    expect(identityService).toBe((await built('services/identity/dist/index.js')).identityService);
    expect(realtimeService).toBe((await built('services/realtime/dist/index.js')).realtimeService);
    expect(allServices).toBe((await built('apps/all-in-one/dist/services.js')).allServices);
    // The harness composes the apps with the built common, so one copy of it is loaded, not two.
    expect(buildTestApp).toBe((await built('packages/common/dist/testing/index.js')).buildTestApp);
    expect(createLogger).toBe((await built('packages/common/dist/index.js')).createLogger);
  });

  it('maps a workspace source file to its built file, and nothing else', () => {
    expect(builtFileOf(path.join(repositoryRoot, 'services/finance/src/transactions/routes.ts'))).toBe(
      path.join(repositoryRoot, 'services/finance/dist/transactions/routes.js'),
    );
    expect(builtFileOf(path.join(repositoryRoot, 'services/finance/test/helpers.ts'))).toBeUndefined();
    expect(builtFileOf(path.join(repositoryRoot, 'node_modules/zod/src/index.ts'))).toBeUndefined();
  });
});

describe('a build that does not match the source', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'expensio-dist-check-'));
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  function write(file: string, text: string) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  function map(sources: string[]) {
    return JSON.stringify({ version: 3, sources: sources.map(() => '../src/x.ts'), sourcesContent: sources, mappings: '', names: [] });
  }

  it('is refused when a file was never built, or built from other text', () => {
    write('services/demo/src/a.ts', 'export const a: number = 1;\n');
    write('services/demo/src/b.ts', 'export const b = 2;\n');
    write('services/demo/dist/b.js.map', map(['export const b = 1;\n']));
    expect(staleBuildFiles(root)).toEqual(['services/demo/src/a.ts: not built', 'services/demo/src/b.ts: built from an older version']);
  });

  it('is accepted once every file was built from its current text, types-only files included', () => {
    write('services/demo/dist/a.js.map', map(['export const a: number = 1;\n']));
    write('services/demo/dist/b.js.map', map(['export const b = 2;\n']));
    write('services/demo/src/types.ts', 'export interface T { a: number }\n');
    write('services/demo/dist/types.js.map', map([]));
    expect(staleBuildFiles(root)).toEqual([]);
    // A types-only file that gained code must be built again.
    write('services/demo/src/types.ts', 'export interface T { a: number }\nexport const t = 1;\n');
    expect(staleBuildFiles(root)).toEqual(['services/demo/src/types.ts: built from an older version']);
  });
});
