/**
 * What a chat panel's page is sent: the watch's state, the connection, the outbox and the pending
 * context, as one `PanelView`. Messages the page already holds unchanged are sent as their id only:
 * the watch's states are immutable and keep the identity of untouched messages, so while a reply
 * streams only the streaming message crosses to the page, however long the conversation.
 */
import type { ConnectionState, ContextInput, Message, WatchState } from '../../../../src/client/index.ts';
import type { OutboxView, PanelConnection, PanelView } from '../shared/messages.ts';

export type PanelInputs = {
  conversationId: string;
  watch: WatchState | null;
  connection: PanelConnection;
  outbox: readonly OutboxView[];
  pendingContext: readonly ContextInput[];
  notice: string | null;
};

/** Remembers which message objects the page holds; `reset()` when the page reloaded. */
export class MessageDiff {
  #sent = new WeakSet<Message>();

  reset(): void {
    this.#sent = new WeakSet();
  }

  encode(messages: readonly Message[]): (Message | string)[] {
    return messages.map((message) => {
      if (this.#sent.has(message)) return message.id;
      this.#sent.add(message);
      return message;
    });
  }
}

export function buildPanelView(inputs: PanelInputs, diff: MessageDiff): PanelView {
  const watch = inputs.watch;
  const state = watch?.state ?? null;
  const acknowledged = new Set(state?.runs.map((run) => run.clientRequestId).filter((id) => id !== null));
  return {
    conversationId: inputs.conversationId,
    loaded: watch?.loaded ?? false,
    conversation: state?.conversation ?? null,
    messages: diff.encode(state?.messages ?? []),
    runs: state?.runs ?? [],
    status: watch?.status ?? 'idle',
    retry: watch?.retry ?? null,
    queue: (watch?.queue ?? []).map(({ run, input }) => ({
      runId: run.id,
      text: input ? input.parts.map((part) => (part.kind === 'text' ? part.text : '')).join('') : '',
      context: input ? input.parts.flatMap((part) => (part.kind === 'context' ? [{ path: part.path, content: part.content, range: part.range }] : [])) : [],
    })),
    approvals: [...(watch?.approvals ?? [])],
    // A send whose run the state already shows is done, even before its acknowledgement arrives.
    outbox: inputs.outbox.filter((entry) => !acknowledged.has(entry.clientRequestId)),
    pendingContext: [...inputs.pendingContext],
    connection: inputs.connection,
    deleted: watch?.deleted ?? false,
    error: watch?.error ? { code: watch.error.code, message: watch.error.message } : null,
    notice: inputs.notice,
  };
}

/** The SDK's connection state in the panel's terms; `signedIn` false overrides it. */
export function panelConnection(connection: ConnectionState | null, signedIn: boolean): PanelConnection {
  if (!signedIn || !connection) return { status: signedIn ? 'idle' : 'signed-out', attempt: 0, nextDelayMs: null, error: null };
  return { status: connection.status, attempt: connection.attempt, nextDelayMs: connection.nextDelayMs, error: connection.error?.message ?? null };
}
