import type { Logger } from './logger.js';

/**
 * Runs `shutdown` once on SIGINT or SIGTERM, then exits: in-flight requests finish, queued mail
 * leaves and the database closes before the process goes (Kubernetes sends SIGTERM first). A
 * shutdown that takes longer than `timeoutMs` is cut short: the process exits with 1.
 */
export function exitOnSignal(log: Logger, shutdown: () => Promise<void>, options: { timeoutMs?: number } = {}): void {
  let stopping = false;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'shutting down');
      if (options.timeoutMs !== undefined) {
        const deadline = options.timeoutMs;
        // Not unref'd: a shutdown stuck on an open handle is exactly what this ends.
        setTimeout(() => {
          log.error({ timeoutMs: deadline }, 'shutdown did not finish in time; exiting');
          process.exit(1);
        }, deadline);
      }
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

/**
 * Runs `pass` now and again after the delay it answers (a backlog may ask for 0), never two at
 * once; a pass that throws is logged and tried again after `retryMs`. Returns a stop function that
 * lets the pass in hand finish. The timer alone never keeps the process alive.
 */
export function startLoop(pass: () => Promise<number>, options: { retryMs: number; log: Logger; name: string }): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  async function runOnce() {
    let delay = options.retryMs;
    try {
      delay = await pass();
    } catch (error) {
      // The database failed (restart, failover): the next pass tries again.
      options.log.error({ err: error }, `${options.name} failed`);
    }
    if (stopped) return;
    timer = setTimeout(tick, delay);
    timer.unref();
  }
  function tick() {
    running = runOnce();
  }

  tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
