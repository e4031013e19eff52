import type { EventSchemas } from '../event-store/index.ts';
import { deadLetterEventSchemas } from '../queue/index.ts';
import type { ServiceDefinition } from './definition.ts';

/**
 * The event schemas a function's store accepts: its own, plus dead letters, which any consumer
 * it builds with `deps.consume` records, declared subscription or not (the cart's replication).
 */
export function storeSchemas(definition: ServiceDefinition): EventSchemas {
  return { ...definition.events, ...deadLetterEventSchemas };
}
