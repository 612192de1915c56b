import type { ConsumerRegistration, EventTransport } from '../events/transport.js';
import type { Metrics } from './registry.js';

function countedRegistration(registration: ConsumerRegistration, metrics: Metrics): ConsumerRegistration {
  const { consumer } = registration;
  return {
    ...registration,
    handle: async (message) => {
      const outcome = await registration.handle(message);
      if (outcome.status === 'failed' || outcome.status === 'rejected') metrics.eventsFailed.inc({ consumer });
      else metrics.eventsConsumed.inc({ consumer, outcome: outcome.status });
      return outcome;
    },
    deadLetter: async (message, error, attempts) => {
      await registration.deadLetter(message, error, attempts);
      metrics.eventsDeadLettered.inc({ consumer });
    },
    deadLettered: () => {
      registration.deadLettered?.();
      metrics.eventsDeadLettered.inc({ consumer });
    },
  };
}

/**
 * The process's transport as its buses see it: each consumer's outcomes counted on this app's
 * registry. The transport itself stays shared (and closed by its owner).
 */
export function countedTransport(transport: EventTransport, metrics: Metrics): EventTransport {
  return {
    kind: transport.kind,
    topology: transport.topology,
    open: () => transport.open(),
    whenOpen: () => transport.whenOpen(),
    publish: (envelope, attempt) => transport.publish(envelope, attempt),
    consume: (registration) => transport.consume(countedRegistration(registration, metrics)),
    close: () => transport.close(),
  };
}
