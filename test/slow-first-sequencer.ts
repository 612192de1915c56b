import { relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The longest files, slowest first (a run under load on the 2-core machine). Vitest starts the
 * slowest files first once it has timings from an earlier run, but a fresh clone (CI) has none and
 * it then starts the largest files first: small files that start processes or open PGlite on disk
 * came last and ran on alone, one worker busy and the others done, for the run's last minute.
 */
const SLOWEST = [
  'apps/all-in-one/test/request-strings.test.ts',
  'apps/all-in-one/test/start.test.ts',
  'packages/common/test/data-dir-lock.test.ts',
  'packages/common/test/data-dir-backup.test.ts',
  'services/identity/test/register.test.ts',
  'services/identity/test/login.test.ts',
  'services/identity/test/code-limits.test.ts',
];

export class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const path = (file: TestSpecification) => relative(this.ctx.config.root, file.moduleId);
    const timed = sorted.some((file) => this.ctx.cache.getFileTestResults(`${file.project.name}:${path(file)}`) !== undefined);
    if (timed) return sorted;
    const rank = (file: TestSpecification) => {
      const index = SLOWEST.indexOf(path(file));
      return index === -1 ? SLOWEST.length : index;
    };
    // Array.prototype.sort is stable: the rest keep Vitest's order.
    return sorted.sort((a, b) => rank(a) - rank(b));
  }
}
