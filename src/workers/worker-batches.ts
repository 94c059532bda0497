import type { Approval } from '../domain/approval-schemas.ts';
import { ConfabError } from '../domain/errors.ts';
import type { Conversation, Run } from '../domain/schemas.ts';
import { eventDefinitions, type EventType } from '../events/definitions.ts';
import type { EventDraft, Fence } from '../engine/event-log/event-log.ts';
import type { StoreBatch } from '../store/store.ts';
import type { RemoteConversation } from '../engine/run/remote-execution.ts';
import type { WireCommit, WireDraft } from './worker-protocol.ts';

/** The events a run loop emits; a worker may write nothing else. */
const workerEventTypes = new Set<EventType>([
  'message-created',
  'message-updated',
  'message-completed',
  'run-started',
  'run-resumed',
  'run-retrying',
  'run-requires-action',
  'run-completed',
  'run-stopped',
  'run-failed',
  'run-interrupted',
  'approval-requested',
  // A remembered "always" answer settles an agent's request of this run at once.
  'approval-resolved',
  'part-start',
  'part-delta',
  'part-end',
  'part-discarded',
  'part-added',
  'tool-call',
  'conversation-updated',
]);

const dataSchemas = new Map(eventDefinitions.map((definition) => [definition.type as string, definition.data]));

/**
 * Checks what a worker sends before it reaches the conversation: only run-loop events, each valid
 * for its type, each about this run (its run record, its messages, its approvals) of this
 * conversation. A conversation record from a worker only carries the run's totals: the rest is the
 * server's. Anything else is `forbidden` (or `bad_request` when malformed), and nothing is written.
 */
export class BatchChecker {
  readonly #fence: Fence;
  readonly #conversation: RemoteConversation;
  /** Messages this run may write: its user message and its assistant message. */
  readonly #messages = new Set<string>();

  constructor(fence: Fence, conversation: RemoteConversation, run: Run) {
    this.#fence = fence;
    this.#conversation = conversation;
    if (run.input) this.#messages.add(run.input.id);
    if (run.assistantMessageId) this.#messages.add(run.assistantMessageId);
    for (const message of conversation.state.messages) if (message.runId === run.id) this.#messages.add(message.id);
  }

  drafts(drafts: WireDraft[]): { draft: EventDraft; persisted: boolean }[] {
    return drafts.map((wire) => ({ draft: this.#draft(wire), persisted: wire.persisted === true }));
  }

  commit(commit: WireCommit): StoreBatch {
    const batch: StoreBatch = {};
    if (commit.runs) batch.runs = commit.runs.map((run) => this.#run(run));
    if (commit.conversations) batch.conversations = commit.conversations.map((conversation) => this.#totals(conversation));
    if (commit.approvals) batch.approvals = commit.approvals.map((approval) => this.#approval(approval));
    return batch;
  }

  #draft(wire: WireDraft): EventDraft {
    if (!workerEventTypes.has(wire.type as EventType)) throw forbidden(`a worker may not write "${wire.type}" events`);
    if (wire.runId !== this.#fence.runId) throw forbidden('a worker writes the events of its own run only');
    const parsed = dataSchemas.get(wire.type)!.safeParse(wire.data);
    if (!parsed.success) throw new ConfabError('bad_request', `Invalid "${wire.type}" event from the worker.`);
    const data = parsed.data as Record<string, unknown>;
    if ('run' in data) this.#run(data.run as Run);
    if ('approval' in data) this.#approval(data.approval as Approval);
    if ('conversation' in data) data.conversation = this.#totals(data.conversation as Conversation);
    if (wire.type === 'message-created') {
      const message = data.message as { id: string; conversationId: string; runId: string | null; role: string };
      if (message.conversationId !== this.#conversation.id) throw forbidden('a message of another conversation');
      if (message.role === 'assistant' && message.runId === this.#fence.runId) this.#messages.add(message.id);
      if (!this.#messages.has(message.id)) throw forbidden('a message this run does not own');
    } else if ('messageId' in data && !this.#messages.has(data.messageId as string)) {
      throw forbidden('a message this run does not own');
    }
    return { type: wire.type as EventType, runId: wire.runId, data } as EventDraft;
  }

  #run(run: Run): Run {
    if (run.id !== this.#fence.runId || run.conversationId !== this.#conversation.id) throw forbidden('another run');
    return run;
  }

  #approval(approval: Approval): Approval {
    if (approval.runId !== this.#fence.runId || approval.conversationId !== this.#conversation.id) throw forbidden('an approval of another run');
    return approval;
  }

  /** The server's conversation record with the run's totals from the worker. */
  #totals(conversation: Conversation): Conversation {
    const current = this.#conversation.state.conversation;
    if (conversation.id !== current.id) throw forbidden('another conversation');
    return { ...current, usage: conversation.usage, cost: conversation.cost, updatedAt: conversation.updatedAt };
  }
}

function forbidden(what: string): ConfabError {
  return new ConfabError('forbidden', `Refused from the worker: ${what}.`);
}
