import type { ConfabEvent } from '../events/definitions.ts';
import type { CatalogChange } from '../events/catalog-definitions.ts';
import type { EngineObserver } from '../engine/engine-observer.ts';
import type { Logger } from '../util/logger.ts';
import type { CatalogBus, CatalogBusMessage, RunPhase } from './catalog-bus.ts';

/** The phase a run event puts its run in; undefined for events that leave it as it was. */
const runPhases: Partial<Record<ConfabEvent['type'], RunPhase>> = {
  'run-queued': 'queued',
  'run-waiting': 'waiting',
  'run-started': 'running',
  'run-resumed': 'running',
  'run-updated': 'running',
  'run-requires-action': 'requires-action',
  // A steered run ends there: its message went into the running run.
  'run-steered': 'ended',
  'run-completed': 'ended',
  'run-stopped': 'ended',
  'run-failed': 'ended',
  'run-interrupted': 'ended',
};

/** What the catalog hears of one appended conversation event, if anything. */
export function catalogMessageOf(event: ConfabEvent): CatalogBusMessage | undefined {
  if (event.type === 'conversation-updated') return { type: 'conversation-updated', at: event.at, data: { conversation: event.data.conversation } };
  if (event.type === 'conversation-deleted') return { type: 'conversation-deleted', at: event.at, data: { conversationId: event.conversationId } };
  const phase = runPhases[event.type];
  const runId = event.type === 'run-waiting' ? event.runId : 'run' in event.data ? event.data.run.id : null;
  if (!phase || !runId) return undefined;
  return { type: 'run-phase', at: event.at, data: { conversationId: event.conversationId, runId, phase } };
}

/**
 * The engine observer that tells the catalog bus what this process changed: catalog records
 * (projects, new conversations) and the conversation events the lists show (records, run phases).
 * Published beside the engine, after the change is stored; a failed publish is logged, never the engine's failure.
 */
export function catalogProducer(bus: CatalogBus, logger: Logger): EngineObserver {
  const publish = (message: CatalogBusMessage) => {
    bus.publish(message).catch((error: unknown) => logger.warn('could not publish a catalog change', { type: message.type, error }));
  };
  return {
    eventsAppended(events) {
      for (const event of events) {
        const message = catalogMessageOf(event);
        if (message) publish(message);
      }
    },
    catalogChanged(change: CatalogChange) {
      publish(change);
    },
  };
}
