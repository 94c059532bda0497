/**
 * The event envelope with the data schema of each type, as one zod union: what the OpenAPI
 * document says an SSE `data:` line (and a WebSocket event frame) carries. Derived from the event
 * definitions, like everything else about events. Browser-safe.
 */
import { z } from 'zod';
import { eventDefinitions, EventEnvelopeSchema, type EventType } from './definitions.ts';

/** One envelope schema per event type, keyed by type. */
export const eventSchemas = Object.fromEntries(
  eventDefinitions.map((definition) => [definition.type, EventEnvelopeSchema.extend({ type: z.literal(definition.type), data: definition.data })]),
) as unknown as Record<EventType, z.ZodObject>;

export const EventSchema = z.discriminatedUnion('type', Object.values(eventSchemas) as [z.ZodObject, ...z.ZodObject[]]);
