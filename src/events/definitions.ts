/**
 * Every event a conversation emits, defined once as data: its type, when it is emitted, and the
 * schema of its `data`. Validation, the client SDK's types and docs/events.md all derive from this
 * table (`npm run docs:events` regenerates the doc; a test fails when it is stale).
 * Browser-safe: imports nothing but zod and the domain schemas.
 */
import { z } from 'zod';
import {
  ConversationSchema,
  ConversationStateSchema,
  MessageSchema,
  PartSchema,
  MessageStatusSchema,
  ProviderMetadataSchema,
  RunSchema,
  StreamedPartKindSchema,
  ToolCallPartSchema,
  UsageSchema,
  CostSchema,
  WireErrorSchema,
} from '../domain/schemas.ts';
import { ApprovalSchema } from '../domain/approval-schemas.ts';
import type { Touches } from './touches.ts';

type EventDefinition<T extends string, S extends z.ZodType, R extends Touches<z.infer<S>>> = {
  type: T;
  /** When the engine emits it. */
  emitted: string;
  data: S;
  /** The record it changes: the one place that says so (see touches.ts). */
  touches: R;
};

function defineEvent<T extends string, S extends z.ZodType, R extends Touches<z.infer<S>>>(type: T, emitted: string, data: S, touches: R): EventDefinition<T, S, R> {
  return { type, emitted, data, touches };
}

const none = { record: 'none' } as const;
const conversation = { record: 'conversation' } as const;
const run = { record: 'run', id: (data: { run: { id: string } }) => data.run.id } as const;
const message = { record: 'message', id: (data: { messageId: string }) => data.messageId } as const;
/** A message event about one part, named by `partId` or carried whole as `part`. */
const namedPart = { ...message, part: (data: { partId: string }) => data.partId } as const;
const carriedPart = { ...message, part: (data: { part: { id: string } }) => data.part.id } as const;
const approval = { record: 'approval', id: (data: { approval: { id: string } }) => data.approval.id } as const;

export const eventDefinitions = [
  defineEvent(
    'snapshot',
    'Sent to one subscriber (never stored in the log) when its cursor cannot be replayed: no cursor, a cursor from another epoch (the history could differ from what the cursor saw: a restart after a possible power loss, or any reload without the journal), a cursor older than the log holds, or a subscriber that fell behind its buffer bound. The state is complete as of this event\'s `seq`, including any partial assistant message; live events follow from `seq + 1`.',
    z.object({ state: ConversationStateSchema }),
    { record: 'state' },
  ),
  defineEvent('conversation-updated', 'The conversation record changed: title (also the automatic title from the first user message), model, system prompt, busy policy, or the usage and cost totals after a run ends.', z.object({ conversation: ConversationSchema }), conversation),
  defineEvent('conversation-deleted', 'The conversation was deleted. It is the last event of its log; subscriptions end after it.', z.object({ conversationId: z.string() }), none),
  defineEvent('message-created', 'A message was added: the user message when its run starts (or immediately, when nothing is running), and the assistant message (empty, status `streaming`) when a run starts writing.', z.object({ message: MessageSchema }), { record: 'message', id: (data) => data.message.id }),
  defineEvent(
    'message-updated',
    'An existing assistant message is written to again by a `continue` run: its status returns to `streaming`.',
    z.object({ messageId: z.string(), status: MessageStatusSchema }),
    message,
  ),
  defineEvent(
    'message-completed',
    'An assistant message stopped being written: its final status (`completed`, `stopped`, `failed`, `interrupted`), with usage and cost for the message so far.',
    z.object({ messageId: z.string(), status: MessageStatusSchema, usage: UsageSchema.nullable(), cost: CostSchema.nullable() }),
    message,
  ),
  defineEvent('run-queued', 'A run was accepted. With the `enqueue` policy it waits behind the active run; `run.input` holds the user message it will add when it starts.', z.object({ run: RunSchema }), run),
  defineEvent(
    'run-waiting',
    'A queued run of a project served by machine workers waits for one: none of them is online (`offline`), or all are busy (`busy`). It starts as soon as one can take it; at `timeoutAt` (epoch ms) it ends `failed` with `worker_unavailable` instead. `message` says so in words a client can show.',
    z.object({ projectName: z.string(), reason: z.enum(['offline', 'busy']), message: z.string(), timeoutAt: z.number() }),
    none,
  ),
  defineEvent('run-started', 'A run began executing.', z.object({ run: RunSchema }), run),
  defineEvent(
    'run-steered',
    'A `steer` run (a message sent with `onBusy: "steer"`) was taken into the running run `intoRunId`: the coding agent added its message to the turn in progress. Its user message was added just before (`message-created`, following the reply so far, which was completed); the rest of the turn, which answers it, goes into a new assistant message (`run.assistantMessageId`, announced by `run-updated` of `intoRunId`). This run ends here: `completed` with finishReason `steered`, no usage of its own.',
    z.object({ run: RunSchema, intoRunId: z.string() }),
    run,
  ),
  defineEvent(
    'run-updated',
    'A running run\'s record changed while it keeps running: after it took a steered message (`run-steered`), `run.assistantMessageId` names the new assistant message it writes into.',
    z.object({ run: RunSchema }),
    run,
  ),
  defineEvent(
    'run-retrying',
    'An upstream request failed with a transient error; the run waits `delayMs` and then makes attempt `attempt` of at most `maxAttempts`. Any part streamed by the failed attempt was discarded first (`part-discarded`).',
    z.object({
      attempt: z.number(),
      maxAttempts: z.number(),
      delayMs: z.number(),
      error: WireErrorSchema,
    }),
    none,
  ),
  defineEvent('run-completed', 'The run ended normally. `run.finishReason` is `stop`, `length`, `content-filter`, `tool-limit` or `other`; usage and cost are final.', z.object({ run: RunSchema }), run),
  defineEvent('run-stopped', 'The run was stopped on request (or removed from the queue before starting). The partial message is kept with status `stopped`; usage is what the provider reported, or an estimate marked `estimated`.', z.object({ run: RunSchema }), run),
  defineEvent('run-failed', 'The run ended with an error that was not retryable, or retries ran out. `run.error` says why in words safe to show.', z.object({ run: RunSchema }), run),
  defineEvent('run-interrupted', 'The run was found running or queued after a restart (or the server shut down under it). Its partial content is kept; `continue` carries on from it.', z.object({ run: RunSchema }), run),
  defineEvent(
    'run-requires-action',
    'The run waits for a person: a tool call needs approval (see `approval-requested`). Its status is `requires-action`; it holds no worker while it waits, and later runs of the conversation wait behind it. It survives a restart.',
    z.object({ run: RunSchema }),
    run,
  ),
  defineEvent('run-resumed', 'Every approval the run waited for was answered (or expired): it runs again, from its stored message (status `running`).', z.object({ run: RunSchema }), run),
  defineEvent(
    'approval-requested',
    'A tool call waits for a person: `approval` names the tool, its input, the `options` to answer with (`allow-once`, `allow-always`, `deny`, `deny-always`) and `expiresAt`. Answer it with the `approve` command. Stored before it is emitted; the state lists it under `approvals` until it is resolved.',
    z.object({ approval: ApprovalSchema }),
    approval,
  ),
  defineEvent(
    'approval-resolved',
    'An approval was settled: `approval.status` is `allowed`, `denied`, `expired` or `cancelled`, `approval.resolvedBy` says by what (`user`, `remembered` for an earlier "always" answer, `expiry`, `stop`), with the `decision` and `note`. Stored before it is emitted; it leaves the state\'s `approvals`. A remembered answer is announced by this event alone.',
    z.object({ approval: ApprovalSchema }),
    approval,
  ),
  defineEvent('part-start', 'A streamed part (text or reasoning) began in an assistant message.', z.object({ messageId: z.string(), partId: z.string(), kind: StreamedPartKindSchema }), namedPart),
  defineEvent('part-delta', 'Text was appended to a streamed part.', z.object({ messageId: z.string(), partId: z.string(), delta: z.string() }), namedPart),
  defineEvent(
    'part-end',
    'A streamed part is complete. `providerMetadata`, when present, is what the provider attached to the part and needs back in later requests (a reasoning signature, say); it is set on the part.',
    z.object({ messageId: z.string(), partId: z.string(), providerMetadata: ProviderMetadataSchema.optional() }),
    namedPart,
  ),
  defineEvent(
    'part-discarded',
    'A part was removed from the message: its attempt failed and is being retried, so its text must not count. The message\'s text is the concatenation of its text parts\' deltas, less discarded parts.',
    z.object({ messageId: z.string(), partId: z.string(), reason: z.string() }),
    namedPart,
  ),
  defineEvent(
    'tool-call',
    'A tool call part was added or its state changed: `pending` when the model asked for it, `awaiting-approval` (with its `approvalId`) when a person must allow it first, `running`, then `completed` (with its output) or `error` (a denied, expired or cancelled approval settles it as an `error` saying so). Carries the whole part, state included; apply it as an upsert by `part.id`. The result is in the state: there is no separate result part.',
    z.object({ messageId: z.string(), part: ToolCallPartSchema }),
    carriedPart,
  ),
  defineEvent('part-added', 'A complete part that is not streamed was added to a message: an `error` part when a run fails.', z.object({ messageId: z.string(), part: PartSchema }), carriedPart),
] as const;

type Definitions = typeof eventDefinitions;
export type EventType = Definitions[number]['type'];
export type EventDataMap = { [D in Definitions[number] as D['type']]: z.infer<D['data']> };
export type EventData<T extends EventType> = EventDataMap[T];

/** The envelope every event travels in, on every transport. */
export type ConfabEventOf<T extends EventType> = {
  /** Strictly increasing per conversation. */
  seq: number;
  /** Opaque resume token: pass it back as `after` to continue exactly after this event. */
  cursor: string;
  conversationId: string;
  runId: string | null;
  type: T;
  /** Epoch milliseconds. */
  at: number;
  data: EventData<T>;
};
export type ConfabEvent = { [T in EventType]: ConfabEventOf<T> }[EventType];

export const eventTypes = eventDefinitions.map((definition) => definition.type) as EventType[];

const dataSchemas = new Map<string, z.ZodType>(eventDefinitions.map((definition) => [definition.type, definition.data]));

export const EventEnvelopeSchema = z.object({
  seq: z.number().int().min(0),
  cursor: z.string(),
  conversationId: z.string(),
  runId: z.string().nullable(),
  type: z.enum(eventTypes as [EventType, ...EventType[]]),
  at: z.number(),
  data: z.unknown(),
});

/** Validates an event's envelope and its data against the schema of its type. */
export function parseEvent(value: unknown): { ok: true; event: ConfabEvent } | { ok: false; message: string } {
  const envelope = EventEnvelopeSchema.safeParse(value);
  if (!envelope.success) return { ok: false, message: z.prettifyError(envelope.error) };
  const data = dataSchemas.get(envelope.data.type)!.safeParse(envelope.data.data);
  if (!data.success) return { ok: false, message: `${envelope.data.type}: ${z.prettifyError(data.error)}` };
  return { ok: true, event: { ...envelope.data, data: data.data } as ConfabEvent };
}
