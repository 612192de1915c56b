// Loaded with `node --import` ahead of the built server by build.test.ts: any module resolved from
// TypeScript source or from a development-only package (tsx, esbuild, vitest, typescript) ends
// the process, so "runs from the build with production dependencies only" is checked, not hoped.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

const DEV_ONLY = /\/node_modules\/(tsx|esbuild|@esbuild|vitest|@vitest|vite|typescript|typescript-eslint|eslint)\//;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.url.startsWith('file:') && (/\.[cm]?ts$/.test(resolved.url) || DEV_ONLY.test(resolved.url))) {
    throw new Error(`the production build loaded ${resolved.url} (from ${context.parentURL ?? 'the command line'})`);
  }
  return resolved;
}

// This file is also the hooks module, loaded again off the main thread: register only once.
if (isMainThread) register(import.meta.url);
