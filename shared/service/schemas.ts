import type { EventSchemas } from '../event-store/index.ts';
import { deadLetterEventSchemas } from '../queue/index.ts';
import { subscriptionsOf, type ServiceDefinition } from './definition.ts';

/** The event schemas a function's store accepts: its own, plus dead letters when it consumes. */
export function storeSchemas(definition: ServiceDefinition): EventSchemas {
  return subscriptionsOf(definition).length > 0
    ? { ...definition.events, ...deadLetterEventSchemas }
    : definition.events;
}
