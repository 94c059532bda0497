/**
 * The one reducer: folds an event into a conversation's state. The engine uses it to keep live
 * state (so a snapshot is by construction the fold of the events before it) and the client SDK
 * uses it to reconcile what it shows. It mutates `state` in place for speed and returns it
 * (a `snapshot` returns the snapshot's state instead). Browser-safe.
 */
import type { ConversationState, Message, Part, RetryState, Run } from '../domain/schemas.ts';
import { isTerminalRunStatus } from '../domain/schemas.ts';
import type { ConfabEvent } from './definitions.ts';

export function applyEvent(state: ConversationState, event: ConfabEvent): ConversationState {
  if (event.type === 'snapshot') return event.data.state;
  if (state.retry || event.type === 'run-retrying') state.retry = nextRetry(state.retry ?? null, event);
  switch (event.type) {
    case 'conversation-updated':
      state.conversation = event.data.conversation;
      break;
    case 'conversation-deleted':
      break;
    case 'message-created':
      state.messages.push(event.data.message);
      break;
    case 'message-updated': {
      const message = findMessage(state, event.data.messageId);
      if (message) {
        message.status = event.data.status;
        message.updatedAt = event.at;
      }
      break;
    }
    case 'message-completed': {
      const message = findMessage(state, event.data.messageId);
      if (message) {
        message.status = event.data.status;
        message.usage = event.data.usage;
        message.cost = event.data.cost;
        message.updatedAt = event.at;
      }
      break;
    }
    case 'run-queued':
    case 'run-started':
    case 'run-completed':
    case 'run-stopped':
    case 'run-failed':
    case 'run-interrupted':
      upsertRun(state, event.data.run);
      break;
    case 'run-retrying':
      break;
    case 'part-start': {
      const message = findMessage(state, event.data.messageId);
      message?.parts.push({ id: event.data.partId, kind: event.data.kind, text: '' });
      touch(message, event.at);
      break;
    }
    case 'part-delta': {
      const part = findPart(findMessage(state, event.data.messageId), event.data.partId);
      if (part && (part.kind === 'text' || part.kind === 'reasoning')) part.text += event.data.delta;
      break;
    }
    case 'part-end': {
      if (event.data.providerMetadata === undefined) break;
      const part = findPart(findMessage(state, event.data.messageId), event.data.partId);
      if (part && (part.kind === 'text' || part.kind === 'reasoning')) part.providerMetadata = event.data.providerMetadata;
      break;
    }
    case 'part-discarded': {
      const message = findMessage(state, event.data.messageId);
      if (message) message.parts = message.parts.filter((part) => part.id !== event.data.partId);
      touch(message, event.at);
      break;
    }
    case 'part-added':
    case 'tool-call':
    case 'tool-result': {
      const message = findMessage(state, event.data.messageId);
      if (message) upsertPart(message, event.data.part);
      touch(message, event.at);
      break;
    }
    default:
      assertNever(event);
  }
  return state;
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

function findMessage(state: ConversationState, messageId: string): Message | undefined {
  // The message being written is almost always the last one.
  for (let i = state.messages.length - 1; i >= 0; i--) if (state.messages[i].id === messageId) return state.messages[i];
  return undefined;
}

function findPart(message: Message | undefined, partId: string): Part | undefined {
  if (!message) return undefined;
  for (let i = message.parts.length - 1; i >= 0; i--) if (message.parts[i].id === partId) return message.parts[i];
  return undefined;
}

function upsertPart(message: Message, part: Part): void {
  const index = message.parts.findIndex((existing) => existing.id === part.id);
  if (index === -1) message.parts.push(part);
  else message.parts[index] = part;
}

function touch(message: Message | undefined, at: number): void {
  if (message) message.updatedAt = at;
}

/** Keeps the runs that have not ended, in order, plus the most recently ended one. */
function upsertRun(state: ConversationState, run: Run): void {
  const index = state.runs.findIndex((existing) => existing.id === run.id);
  if (index === -1) state.runs.push(run);
  else state.runs[index] = run;
  if (isTerminalRunStatus(run.status)) {
    state.runs = state.runs.filter((existing) => existing.id === run.id || !isTerminalRunStatus(existing.status));
  }
}

function assertNever(value: never): never {
  throw new Error(`unhandled event ${JSON.stringify(value)}`);
}
