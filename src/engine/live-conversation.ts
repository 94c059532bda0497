import type { ConversationState, Run } from '../domain/schemas.ts';
import { applyEvent } from '../events/apply-event.ts';
import { formatCursor, parseCursor } from '../events/cursor.ts';
import type { ConfabEvent, EventType } from '../events/definitions.ts';
import type { ConversationLog, EventDraft } from './event-log/event-log.ts';
import { markTouched } from './dirty-records.ts';
import { Subscription } from './subscription.ts';

/**
 * A conversation loaded in memory: its state (the fold of its events), its event log, its
 * subscribers and its active run. Every change goes through `emit`, which appends to the log,
 * applies the event to the state, records what must be checkpointed, and fans the event out.
 */
export class LiveConversation {
  readonly id: string;
  state: ConversationState;
  readonly log: ConversationLog;
  readonly subscriptions = new Set<Subscription>();
  /** The executing run, with the controller that stops it. */
  active: { runId: string; controller: AbortController; done: Promise<void> } | undefined;
  /** Records changed since the last checkpoint. */
  readonly dirty = { conversation: false, messages: new Set<string>(), runs: new Set<string>() };
  deleted = false;
  /** Timer that releases this conversation from memory when idle. */
  releaseTimer: object | undefined;
  readonly #onDirty: (live: LiveConversation) => void;
  readonly #onUnsubscribe: (live: LiveConversation) => void;

  constructor(options: {
    state: ConversationState;
    log: ConversationLog;
    onDirty: (live: LiveConversation) => void;
    onUnsubscribe: (live: LiveConversation) => void;
  }) {
    this.id = options.state.conversation.id;
    this.state = options.state;
    this.log = options.log;
    this.#onDirty = options.onDirty;
    this.#onUnsubscribe = options.onUnsubscribe;
  }

  /** `persisted`: the records this event changes were already written to the store. */
  emit<T extends EventType>(draft: EventDraft<T>, options?: { persisted?: boolean }): ConfabEvent {
    const event = this.log.append(draft);
    this.state = applyEvent(this.state, event);
    if (!options?.persisted) this.#markDirty(event);
    for (const subscription of this.subscriptions) subscription.push(event);
    return event;
  }

  /**
   * Subscribes after `cursor`: replays exactly the held events after it, or starts with a snapshot
   * when the cursor is absent, from another epoch, older than the log holds, or not one we issued.
   */
  subscribe(cursor: string | undefined, limit: number): Subscription {
    const subscription = new Subscription({
      conversationId: this.id,
      limit,
      makeSnapshot: () => this.snapshot(),
      onClose: (closed) => {
        this.subscriptions.delete(closed);
        this.#onUnsubscribe(this);
      },
    });
    const parsed = parseCursor(cursor);
    const replay = parsed && parsed.epoch === this.log.epoch ? this.log.readAfter(parsed.seq) : undefined;
    if (replay && replay.length <= limit) for (const event of replay) subscription.push(event);
    else subscription.requestSnapshot();
    this.subscriptions.add(subscription);
    return subscription;
  }

  snapshot(): ConfabEvent {
    const seq = this.log.lastSeq;
    return {
      seq,
      cursor: formatCursor(this.log.epoch, seq),
      conversationId: this.id,
      runId: null,
      type: 'snapshot',
      at: Date.now(),
      data: { state: structuredClone(this.state) },
    };
  }

  get cursor(): string {
    return formatCursor(this.log.epoch, this.log.lastSeq);
  }

  findRun(runId: string): Run | undefined {
    return this.state.runs.find((run) => run.id === runId);
  }

  get isIdle(): boolean {
    return this.active === undefined && this.subscriptions.size === 0 && this.state.runs.every((run) => run.status !== 'queued' && run.status !== 'running');
  }

  #markDirty(event: ConfabEvent): void {
    if (markTouched(this.dirty, event)) this.#onDirty(this);
  }
}
