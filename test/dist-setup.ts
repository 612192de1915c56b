import { createRequire } from 'node:module';
import { staleBuildFiles } from './dist-target.js';

/**
 * The build tier's first step. Its tests would prove nothing about a build that is missing or older
 * than the source, and Node must resolve `@expensio/*` as production does, which only a flag given
 * at start can ask (`npm run test:build` sets it in NODE_OPTIONS, so the workers inherit it too).
 */
export default function checkBuild(): void {
  const common = createRequire(import.meta.url).resolve('@expensio/common');
  if (!common.endsWith('/dist/index.js')) {
    throw new Error(`Node resolves @expensio/common to ${common}: run this tier as \`npm run test:build\` (NODE_OPTIONS=--conditions=expensio-dist).`);
  }
  const problems = staleBuildFiles();
  if (problems.length === 0) return;
  const shown = problems.slice(0, 20).join('\n  ');
  const more = problems.length > 20 ? `\n  … and ${String(problems.length - 20)} more` : '';
  throw new Error(`The build does not match the source: run \`npm run build\` before this tier.\n  ${shown}${more}`);
}
