import { z } from 'zod';
import { ServiceUnavailableError } from '../errors/index.js';
import type { HttpApp } from './app.js';

export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

const CHECK_TIMEOUT_MS = 2_000;

async function runCheck(check: ReadinessCheck): Promise<'ok' | 'failed'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${check.name} did not answer in ${CHECK_TIMEOUT_MS} ms`));
    }, CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return 'ok';
  } catch {
    return 'failed';
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `/ready` answers 503 as soon as the process is shutting down, before its listener closes: the
 * load balancer stops sending new requests while the ones in flight finish.
 */
export function readinessRoutes(app: HttpApp, checks: ReadinessCheck[], shuttingDown: () => boolean = () => false) {
  app.get(
    '/ready',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: every dependency answers',
        response: { 200: z.object({ status: z.literal('ready'), checks: z.record(z.string(), z.enum(['ok', 'failed'])) }) },
      },
    },
    async (request) => {
      if (shuttingDown()) throw new ServiceUnavailableError('Shutting down', 'shutting_down');
      const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c)] as const));
      const failed = results.filter(([, r]) => r === 'failed').map(([name]) => name);
      if (failed.length > 0) {
        request.log.warn({ failed }, 'readiness check failed');
        throw new ServiceUnavailableError(`Not ready: ${failed.join(', ')}`, 'not_ready');
      }
      return { status: 'ready' as const, checks: Object.fromEntries(results) };
    },
  );
}
