import type { CatalogChange } from '../events/catalog-definitions.ts';
import type { ConfabEvent } from '../events/definitions.ts';
import type { ConversationLog, EventDraft, EventLog, Fence, LogListener, LogSubscription } from './event-log/event-log.ts';

/**
 * What the engine tells an outside watcher (the server's metrics), injected as
 * `SessionHubOptions.observer`. The engine knows nothing of what is done with it. Calls are
 * synchronous, made after the fact, and cannot disturb the engine: a throw is swallowed.
 */
export interface EngineObserver {
  /** Events this process appended to a conversation's log, in seq order, once the log took them. */
  eventsAppended?(events: readonly ConfabEvent[]): void;
  /** A checkpoint transaction ended: how long the store took, for how many conversations, and whether it committed. */
  checkpointWritten?(report: CheckpointReport): void;
  /** A catalog record this process stored (a project created or deleted, a conversation created), once stored. */
  catalogChanged?(change: CatalogChange): void;
}

export type CheckpointReport = { durationMs: number; conversations: number; ok: boolean };

/** One observer that tells each of `observers`, in order. */
export function combineObservers(...observers: EngineObserver[]): EngineObserver {
  const appended = observers.filter((observer) => observer.eventsAppended);
  const written = observers.filter((observer) => observer.checkpointWritten);
  const cataloged = observers.filter((observer) => observer.catalogChanged);
  return {
    eventsAppended(events) {
      for (const observer of appended) notify(observer, 'eventsAppended', events);
    },
    checkpointWritten(report) {
      for (const observer of written) notify(observer, 'checkpointWritten', report);
    },
    catalogChanged(change) {
      for (const observer of cataloged) notify(observer, 'catalogChanged', change);
    },
  };
}

/** Calls the observer's method `key`, if it has one, never letting it throw into the engine. */
export function notify<K extends keyof EngineObserver>(observer: EngineObserver | undefined, key: K, value: Parameters<NonNullable<EngineObserver[K]>>[0]): void {
  const method = observer?.[key] as ((value: unknown) => void) | undefined;
  if (!method) return;
  try {
    method.call(observer, value);
  } catch {
    // An observer is told, never obeyed: its failure is not the engine's.
  }
}

/** The event log as it was, with every successful append also reported to the observer. */
export function observeEventLog(log: EventLog, observer: EngineObserver | undefined): EventLog {
  if (!observer?.eventsAppended) return log;
  return {
    open: async (conversationId, options) => new ObservedConversationLog(await log.open(conversationId, options), observer),
    conversationsToRecover: () => log.conversationsToRecover(),
    get writes() {
      return log.writes;
    },
  };
}

class ObservedConversationLog implements ConversationLog {
  readonly #log: ConversationLog;
  readonly #observer: EngineObserver;

  constructor(log: ConversationLog, observer: EngineObserver) {
    this.#log = log;
    this.#observer = observer;
  }

  get conversationId(): string {
    return this.#log.conversationId;
  }

  get epoch(): string {
    return this.#log.epoch;
  }

  get lastSeq(): number {
    return this.#log.lastSeq;
  }

  get durable(): boolean {
    return this.#log.durable;
  }

  get checkpointDue(): boolean {
    return this.#log.checkpointDue;
  }

  checkpointed(seq: number): Promise<void> {
    return this.#log.checkpointed(seq);
  }

  claim(fence: Fence): Promise<void> {
    return this.#log.claim(fence);
  }

  append(drafts: EventDraft[], fence?: Fence): Promise<ConfabEvent[]> {
    const appended = this.#log.append(drafts, fence);
    // Beside the caller's chain, not in it: the caller's turn is not delayed by the observer.
    appended.then((events) => notify(this.#observer, 'eventsAppended', events), () => {});
    return appended;
  }

  read(after: number): Promise<ConfabEvent[] | undefined> {
    return this.#log.read(after);
  }

  subscribe(after: number | undefined, listener: LogListener): Promise<LogSubscription> {
    return this.#log.subscribe(after, listener);
  }

  async sync(): Promise<void> {
    await this.#log.sync?.();
  }

  idle(): void {
    this.#log.idle?.();
  }

  close(): void {
    this.#log.close();
  }
}
