import type { Approval } from '../domain/approval-schemas.ts';
import { ConfabError } from '../domain/errors.ts';
import type { ConversationState } from '../domain/schemas.ts';
import { applyEvent } from '../events/apply-event.ts';
import { parseCursor } from '../events/cursor.ts';
import type { ConfabEvent } from '../events/definitions.ts';
import type { EventDraft, Fence } from '../engine/event-log/event-log.ts';
import { executeRun } from '../engine/run/execute-run.ts';
import type { AbortReason, ModelResolver, RunDependencies, RunWriter } from '../engine/run/run-context.ts';
import { isAgentSource, type AgentSource } from '../agents/agent-source.ts';
import type { StreamPart } from '../providers/stream-part.ts';
import type { StoreBatch } from '../store/store.ts';
import type { ServerFrame, WireDraft, WorkerFrame } from './worker-protocol.ts';

type RunFrame = Extract<ServerFrame, { type: 'run' }>;
type BatchFrame = Extract<WorkerFrame, { type: 'batch' }>;

/** Drafts per batch frame (the server refuses more). */
const maxDraftsPerBatch = 500;

/** Bytes of drafts a run may hold here unsent or unacknowledged before its model or agent is read no further. Default 1 MiB. */
export const defaultMaxQueuedBytes = 1024 * 1024;

/**
 * A run executing on this machine worker. The run loop (`executeRun`) writes through a `RunWriter`
 * whose events go to the server as numbered batches under the run's fence; its state is the fold of
 * the events the server relays back (its own and everyone else's), so `flush` means what it means on
 * the server: what I emitted is appended and folded. At most `maxBatchesInFlight` batches are
 * unacknowledged; later drafts wait here, merged into the next batch. After a reconnect, `resume`
 * tells the server where the fold is, and the batches it had not applied are sent again.
 *
 * Backpressure: a server that does not keep up (or a connection that is down) does not grow this
 * worker's memory. Once `maxQueuedBytes` of drafts wait here unsent or unacknowledged, the run's
 * model or agent stream is read no further (its parts wait in the provider's socket, and TCP pushes
 * back on the provider) until acknowledgements bring the queue under the bound again.
 */
export class WorkerRun {
  readonly fence: Fence;
  readonly projectName: string;
  readonly #frame: RunFrame;
  readonly #controller = new AbortController();
  readonly #maxInFlight: number;
  readonly #maxQueuedBytes: number;
  /** Bytes (of JSON) of the drafts waiting to be sent, and of each batch sent and not acknowledged. */
  #pendingBytes = 0;
  readonly #unackedBytes = new Map<number, number>();
  #pendingSizes: number[] = [];
  #state: ConversationState;
  #cursor: string;
  #foldedSeq: number;
  #nextBatch = 1;
  readonly #unacked = new Map<number, BatchFrame>();
  #pending: WireDraft[] = [];
  #pumpScheduled = false;
  #ackedLastSeq = 0;
  #connected = true;
  #fenced = false;
  #waiters: { until: () => boolean; resolve: () => void }[] = [];
  /** The newest approval settlements folded (the state lists pending ones only), for an agent's permission request. */
  readonly #settled = new Map<string, Approval>();
  #send: (frame: WorkerFrame) => void;

  constructor(frame: RunFrame, options: { send: (frame: WorkerFrame) => void; maxBatchesInFlight: number; maxQueuedBytes?: number }) {
    this.#frame = frame;
    this.fence = { runId: frame.runId, attempt: frame.attempt };
    this.projectName = frame.projectName;
    this.#state = frame.state;
    this.#cursor = frame.cursor;
    this.#foldedSeq = parseCursor(frame.cursor)?.seq ?? 0;
    this.#send = options.send;
    this.#maxInFlight = options.maxBatchesInFlight;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? defaultMaxQueuedBytes;
    // A stream paused for room resumes when the run is stopped.
    this.#controller.signal.addEventListener('abort', () => this.#wake(), { once: true });
  }

  /** Bytes of drafts held here, unsent or unacknowledged (bounded by `maxQueuedBytes` plus one part). */
  get queuedBytes(): number {
    let bytes = this.#pendingBytes;
    for (const size of this.#unackedBytes.values()) bytes += size;
    return bytes;
  }

  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Executes the run loop in `projectRoot`, then reports it done; resolves once the server has that. */
  async execute(projectRoot: string, deps: RunDependencies): Promise<void> {
    const queued = this.#state.runs.find((run) => run.id === this.fence.runId);
    if (!queued) throw new Error(`the run ${this.fence.runId} is not in the state the server sent`);
    const approvals = new Map(this.#frame.approvals.map((approval) => [approval.id, approval]));
    const runDeps: RunDependencies = {
      ...deps,
      models: { resolve: (modelId) => this.#pacedModel(deps.models.resolve(modelId)) },
      maxSteps: this.#frame.maxSteps,
      persistence: { flush: () => this.flush(), commitNow: (batch) => this.#commit(batch) },
      approvals: {
        needsApproval: (toolName) => this.#frame.approvalTools.includes(toolName) || (deps.tools.needsApproval?.(toolName) ?? false),
        expiryMs: this.#frame.approvalExpiryMs,
        get: async (approvalId) => approvals.get(approvalId) ?? this.#state.approvals?.find((approval: Approval) => approval.id === approvalId),
        // The server arms the expiry when it stores the requests.
        requested: () => {},
        // The worker has no store: the server cancels what a run left pending when it ends (remote-runs.ts).
        cancel: async () => {},
      },
    };
    await executeRun(this.#writer(), queued, projectRoot, this.signal, runDeps);
    if (this.#fenced) return;
    await this.flush();
    await this.#batch({ done: true });
  }

  /** The server's answers and relayed events for this run. */
  receive(frame: ServerFrame): void {
    switch (frame.type) {
      case 'events':
        for (const event of frame.events as unknown as ConfabEvent[]) {
          if (event.type === 'snapshot') this.#state = (event.data as { state: ConversationState }).state;
          else if (event.seq > this.#foldedSeq) this.#state = applyEvent(this.#state, event);
          else continue;
          if (event.type === 'approval-resolved') this.#remember(event.data.approval);
          this.#foldedSeq = event.seq;
          this.#cursor = event.cursor;
        }
        break;
      case 'ack':
        this.#forget(frame.seq);
        this.#ackedLastSeq = Math.max(this.#ackedLastSeq, frame.lastSeq);
        this.#pump();
        break;
      case 'resumed':
        for (const seq of [...this.#unacked.keys()]) if (seq <= frame.appliedThrough) this.#forget(seq);
        this.#ackedLastSeq = Math.max(this.#ackedLastSeq, frame.lastSeq);
        this.#connected = true;
        for (const batch of this.#unacked.values()) this.#send(batch);
        this.#pump();
        break;
      case 'stop':
        this.#controller.abort((frame.reason === 'time-limit' ? { kind: 'time-limit', limitMs: frame.limitMs ?? 0 } : { kind: frame.reason }) satisfies AbortReason);
        break;
      case 'fenced':
        this.#fence();
        break;
      default:
        break;
    }
    this.#wake();
  }

  /** The connection dropped: batches wait until `reconnected`. */
  disconnected(): void {
    this.#connected = false;
  }

  /** A new connection is registered: ask to resume from what is folded. */
  reconnected(): void {
    this.#send({ type: 'resume', ...this.fence, after: this.#cursor });
  }

  /** Ends the run here as the worker shuts down (the run ends `interrupted`, written through the server). */
  shutdown(): void {
    this.#controller.abort({ kind: 'shutdown' } satisfies AbortReason);
  }

  /** Resolves once every draft emitted so far is applied by the server and folded back here. */
  flush(): Promise<void> {
    this.#pumpNow();
    return this.#until(() => this.#fenced || (this.#pending.length === 0 && this.#unacked.size === 0 && this.#foldedSeq >= this.#ackedLastSeq));
  }

  #writer(): RunWriter {
    const run = this;
    return {
      id: this.#frame.conversationId,
      get state() {
        return run.#state;
      },
      deleted: false,
      get foldedSeq() {
        return run.#foldedSeq;
      },
      // The worker writes through the server, which stores the run's records before its end events.
      durable: false,
      until: (condition, signal) => this.#untilState(condition, signal),
      emit: (draft: EventDraft, options?: { persisted?: boolean }) => this.#emit(draft, options?.persisted === true),
      flush: () => this.flush(),
      settledApproval: (approvalId) => this.#settled.get(approvalId),
    };
  }

  #remember(approval: Approval): void {
    this.#settled.set(approval.id, approval);
    if (this.#settled.size > 64) this.#settled.delete(this.#settled.keys().next().value!);
  }

  #emit(draft: EventDraft, persisted: boolean): void {
    if (this.#fenced) return;
    const wire: WireDraft = { type: draft.type, runId: draft.runId, data: draft.data, ...(persisted ? { persisted } : {}) };
    const bytes = JSON.stringify(wire).length;
    this.#pending.push(wire);
    this.#pendingSizes.push(bytes);
    this.#pendingBytes += bytes;
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    // The drafts of one turn go as one batch, like the server's own appends.
    queueMicrotask(() => this.#pumpNow());
  }

  #pumpNow(): void {
    this.#pumpScheduled = false;
    this.#pump();
  }

  #pump(): void {
    while (this.#pending.length > 0 && this.#unacked.size < this.#maxInFlight && !this.#fenced) {
      const events = this.#pending.splice(0, maxDraftsPerBatch);
      const bytes = this.#pendingSizes.splice(0, events.length).reduce((sum, size) => sum + size, 0);
      this.#pendingBytes -= bytes;
      this.#queueBatch({ events }, bytes);
    }
  }

  async #commit(batch: StoreBatch): Promise<void> {
    await this.flush();
    if (this.#fenced) throw new ConfabError('stale_fence', 'This worker no longer holds the run.');
    await this.#batch({ commit: { runs: batch.runs, conversations: batch.conversations, approvals: batch.approvals } });
  }

  /** Sends one batch after the ones queued and resolves once it is acknowledged. */
  async #batch(content: Pick<BatchFrame, 'commit' | 'done'>): Promise<void> {
    await this.#until(() => this.#fenced || this.#unacked.size < this.#maxInFlight);
    if (this.#fenced) return;
    const seq = this.#queueBatch(content);
    await this.#until(() => this.#fenced || !this.#unacked.has(seq));
  }

  #queueBatch(content: Pick<BatchFrame, 'events' | 'commit' | 'done'>, bytes = 0): number {
    const batch: BatchFrame = { type: 'batch', ...this.fence, seq: this.#nextBatch++, ...content };
    this.#unacked.set(batch.seq, batch);
    this.#unackedBytes.set(batch.seq, bytes);
    if (this.#connected) this.#send(batch);
    return batch.seq;
  }

  #fence(): void {
    this.#fenced = true;
    this.#pending = [];
    this.#pendingSizes = [];
    this.#pendingBytes = 0;
    this.#unacked.clear();
    this.#unackedBytes.clear();
    this.#controller.abort({ kind: 'fenced' } satisfies AbortReason);
  }

  #forget(seq: number): void {
    this.#unacked.delete(seq);
    this.#unackedBytes.delete(seq);
  }

  /** The model or agent of this run, whose stream is read only while the drafts held here are under the bound. */
  #pacedModel(resolved: ReturnType<ModelResolver['resolve']>): ReturnType<ModelResolver['resolve']> {
    const { source } = resolved;
    if (isAgentSource(source)) {
      const agent: AgentSource = { kind: 'agent', steering: source.steering, turn: (request) => this.#paced(source.turn(request)) };
      return { ...resolved, source: agent };
    }
    return { ...resolved, source: { stream: (request) => this.#paced(source.stream(request)) } };
  }

  async *#paced(parts: AsyncIterable<StreamPart>): AsyncIterable<StreamPart> {
    for await (const part of parts) {
      yield part;
      // The next part is read only once the drafts held here are under the bound (or the run ends).
      await this.#until(() => this.#fenced || this.signal.aborted || this.queuedBytes < this.#maxQueuedBytes);
    }
  }

  /** Resolves once the state folded here satisfies `condition`; rejects when `signal` aborts. */
  #untilState(condition: (state: ConversationState) => boolean, signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason ?? new Error('aborted'));
      const onAbort = () => {
        this.#waiters = this.#waiters.filter((waiter) => waiter !== entry);
        reject(signal.reason ?? new Error('aborted'));
      };
      const entry = {
        until: () => condition(this.#state),
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      if (entry.until()) return resolve();
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(entry);
    });
  }

  #until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ until: condition, resolve }));
  }

  #wake(): void {
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.until()) return true;
      waiter.resolve();
      return false;
    });
  }
}
