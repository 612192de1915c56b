import { isEventType, type EventType, type Topology } from './catalog.js';

const CONSUMER_RE = /^[a-z][a-z0-9_-]*(\.[a-z0-9_-]+)*$/;

/** A consumer's name becomes its queue's name. */
export function checkConsumerName(consumer: string): void {
  if (!CONSUMER_RE.test(consumer)) throw new Error(`Consumer name "${consumer}" must be lower-case words joined by dots, dashes or underscores`);
}

/** Refuses a topology that could not be declared as meant; transports check theirs when built. */
export function checkTopology(topology: Topology): void {
  const seen = new Set<string>();
  for (const { consumer, events } of topology) {
    checkConsumerName(consumer);
    if (seen.has(consumer)) throw new Error(`Consumer "${consumer}" is declared twice in the event topology`);
    seen.add(consumer);
    if (events.length === 0) throw new Error(`Consumer "${consumer}" is declared with no event type`);
    for (const type of events) if (!isEventType(type)) throw new Error(`Consumer "${consumer}" is declared with unknown event type "${String(type)}"`);
  }
}

/**
 * A consumer takes exactly the types its queue is bound to: a type it takes but is not declared
 * would never reach it, and a declared type it does not take would be bound and then thrown away.
 */
export function checkSubscription(topology: Topology, consumer: string, types: readonly EventType[]): void {
  const declared = topology.find((subscription) => subscription.consumer === consumer);
  if (declared === undefined) throw new Error(`Consumer "${consumer}" is not declared in the event topology (SUBSCRIPTIONS in events/catalog.ts)`);
  const undeclared = types.filter((type) => !declared.events.includes(type));
  if (undeclared.length > 0) throw new Error(`Consumer "${consumer}" subscribes to ${undeclared.join(', ')}, outside its declared subscription`);
  const untaken = declared.events.filter((type) => !types.includes(type));
  if (untaken.length > 0) throw new Error(`Consumer "${consumer}" is declared to take ${untaken.join(', ')} but does not subscribe to it`);
}

/** The types some consumer is bound to: publishing one that no queue receives is a topology bug. */
export function subscribedTypes(topology: Topology): ReadonlySet<EventType> {
  return new Set(topology.flatMap((subscription) => subscription.events));
}
