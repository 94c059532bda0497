import type { ConversationState, Message, Run } from '../../domain/schemas.ts';
import type { SteerMessage } from '../../providers/stream-part.ts';
import { userPromptText } from './build-prompt.ts';
import type { RunDependencies, RunState, RunSteering } from './run-context.ts';
import { closeOpenParts, type Attempt } from './run-step.ts';

/**
 * The messages steered into a running agent turn (`onBusy: "steer"`). Each is a queued run with
 * trigger `steer` (steer-policy.ts), stored and announced before the sender was answered. Once the
 * agent's turn can take input (`ready`), every steer run queued while this run runs is offered to
 * it, once, in queue order, now and as more arrive (from any client or node: the fold shows them).
 * Offering is not taking: only when the agent reports it took a message (`take`, in order with
 * what it streams) is the message added to the conversation, after the reply so far, the steer
 * run ended (`run-steered`) and the rest of the turn written into a new assistant message. A
 * message the agent refused, or had not taken when the turn ended (or the process died, or the
 * server crashed), is still a queued run: the next run answers it, or recovery marks it
 * interrupted with its message kept, as for any queued run.
 */
export class TurnSteering implements RunSteering {
  readonly #state: RunState;
  readonly #deps: RunDependencies;
  /**
   * Steer runs never to offer: queued before this run started (meant for an earlier run, answered
   * by their own), or offered already. Pruned to the runs still queued.
   */
  readonly #skip: Set<string>;
  /**
   * Offered and not taken yet, by message id. Kept when the run is stopped from its queue
   * meanwhile (the agent may still take it: its words are then shown); at most `maxOffered`.
   */
  readonly #offered = new Map<string, Run>();
  readonly #closed = new AbortController();
  #steer: ((message: SteerMessage) => Promise<void>) | undefined;
  #offering = false;
  /** Messages taken so far, across attempts. */
  taken = 0;

  constructor(state: RunState, deps: RunDependencies) {
    this.#state = state;
    this.#deps = deps;
    this.#skip = new Set(state.live.state.runs.filter(isSteerRun).map((run) => run.id));
  }

  ready(steer: (message: SteerMessage) => Promise<void>): void {
    // A retried attempt's turn replaces the earlier one's.
    this.#steer = steer;
    if (this.#offering) return;
    this.#offering = true;
    void this.#offer();
  }

  take(messageId: string, attempt: Attempt): boolean {
    const offered = this.#offered.get(messageId);
    if (!offered?.input) return false;
    this.#offered.delete(messageId);
    const { live, run } = this.#state;
    const now = this.#deps.clock.now();
    closeOpenParts(this.#state, attempt);
    const before = live.state.messages.find((message) => message.id === this.#state.messageId);
    live.emit({ type: 'message-completed', runId: run.id, data: { messageId: this.#state.messageId, status: 'completed', usage: before?.usage ?? null, cost: before?.cost ?? null } });
    const user: Message = { ...offered.input, parentId: this.#state.messageId, updatedAt: now };
    live.emit({ type: 'message-created', runId: offered.id, data: { message: user } });
    const reply: Message = { id: this.#deps.ids('msg'), conversationId: live.id, role: 'assistant', parentId: user.id, parts: [], status: 'streaming', runId: run.id, model: run.model, usage: null, cost: null, createdAt: now, updatedAt: now };
    live.emit({ type: 'message-created', runId: run.id, data: { message: reply } });
    // Stopped from its queue meanwhile: the agent has its words all the same, so the message stays, the run stays stopped.
    const current = live.state.runs.find((candidate) => candidate.id === offered.id) ?? offered;
    if (current.status === 'queued') {
      const steered: Run = { ...current, status: 'completed', finishReason: 'steered', assistantMessageId: reply.id, startedAt: now, endedAt: now };
      live.emit({ type: 'run-steered', runId: offered.id, data: { run: steered, intoRunId: run.id } });
    }
    this.#state.messageId = reply.id;
    this.#state.run = { ...run, assistantMessageId: reply.id };
    live.emit({ type: 'run-updated', runId: run.id, data: { run: this.#state.run } });
    this.taken++;
    return true;
  }

  /** Stops offering (the turn is over). Messages not taken stay queued. */
  close(): void {
    this.#closed.abort();
  }

  async #offer(): Promise<void> {
    const { live } = this.#state;
    const runId = this.#state.run.id;
    try {
      while (!this.#closed.signal.aborted) {
        await live.until((state) => this.#next(state) !== undefined, this.#closed.signal);
        const next = this.#next(live.state)!;
        this.#prune(live.state);
        this.#skip.add(next.id);
        this.#offered.set(next.input!.id, next);
        try {
          await this.#steer!({ messageId: next.input!.id, prompt: userPromptText(next.input!) });
        } catch (error) {
          this.#offered.delete(next.input!.id);
          this.#deps.logger.info('the agent did not take a steered message: the next run answers it', { runId, steerRunId: next.id, error: messageOf(error) });
        }
      }
    } catch {
      // Closed, or the conversation went away: nothing more to offer.
    }
  }

  /** The first steer run queued while this run runs that was not offered yet. */
  #next(state: ConversationState): Run | undefined {
    return state.runs.find((run) => isSteerRun(run) && run.input !== null && !this.#skip.has(run.id));
  }

  /** Forgets runs that are no longer queued (taken, stopped), and the oldest offers past the bound. */
  #prune(state: ConversationState): void {
    const queued = new Set(state.runs.filter(isSteerRun).map((run) => run.id));
    for (const runId of this.#skip) if (!queued.has(runId)) this.#skip.delete(runId);
    for (const messageId of this.#offered.keys()) if (this.#offered.size >= maxOffered) this.#offered.delete(messageId);
  }
}

const maxOffered = 64;

function isSteerRun(run: Run): boolean {
  return run.status === 'queued' && run.trigger === 'steer';
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
