import type { Logger } from '../logger.js';
import { AmqpTransport, type AmqpTransportOptions } from './amqp.js';
import { InProcessTransport } from './in-process.js';
import type { EventTransport } from './transport.js';

export interface EventTransportOptions extends Omit<AmqpTransportOptions, 'url'> {
  /** RabbitMQ when set (`AMQP_URL`); the in-process transport otherwise. */
  amqpUrl?: string | undefined;
  log?: Logger | undefined;
}

/** One per process, shared by every service's bus in it. */
export function createEventTransport(options: EventTransportOptions = {}): EventTransport {
  const { amqpUrl, ...rest } = options;
  if (amqpUrl !== undefined && amqpUrl !== '') return new AmqpTransport({ url: amqpUrl, ...rest });
  return new InProcessTransport({ maxAttempts: rest.maxAttempts, topology: rest.topology, log: rest.log });
}
