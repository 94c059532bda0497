import { ConfabError } from '../domain/errors.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from '../util/clock.ts';
import type { Checkpointer } from './checkpointer.ts';
import type { EventLog, Fence } from './event-log/event-log.ts';
import { LiveConversation } from './live-conversation.ts';
import type { RunQueue } from './run-queue/run-queue.ts';
import type { RunControl } from './run-control/run-control.ts';
import type { AbortReason } from './run/run-context.ts';
import { readStoredConversation } from './stored-conversation.ts';

/**
 * The one owner of the conversations loaded in memory: loads each from the store once (concurrent
 * loads share one promise), keeps it while it is used, releases it after `idleReleaseMs` unused,
 * and unloads it for deletion or shutdown. Commands, watchers and the run executor reach live
 * conversations only through here.
 */
export class ConversationCache {
  readonly #store: Store;
  readonly #eventLog: EventLog;
  readonly #runQueue: RunQueue;
  readonly #runControl: RunControl;
  readonly #checkpointer: Checkpointer;
  readonly #clock: Clock;
  readonly #idleReleaseMs: number;
  /** Other nodes hold the same conversations (scale-out): see LiveConversation's `shared`. */
  readonly #shared: boolean;
  readonly #lives = new Map<string, LiveConversation>();
  readonly #loading = new Map<string, Promise<LiveConversation>>();
  #closing = false;

  constructor(options: { store: Store; eventLog: EventLog; runQueue: RunQueue; runControl: RunControl; checkpointer: Checkpointer; clock: Clock; idleReleaseMs: number; shared?: boolean }) {
    this.#shared = options.shared ?? false;
    this.#store = options.store;
    this.#eventLog = options.eventLog;
    this.#runQueue = options.runQueue;
    this.#runControl = options.runControl;
    this.#checkpointer = options.checkpointer;
    this.#clock = options.clock;
    this.#idleReleaseMs = options.idleReleaseMs;
  }

  /** Conversations in memory now. */
  all(): LiveConversation[] {
    return [...this.#lives.values()];
  }

  /** The conversation if it is in memory (or being loaded), without loading it. */
  async loaded(conversationId: string): Promise<LiveConversation | undefined> {
    return this.#lives.get(conversationId) ?? (await this.#loading.get(conversationId)?.catch(() => undefined));
  }

  /** In memory, but only if it is: the run executor never loads a conversation. */
  peek(conversationId: string): LiveConversation | undefined {
    return this.#lives.get(conversationId);
  }

  /** The live conversation, loaded if needed; its release timer is cancelled until `release`. */
  async use(conversationId: string): Promise<LiveConversation> {
    if (this.#closing) throw new ConfabError('internal', 'The server is shutting down.');
    const existing = this.#lives.get(conversationId);
    if (existing) {
      this.hold(existing);
      return existing;
    }
    let loading = this.#loading.get(conversationId);
    if (!loading) {
      loading = this.#load(conversationId).finally(() => this.#loading.delete(conversationId));
      this.#loading.set(conversationId, loading);
    }
    return loading;
  }

  /** Cancels a pending release. */
  hold(live: LiveConversation): void {
    if (live.releaseTimer) this.#clock.clearTimeout(live.releaseTimer);
    live.releaseTimer = undefined;
  }

  /** Releases a conversation from memory once nothing uses it for `idleReleaseMs`. */
  release(live: LiveConversation): void {
    if (!live.isIdle || live.deleted || this.#closing || this.#lives.get(live.id) !== live) return;
    live.log.idle?.();
    if (live.releaseTimer) this.#clock.clearTimeout(live.releaseTimer);
    live.releaseTimer = this.#clock.setTimeout(() => {
      live.releaseTimer = undefined;
      if (!live.isIdle || this.#lives.get(live.id) !== live) return;
      void this.#checkpointer.flush().then(() => {
        if (!live.isIdle || this.#lives.get(live.id) !== live) return;
        this.#lives.delete(live.id);
        live.close();
      });
    }, this.#idleReleaseMs);
  }

  /** Takes a conversation out of memory: deleted (runs stopped, no more writes) or shut down (runs interrupted). */
  async unload(live: LiveConversation, reason: AbortReason): Promise<void> {
    if (live.releaseTimer) this.#clock.clearTimeout(live.releaseTimer);
    // Runs held behind one parked for an approval stay queued through a restart, as the parked run stays.
    const parked = live.state.runs.some((run) => run.status === 'requires-action');
    // Shared: queued runs belong to the cluster's queue, and other nodes run them; a shutdown leaves them.
    const queued = this.#shared && reason.kind === 'shutdown' ? [] : live.state.runs.filter((candidate) => candidate.status === 'queued');
    for (const run of queued) {
      await this.#runQueue.remove(run.id);
      if (reason.kind === 'shutdown' && !parked) {
        if (run.input) live.emit({ type: 'message-created', runId: run.id, data: { message: run.input } });
        live.emit({ type: 'run-interrupted', runId: run.id, data: { run: { ...run, status: 'interrupted', finishReason: 'interrupted', endedAt: this.#clock.now() } } });
      }
    }
    if (reason.kind === 'delete') {
      live.deleted = true;
      this.#checkpointer.forget(live);
      live.emit({ type: 'conversation-deleted', runId: null, data: { conversationId: live.id } });
      await live.flush().catch(() => {});
      for (const subscription of live.subscriptions) subscription.end();
    }
    const active = live.active;
    if (active) {
      // A deletion reaches the run wherever it executes; a shutdown ends only this node's work.
      if (reason.kind === 'delete') await this.#runControl.requestStop(active.runId, reason);
      else active.controller.abort(reason);
      await active.done;
    }
    await live.flush().catch(() => {});
    if (reason.kind === 'shutdown') {
      await this.#checkpointer.flush();
      for (const subscription of live.subscriptions) subscription.end();
    }
    this.#lives.delete(live.id);
    live.close();
  }

  /** Unloads everything for shutdown; `use` refuses from now on. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.all().map((live) => this.unload(live, { kind: 'shutdown' })));
  }

  /** A run's claim went stale (another worker took it over): this node stops executing it. */
  #onStaleFence(live: LiveConversation, fence: Fence): void {
    if (live.active?.runId === fence.runId) live.active.controller.abort({ kind: 'fenced' } satisfies AbortReason);
  }

  async #load(conversationId: string): Promise<LiveConversation> {
    for (let tries = 1; ; tries++) {
      const { state, lastSeq } = await readStoredConversation(this.#store, conversationId, { consistent: this.#shared });
      const live: LiveConversation = new LiveConversation({
        state,
        log: await this.#eventLog.open(conversationId, { lastSeq }),
        foldedSeq: lastSeq,
        onDirty: (changed) => this.#checkpointer.markDirty(changed),
        onUnsubscribe: (changed) => this.release(changed),
        onStaleFence: (fence) => this.#onStaleFence(live, fence),
        ...(this.#shared ? { shared: { onGap: () => this.#retire(live) } } : {}),
      });
      await live.attach();
      // A shared log that no longer holds what followed the store's checkpoint: read the store again.
      if (!live.broken) {
        this.#lives.set(conversationId, live);
        return live;
      }
      live.close();
      if (tries === 3) throw new ConfabError('internal', `The shared log of ${conversationId} does not hold the events after its last checkpoint; try again.`);
    }
  }

  /**
   * The fold of a shared log missed events: this copy is stale. New users load the conversation
   * again; its subscribers are ended (they resubscribe with their cursor); a run executing on it
   * ends first (its writes still reach the log, which is whole).
   */
  #retire(live: LiveConversation): void {
    if (this.#lives.get(live.id) === live) this.#lives.delete(live.id);
    if (live.releaseTimer) this.#clock.clearTimeout(live.releaseTimer);
    for (const subscription of live.subscriptions) subscription.end();
    void (live.active?.done ?? Promise.resolve()).then(() => live.close());
  }
}
