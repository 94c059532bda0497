/**
 * The one reducer: folds an event into a conversation's state. The engine uses it to keep live
 * state (so a snapshot is by construction the fold of the events before it) and the client SDK
 * uses it to reconcile what it shows. It mutates `state` in place for speed and returns it
 * (a `snapshot` returns the snapshot's state instead). Browser-safe.
 *
 * Which record an event changes is not restated here: it comes from the event's `touches`
 * declaration (touches.ts), and the tables below say only *how* each event changes that record.
 * In place, it changes nothing but the declared record, its array, and the declared part, which is
 * what lets the client copy exactly those first (watch-reducer.ts).
 */
import type { Approval } from '../domain/approval-schemas.ts';
import type { Conversation, ConversationState, Message, Part, RetryState, Run } from '../domain/schemas.ts';
import { isTerminalRunStatus } from '../domain/schemas.ts';
import type { ConfabEvent, EventData } from './definitions.ts';
import { touchesOf, type EventTypeTouching } from './touches.ts';

type ConversationEvent = EventTypeTouching<'conversation'>;
type MessageEvent = EventTypeTouching<'message'>;
type RunEvent = EventTypeTouching<'run'>;
type ApprovalEvent = EventTypeTouching<'approval'>;
type MessageChange<D> = (message: Message | undefined, data: D, at: number) => Message | undefined;

const conversationChanges: { [T in ConversationEvent]: (data: EventData<T>) => Conversation } = {
  'conversation-updated': (data) => data.conversation,
};

const runChanges: { [T in RunEvent]: (data: EventData<T>) => Run } = {
  'run-queued': (data) => data.run,
  'run-started': (data) => data.run,
  'run-steered': (data) => data.run,
  'run-updated': (data) => data.run,
  'run-completed': (data) => data.run,
  'run-stopped': (data) => data.run,
  'run-failed': (data) => data.run,
  'run-interrupted': (data) => data.run,
  'run-requires-action': (data) => data.run,
  'run-resumed': (data) => data.run,
};

/** The state lists approvals while they are pending; a settled one leaves it. */
const approvalChanges: { [T in ApprovalEvent]: (data: EventData<T>) => Approval } = {
  'approval-requested': (data) => data.approval,
  'approval-resolved': (data) => data.approval,
};

/** Each returns the message to store (undefined: nothing to store, the message is unknown). */
const messageChanges: { [T in MessageEvent]: MessageChange<EventData<T>> } = {
  // A copy: the fold edits a message in place (parts, deltas), and the event may be encoded for a
  // subscriber only after later events were folded (several in one append): it must still say
  // what it said when it was appended.
  'message-created': (_, data) => structuredClone(data.message),
  'message-updated': edit((message, data) => {
    message.status = data.status;
  }),
  'message-completed': edit((message, data) => {
    message.status = data.status;
    message.usage = data.usage;
    message.cost = data.cost;
  }),
  'part-start': edit((message, data) => {
    message.parts.push({ id: data.partId, kind: data.kind, text: '' });
  }),
  'part-delta': edit((message, data) => {
    const part = findPart(message, data.partId);
    if (part && (part.kind === 'text' || part.kind === 'reasoning')) part.text += data.delta;
  }, false),
  'part-end': edit((message, data) => {
    if (data.providerMetadata === undefined) return;
    const part = findPart(message, data.partId);
    if (part && (part.kind === 'text' || part.kind === 'reasoning')) part.providerMetadata = data.providerMetadata;
  }, false),
  'part-discarded': edit((message, data) => {
    message.parts = message.parts.filter((part) => part.id !== data.partId);
  }),
  'part-added': edit((message, data) => upsertPart(message, data.part)),
  'tool-call': edit((message, data) => upsertPart(message, data.part)),
};

export function applyEvent(state: ConversationState, event: ConfabEvent): ConversationState {
  if (event.type === 'snapshot') return event.data.state;
  if (state.retry || event.type === 'run-retrying') state.retry = nextRetry(state.retry ?? null, event);
  const touches = touchesOf(event.type);
  switch (touches.record) {
    case 'conversation': {
      const change = conversationChanges[event.type as ConversationEvent] as (data: unknown) => Conversation;
      state.conversation = change(event.data);
      break;
    }
    case 'message': {
      const change = messageChanges[event.type as MessageEvent] as MessageChange<unknown>;
      const index = findMessageIndex(state, touches.id(event.data));
      const message = change(index === -1 ? undefined : state.messages[index], event.data, event.at);
      if (message === undefined) break;
      if (index === -1) state.messages.push(message);
      else state.messages[index] = message;
      break;
    }
    case 'run': {
      const change = runChanges[event.type as RunEvent] as (data: unknown) => Run;
      upsertRun(state, touches.id(event.data), change(event.data));
      break;
    }
    case 'approval': {
      const change = approvalChanges[event.type as ApprovalEvent] as (data: unknown) => Approval;
      upsertApproval(state, change(event.data));
      break;
    }
    case 'state':
    case 'none':
      break;
  }
  return state;
}

/** A change to a message that exists (an unknown one is left alone), stamping `updatedAt` unless told not to. */
function edit<D>(change: (message: Message, data: D) => void, stamp = true): MessageChange<D> {
  return (message, data, at) => {
    if (!message) return undefined;
    change(message, data);
    if (stamp) message.updatedAt = at;
    return message;
  };
}

/** A retry wait lasts until its run streams again or ends. */
function nextRetry(retry: RetryState | null, event: ConfabEvent): RetryState | null {
  if (event.type === 'run-retrying' && event.runId !== null) return { runId: event.runId, ...event.data, at: event.at };
  if (!retry || event.runId !== retry.runId) return retry;
  switch (event.type) {
    case 'part-start':
    case 'part-delta':
    case 'tool-call':
    case 'run-completed':
    case 'run-stopped':
    case 'run-failed':
    case 'run-interrupted':
    case 'run-requires-action':
      return null;
    default:
      return retry;
  }
}

/** Concatenated text of a message's text parts: what the user reads. */
export function messageText(message: Pick<Message, 'parts'>): string {
  let text = '';
  for (const part of message.parts) if (part.kind === 'text') text += part.text;
  return text;
}

function findMessageIndex(state: ConversationState, messageId: string): number {
  // The message being written is almost always the last one.
  for (let i = state.messages.length - 1; i >= 0; i--) if (state.messages[i].id === messageId) return i;
  return -1;
}

function findPart(message: Message, partId: string): Part | undefined {
  for (let i = message.parts.length - 1; i >= 0; i--) if (message.parts[i].id === partId) return message.parts[i];
  return undefined;
}

function upsertPart(message: Message, part: Part): void {
  const index = message.parts.findIndex((existing) => existing.id === part.id);
  if (index === -1) message.parts.push(part);
  else message.parts[index] = part;
}

/** Keeps the runs that have not ended, in order, plus the most recently ended one. */
function upsertRun(state: ConversationState, runId: string, run: Run): void {
  const index = state.runs.findIndex((existing) => existing.id === runId);
  if (index === -1) state.runs.push(run);
  else state.runs[index] = run;
  if (isTerminalRunStatus(run.status)) {
    state.runs = state.runs.filter((existing) => existing.id === run.id || !isTerminalRunStatus(existing.status));
  }
}

/** Pending approvals stay (replaced by id), settled ones go; the array is absent when none are pending. */
function upsertApproval(state: ConversationState, approval: Approval): void {
  const others = (state.approvals ?? []).filter((existing) => existing.id !== approval.id);
  const approvals = approval.status === 'pending' ? [...others, approval] : others;
  if (approvals.length > 0) state.approvals = approvals;
  else delete state.approvals;
}
