/**
 * Every event of the catalog feed, defined once as data, like the conversation events beside it
 * (definitions.ts): what a client needs to keep its lists current without polling — projects,
 * conversations (title, model, updatedAt) and each conversation's live status. Validation, the
 * client SDK's types and docs/events.md derive from this table. Browser-safe.
 */
import { z } from 'zod';
import { ConversationSchema, ProjectSchema } from '../domain/schemas.ts';

type CatalogEventDefinition<T extends string, S extends z.ZodType> = { type: T; emitted: string; data: S };

function defineCatalogEvent<T extends string, S extends z.ZodType>(type: T, emitted: string, data: S): CatalogEventDefinition<T, S> {
  return { type, emitted, data };
}

/** A conversation's run state as the lists show it. */
export const SessionStatusSchema = z.enum(['idle', 'queued', 'running', 'waiting-for-approval', 'waiting']);
export type SessionStatus = z.infer<typeof SessionStatusSchema>;

/** Why a watcher must reload its lists instead of applying events. */
export const CatalogReloadReasonSchema = z.enum(['no-cursor', 'other-epoch', 'too-old', 'fell-behind', 'missed-changes']);
export type CatalogReloadReason = z.infer<typeof CatalogReloadReasonSchema>;

export const catalogEventDefinitions = [
  defineCatalogEvent(
    'catalog-reload',
    'Sent to one watcher (never kept in the backlog) when its cursor cannot be replayed: no cursor (`no-cursor`, the first event of every fresh watch), a cursor of another feed epoch (`other-epoch`: the server restarted, possibly with other models, or the watcher moved to another node), a cursor older than the backlog holds (`too-old`), a watcher that fell more events behind than its buffer holds (`fell-behind`), or a server that may have missed changes (`missed-changes`: its connection to the cluster\'s catalog bus dropped). Reload projects, conversations, sessions and models over REST; live events follow from `seq + 1`.',
    z.object({ reason: CatalogReloadReasonSchema }),
  ),
  defineCatalogEvent('project-created', 'A project was registered (from any client, on any node).', z.object({ project: ProjectSchema })),
  defineCatalogEvent('project-deleted', 'A project was removed, with all its conversations: drop them too (a `conversation-deleted` may not follow for each).', z.object({ projectName: z.string() })),
  defineCatalogEvent('conversation-created', 'A conversation was created (or imported).', z.object({ conversation: ConversationSchema })),
  defineCatalogEvent('conversation-updated', 'A conversation record changed: title (also the automatic one), model, system prompt, busy policy, branch, totals after a run; `updatedAt` says when.', z.object({ conversation: ConversationSchema })),
  defineCatalogEvent('conversation-deleted', 'A conversation was deleted.', z.object({ conversationId: z.string() })),
  defineCatalogEvent(
    'session-status',
    'A run of the conversation changed phase; `status` is the conversation\'s run state after it (it may repeat the previous one): `running` (a run executes), `waiting-for-approval` (a run waits for a person), `waiting` (a queued run waits for a machine worker), `queued` (runs wait, none executes), `idle`. `runId` is the run that changed.',
    z.object({ conversationId: z.string(), status: SessionStatusSchema, runId: z.string().nullable() }),
  ),
] as const;

type Definitions = typeof catalogEventDefinitions;
export type CatalogEventType = Definitions[number]['type'];
export type CatalogEventDataMap = { [D in Definitions[number] as D['type']]: z.infer<D['data']> };

/** The envelope of a catalog event, on every transport. `feed: "catalog"` tells it from a conversation event on a shared WebSocket. */
export type CatalogEventOf<T extends CatalogEventType> = {
  feed: 'catalog';
  /** Strictly increasing within one feed epoch. */
  seq: number;
  /** Opaque resume token: pass it back as `after` (or `Last-Event-ID`) to continue after this event. */
  cursor: string;
  type: T;
  /** Epoch milliseconds when the change happened. */
  at: number;
  data: CatalogEventDataMap[T];
};
export type CatalogEvent = { [T in CatalogEventType]: CatalogEventOf<T> }[CatalogEventType];

/** A catalog event before the feed numbers it: what travels on the catalog bus between nodes. */
export type CatalogChange = { [T in Exclude<CatalogEventType, 'catalog-reload'>]: { type: T; at: number; data: CatalogEventDataMap[T] } }[Exclude<CatalogEventType, 'catalog-reload'>];

export const catalogEventTypes = catalogEventDefinitions.map((definition) => definition.type) as CatalogEventType[];

const dataSchemas = new Map<string, z.ZodType>(catalogEventDefinitions.map((definition) => [definition.type, definition.data]));

export const CatalogEventEnvelopeSchema = z.object({
  feed: z.literal('catalog'),
  seq: z.number().int().min(0),
  cursor: z.string(),
  type: z.enum(catalogEventTypes as [CatalogEventType, ...CatalogEventType[]]),
  at: z.number(),
  data: z.unknown(),
});

/** Validates a catalog event's envelope and its data against the schema of its type. */
export function parseCatalogEvent(value: unknown): { ok: true; event: CatalogEvent } | { ok: false; message: string } {
  const envelope = CatalogEventEnvelopeSchema.safeParse(value);
  if (!envelope.success) return { ok: false, message: z.prettifyError(envelope.error) };
  const data = dataSchemas.get(envelope.data.type)!.safeParse(envelope.data.data);
  if (!data.success) return { ok: false, message: `${envelope.data.type}: ${z.prettifyError(data.error)}` };
  return { ok: true, event: { ...envelope.data, data: data.data } as CatalogEvent };
}

/** Validates a change read from the catalog bus (another node wrote it; trust nothing). */
export function parseCatalogChange(value: unknown): CatalogChange | undefined {
  const envelope = z.object({ type: z.enum(catalogEventTypes as [CatalogEventType, ...CatalogEventType[]]), at: z.number(), data: z.unknown() }).safeParse(value);
  if (!envelope.success || envelope.data.type === 'catalog-reload') return undefined;
  const data = dataSchemas.get(envelope.data.type)!.safeParse(envelope.data.data);
  return data.success ? ({ ...envelope.data, data: data.data } as CatalogChange) : undefined;
}

/** The envelope with each type's data schema, as one union: what the OpenAPI document says a catalog SSE `data:` line carries. */
export const CatalogEventSchema = z.discriminatedUnion(
  'type',
  catalogEventDefinitions.map((definition) => CatalogEventEnvelopeSchema.extend({ type: z.literal(definition.type), data: definition.data })) as unknown as [z.ZodObject, ...z.ZodObject[]],
);
