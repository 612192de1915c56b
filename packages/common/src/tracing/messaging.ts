import type { Attributes } from '@opentelemetry/api';
import type { EventEnvelope } from '../events/envelope.js';
import type { EventTransport } from '../events/transport.js';

/** OpenTelemetry's messaging attributes for one event on this transport. */
export function messagingAttributes(
  transport: Pick<EventTransport, 'kind'>,
  envelope: Pick<EventEnvelope, 'id' | 'type'>,
  operation: 'send' | 'process',
  consumer?: string,
): Attributes {
  return {
    'messaging.system': transport.kind === 'amqp' ? 'rabbitmq' : 'expensio.in_process',
    'messaging.operation.type': operation,
    'messaging.destination.name': envelope.type,
    'messaging.message.id': envelope.id,
    ...(consumer !== undefined && { 'messaging.consumer.group.name': consumer }),
  };
}
