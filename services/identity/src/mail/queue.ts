import type { Logger } from '@expensio/common';
import type { MailMessage, Mailer } from './mailer.js';

const RETRY_DELAYS_MS = [1_000, 5_000, 30_000];

/**
 * Mail leaves after the response: the answer to "send me a code" takes as long whether or not
 * the account exists, and a slow mail server does not hold a request open. Failures are retried,
 * then logged as errors: never dropped silently.
 */
export class MailQueue {
  readonly #pending = new Set<Promise<void>>();

  constructor(
    private readonly mailer: Mailer,
    private readonly log: Logger,
    private readonly retryDelaysMs: number[] = RETRY_DELAYS_MS,
  ) {}

  enqueue(message: MailMessage, kind: string): void {
    const task = this.#deliver(message, kind).finally(() => this.#pending.delete(task));
    this.#pending.add(task);
  }

  async #deliver(message: MailMessage, kind: string): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.mailer.send(message);
        return;
      } catch (error) {
        const delay = this.retryDelaysMs[attempt];
        if (delay === undefined) {
          this.log.error({ err: error, kind, attempts: attempt + 1 }, 'mail could not be delivered');
          return;
        }
        this.log.warn({ err: error, kind, attempt: attempt + 1 }, 'mail delivery failed; retrying');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Resolves when every queued mail was delivered or given up on (shutdown, tests). */
  async drain(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }
}
