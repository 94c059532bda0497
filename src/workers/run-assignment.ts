import { ConfabError } from '../domain/errors.ts';
import type { Run } from '../domain/schemas.ts';
import type { Fence } from '../engine/event-log/event-log.ts';
import type { RemoteConversation } from '../engine/run/remote-execution.ts';
import type { AbortReason, RunDependencies, RunWriter } from '../engine/run/run-context.ts';
import type { Subscription } from '../engine/subscription.ts';
import type { Clock, TimerHandle } from '../util/clock.ts';
import { BatchChecker } from './worker-batches.ts';
import type { ServerFrame, WorkerFrame } from './worker-protocol.ts';

/** The server's side of one worker connection, as an assignment uses it. */
export interface WorkerLink {
  readonly workerName: string;
  /** Queues a frame (bounded: a worker that stops reading is disconnected). */
  send(frame: ServerFrame): void;
  /** Drains the subscription into `events` frames for this fence while the socket keeps up. */
  feed(fence: Fence, subscription: Subscription): void;
  unfeed(runId: string): void;
  /** Ends the connection: the worker broke the protocol. */
  refuse(message: string): void;
}

export type StopFrame = Extract<ServerFrame, { type: 'stop' }>;

/** How an assignment ended: the worker finished the run loop, vanished, was refused, or this server lost the claim. */
export type AssignmentEnd = { kind: 'done' } | { kind: 'lost' } | { kind: 'refused'; error: ConfabError } | { kind: 'fenced' };

export type AssignmentOptions = {
  fence: Fence;
  queued: Run;
  conversation: RemoteConversation;
  deps: RunDependencies;
  clock: Clock;
  /** How long a worker that dropped its connection has to come back and resume. */
  graceMs: number;
  maxBatchesInFlight: number;
  approvalTools: string[];
  approvalExpiryMs: number;
};

/**
 * One run on one machine worker, under one fence: sends the run, relays the conversation's events
 * to the worker, and applies the worker's batches exactly once, in order, as events appended under
 * the fence (and store writes). Survives the worker's connection dropping for `graceMs`: a worker
 * that reconnects and resumes gets the events it missed and resends the batches not acknowledged.
 */
export class RunAssignment {
  readonly fence: Fence;
  readonly workerName: string;
  readonly #options: AssignmentOptions;
  readonly #writer: RunWriter;
  readonly #checker: BatchChecker;
  #link: WorkerLink | undefined;
  #subscription: Subscription | undefined;
  #appliedThrough = 0;
  #inFlight = 0;
  #chain: Promise<void> = Promise.resolve();
  #stop: StopFrame | undefined;
  #graceTimer: TimerHandle | undefined;
  #finished = false;
  #resolveEnd!: (end: AssignmentEnd) => void;
  /** Whether any batch was applied: the run has begun writing (and cannot simply be handed to another worker). */
  started = false;
  /** Why the run was asked to stop, if it was. */
  stopReason: AbortReason | undefined;
  readonly ended: Promise<AssignmentEnd>;

  constructor(link: WorkerLink, options: AssignmentOptions) {
    this.#options = options;
    this.fence = options.fence;
    this.workerName = link.workerName;
    this.#writer = options.conversation.writer(options.fence);
    this.#checker = new BatchChecker(options.fence, options.conversation, options.queued);
    this.ended = new Promise((resolve) => (this.#resolveEnd = resolve));
    this.#link = link;
  }

  get finished(): boolean {
    return this.#finished;
  }

  /** Sends the run with the conversation as of now, then its events from there on. */
  async start(): Promise<void> {
    const { conversation, fence } = this.#options;
    const link = this.#link!;
    const approvals = [];
    for (const message of conversation.state.messages) {
      if (message.runId !== this.fence.runId) continue;
      for (const part of message.parts) {
        if (part.kind !== 'tool-call' || part.state.status !== 'awaiting-approval') continue;
        const approval = await this.#options.deps.approvals.get(part.state.approvalId);
        if (approval) approvals.push(approval);
      }
    }
    // The state and its cursor are read together, with no await between them.
    const cursor = conversation.cursor;
    link.send({
      type: 'run',
      ...fence,
      conversationId: conversation.id,
      projectName: conversation.projectName,
      state: structuredClone(conversation.state),
      cursor,
      maxSteps: this.#options.deps.maxSteps,
      approvalTools: this.#options.approvalTools,
      approvalExpiryMs: this.#options.approvalExpiryMs,
      approvals,
    });
    await this.#attach(link, cursor);
  }

  /** The worker reconnected: events after its cursor, then which batches are applied. */
  async resume(link: WorkerLink, after: string): Promise<void> {
    if (this.#finished) return link.send({ type: 'fenced', ...this.fence, message: 'This run is no longer yours to write.' });
    this.#detachQuietly();
    this.#link = link;
    if (this.#graceTimer !== undefined) this.#options.clock.clearTimeout(this.#graceTimer);
    this.#graceTimer = undefined;
    // Batches still queued from the old connection are applied before the answer goes out.
    await this.#chain;
    link.send({ type: 'resumed', ...this.fence, appliedThrough: this.#appliedThrough, lastSeq: this.#writer.foldedSeq });
    await this.#attach(link, after);
    if (this.#stop) link.send(this.#stop);
  }

  /** Asks the worker to end the run; with no worker connected, it is ended at once (by the server). */
  stop(frame: StopFrame): void {
    this.#stop = frame;
    if (this.#link) this.#link.send(frame);
    else this.#finish({ kind: 'lost' });
  }

  /** This server lost the run's claim: the worker stops, writing nothing more. */
  fenced(message: string): void {
    this.#link?.send({ type: 'fenced', ...this.fence, message });
    this.#finish({ kind: 'fenced' });
  }

  /** The worker's connection is gone: it has `graceMs` to resume (none when a stop is already pending). */
  detached(link: WorkerLink): void {
    if (link !== this.#link || this.#finished) return;
    this.#detachQuietly();
    if (this.#stop) return this.#finish({ kind: 'lost' });
    this.#graceTimer = this.#options.clock.setTimeout(() => this.#finish({ kind: 'lost' }), this.#options.graceMs);
  }

  batch(link: WorkerLink, frame: Extract<WorkerFrame, { type: 'batch' }>): void {
    if (link !== this.#link || this.#finished) return link.send({ type: 'fenced', ...this.fence, message: 'This run is no longer yours to write.' });
    if (++this.#inFlight > this.#options.maxBatchesInFlight) return link.refuse(`more than ${this.#options.maxBatchesInFlight} batches in flight`);
    this.#chain = this.#chain
      .then(() => this.#apply(link, frame))
      .finally(() => this.#inFlight--);
  }

  async #apply(link: WorkerLink, frame: Extract<WorkerFrame, { type: 'batch' }>): Promise<void> {
    if (this.#finished) return link.send({ type: 'fenced', ...this.fence, message: 'This run is no longer yours to write.' });
    if (frame.seq <= this.#appliedThrough) return link.send({ type: 'ack', ...this.fence, seq: frame.seq, lastSeq: this.#writer.foldedSeq });
    if (frame.seq !== this.#appliedThrough + 1) return link.refuse(`batch ${frame.seq} arrived before batch ${this.#appliedThrough + 1}`);
    try {
      if (frame.events) {
        for (const { draft, persisted } of this.#checker.drafts(frame.events)) this.#writer.emit(draft, { persisted });
        await this.#writer.flush();
      }
      if (frame.commit) {
        const batch = this.#checker.commit(frame.commit);
        await this.#options.deps.persistence.commitNow({ ...batch, lastSeq: { [this.#options.conversation.id]: this.#writer.foldedSeq } });
        const pending = (batch.approvals ?? []).filter((approval) => approval.status === 'pending');
        if (pending.length > 0) this.#options.deps.approvals.requested(pending);
      }
    } catch (error) {
      const refusal = ConfabError.is(error) ? error : new ConfabError('internal', 'The server could not apply the worker\'s batch.');
      if (!ConfabError.is(error)) this.#options.deps.logger.error('could not apply a worker batch', { runId: this.fence.runId, error });
      link.send({ type: 'error', ...this.fence, code: refusal.code, message: refusal.message });
      link.send({ type: 'fenced', ...this.fence, message: 'The server ends this run.' });
      return this.#finish({ kind: 'refused', error: refusal });
    }
    this.#appliedThrough = frame.seq;
    this.started = true;
    link.send({ type: 'ack', ...this.fence, seq: frame.seq, lastSeq: this.#writer.foldedSeq });
    if (frame.done) this.#finish({ kind: 'done' });
  }

  async #attach(link: WorkerLink, after: string): Promise<void> {
    const subscription = await this.#options.conversation.subscribe(after, 2_000);
    if (this.#link !== link || this.#finished) return subscription.close();
    this.#subscription = subscription;
    link.feed(this.fence, subscription);
  }

  #detachQuietly(): void {
    this.#link?.unfeed(this.fence.runId);
    this.#subscription?.close();
    this.#subscription = undefined;
    this.#link = undefined;
  }

  #finish(end: AssignmentEnd): void {
    if (this.#finished) return;
    this.#finished = true;
    if (this.#graceTimer !== undefined) this.#options.clock.clearTimeout(this.#graceTimer);
    this.#detachQuietly();
    this.#resolveEnd(end);
  }
}
