import type { EventBus } from './bus.js';
import type { EventTransport } from './transport.js';

/**
 * Starts a process's buses over their shared transport, consumers first and delivery after (so no
 * event reaches a consumer that has not registered yet). The returned function stops them all
 * and closes the transport, letting the work in hand finish.
 */
export async function runEventBuses(transport: EventTransport, buses: readonly Pick<EventBus<unknown>, 'start' | 'stop'>[]): Promise<() => Promise<void>> {
  for (const bus of buses) await bus.start();
  await transport.open();
  return async () => {
    for (const bus of buses) await bus.stop();
    await transport.close();
  };
}
