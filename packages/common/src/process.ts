import type { Logger } from './logger.js';

/**
 * Runs `shutdown` once on SIGINT or SIGTERM, then exits: in-flight requests finish, queued mail
 * leaves and the database closes before the process goes (Kubernetes sends SIGTERM first).
 */
export function exitOnSignal(log: Logger, shutdown: () => Promise<void>): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      shutdown().then(
        () => process.exit(0),
        (err: unknown) => {
          log.error({ err }, 'shutdown failed');
          process.exit(1);
        },
      );
    });
  }
}
