import { WebSocket, type RawData } from 'ws';
import { ConfabError } from '../domain/errors.ts';
import type { ContextInput } from '../domain/schemas.ts';
import { ContextRequests } from './context-requests.ts';
import type { Fence } from '../engine/event-log/event-log.ts';
import type { Subscription } from '../engine/subscription.ts';
import type { Logger } from '../util/logger.ts';
import type { RemoteRuns } from './remote-runs.ts';
import type { WorkerDirectory, WorkerSession } from './worker-directory.ts';
import { describeZodError, workerCloseCodes, WorkerFrameSchema, workerProtocolVersion, type ServerFrame, type WorkerFrame } from './worker-protocol.ts';
import type { WorkerRecord } from './worker-tokens.ts';
import { RunFeeds } from './run-feeds.ts';

export type WorkerConnectionLimits = {
  /** Server pings; a worker that missed the previous one is cut (so a stalled link is found within two intervals). */
  heartbeatMs: number;
  /** Bytes queued on the socket above which no more events are relayed until it drains. */
  highWaterBytes: number;
  /** Bytes queued on the socket at which the worker is cut: it does not read what it is sent. */
  maxBufferedBytes: number;
  /** Malformed frames tolerated before the connection is cut. */
  maxMalformedFrames: number;
  /** Time a new connection has to send `register`. */
  registerTimeoutMs: number;
};

/**
 * The server's end of one machine worker's WebSocket: registration (projects checked against the
 * token's scope), heartbeats, relaying each assigned run's events (only while the socket keeps up;
 * a subscription that overflows turns into a snapshot, so a slow worker never grows server memory),
 * and routing the worker's batches and resumes to their run's assignment, which checks the fence.
 */
export class WorkerConnection implements WorkerSession {
  readonly workerName: string;
  projects: ReadonlySet<string> = new Set();
  concurrency = 1;
  /** It said it is shutting down: it takes no new runs. */
  draining = false;
  readonly #ws: WebSocket;
  readonly #record: WorkerRecord;
  readonly #directory: WorkerDirectory;
  readonly #runs: RemoteRuns;
  readonly #limits: WorkerConnectionLimits;
  readonly #logger: Logger;
  readonly #feeds = new RunFeeds(() => this.#schedule());
  #registered = false;
  #alive = true;
  #malformed = 0;
  #closed = false;
  #scheduled = false;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #contextReads: ContextRequests;

  constructor(options: { ws: WebSocket; record: WorkerRecord; directory: WorkerDirectory; runs: RemoteRuns; limits: WorkerConnectionLimits; logger: Logger }) {
    this.#ws = options.ws;
    this.#record = options.record;
    this.workerName = options.record.name;
    this.#directory = options.directory;
    this.#runs = options.runs;
    this.#limits = options.limits;
    this.#logger = options.logger;
    this.#contextReads = new ContextRequests(this.workerName);
    this.#ws.on('message', (data: RawData, isBinary: boolean) => this.#onMessage(data, isBinary));
    this.#ws.on('pong', () => (this.#alive = true));
    this.#ws.on('close', () => this.#cleanup());
    this.#ws.on('error', () => this.#cleanup());
    const heartbeat = setInterval(() => {
      if (!this.#alive) return this.terminate();
      this.#alive = false;
      this.#ws.ping();
    }, this.#limits.heartbeatMs);
    const registerBy = setTimeout(() => {
      if (!this.#registered) this.refuse('no register frame in time');
    }, this.#limits.registerTimeoutMs);
    this.#timers.push(heartbeat, registerBy);
    for (const timer of this.#timers) timer.unref();
  }

  get running(): number {
    return this.#runs.assignmentsOf(this.workerName).length;
  }

  send(frame: ServerFrame): void {
    if (this.#closed || this.#ws.readyState !== WebSocket.OPEN) return;
    this.#ws.send(JSON.stringify(frame));
    if (this.#ws.bufferedAmount > this.#limits.maxBufferedBytes) {
      this.#logger.warn('machine worker does not read what it is sent; disconnecting it', { worker: this.workerName });
      this.terminate();
    }
  }

  feed(fence: Fence, subscription: Subscription): void {
    this.#feeds.add(fence, subscription);
  }

  unfeed(runId: string): void {
    this.#feeds.remove(runId);
  }

  /** The parts of files attached to a message, read in this worker's directory for the project. */
  readContext(projectName: string, context: ContextInput[], maxBytes: number): Promise<unknown[]> {
    if (this.#closed) return Promise.reject(new ConfabError('worker_unavailable', `Machine worker ${this.workerName} is not connected.`));
    return this.#contextReads.request((frame) => this.send(frame), projectName, context, maxBytes);
  }

  refuse(message: string): void {
    this.#close(workerCloseCodes.policy, message, { type: 'error', code: 'bad_request', message });
  }

  revoke(): void {
    this.#close(workerCloseCodes.revoked, 'token revoked', { type: 'error', code: 'unauthorized', message: 'This worker\'s token was revoked.' });
  }

  /** Another connection of the same worker took over (a reconnect that came before this one was found dead). */
  replaced(): void {
    this.#close(workerCloseCodes.replaced, 'replaced by a newer connection');
  }

  /** Closes with 1001 (the server is going away). */
  end(): void {
    this.#close(1001, 'server shutting down');
  }

  terminate(): void {
    this.#ws.terminate();
    this.#cleanup();
  }

  #close(code: number, reason: string, frame?: ServerFrame): void {
    if (frame) this.send(frame);
    if (this.#ws.readyState === WebSocket.OPEN) this.#ws.close(code, reason);
    this.#cleanup();
    // A peer that does not finish the closing handshake is cut.
    setTimeout(() => this.#ws.terminate(), 2_000).unref();
  }

  #onMessage(data: RawData, isBinary: boolean): void {
    if (this.#closed) return;
    let frame: WorkerFrame;
    try {
      if (isBinary) throw new Error('binary frames are not part of the protocol');
      const parsed = WorkerFrameSchema.safeParse(JSON.parse(String(data)));
      if (!parsed.success) throw new Error(describeZodError(parsed.error));
      frame = parsed.data;
    } catch (error) {
      this.#malformed++;
      this.send({ type: 'error', code: 'bad_request', message: `Malformed frame: ${(error as Error).message}` });
      if (this.#malformed > this.#limits.maxMalformedFrames) this.refuse('too many malformed frames');
      return;
    }
    if (frame.type === 'register') return this.#register(frame);
    if (!this.#registered) return this.refuse('the first frame must be register');
    if (frame.type === 'drain') {
      this.draining = true;
      return this.#directory.changed();
    }
    if (frame.type === 'context') return this.#contextReads.answer(frame);
    const assignment = this.#runs.assignment(frame.runId);
    if (!assignment || assignment.workerName !== this.workerName || assignment.fence.attempt !== frame.attempt) {
      return this.send({ type: 'fenced', runId: frame.runId, attempt: frame.attempt, message: `Attempt ${frame.attempt} of run ${frame.runId} is no longer the one that may write: the run was taken over or has ended.` });
    }
    if (frame.type === 'resume') {
      void assignment.resume(this, frame.after).catch((error: unknown) => this.#logger.error('could not resume a worker run', { runId: frame.runId, error }));
    } else {
      assignment.batch(this, frame);
    }
  }

  #register(frame: Extract<WorkerFrame, { type: 'register' }>): void {
    if (this.#registered) return this.refuse('register was already sent');
    if (frame.version !== workerProtocolVersion) {
      return this.#close(workerCloseCodes.refused, 'protocol version', { type: 'error', code: 'bad_request', message: `This server speaks worker protocol ${workerProtocolVersion}, not ${frame.version}.` });
    }
    const outside = frame.projects.filter((project) => !this.#record.projects.includes(project));
    if (outside.length > 0) {
      const message = `This worker's token does not cover project ${outside.join(', ')} (it covers ${this.#record.projects.join(', ')}).`;
      return this.#close(workerCloseCodes.refused, 'project outside the token', { type: 'error', code: 'forbidden', message });
    }
    this.projects = new Set(frame.projects);
    this.concurrency = frame.concurrency;
    this.#registered = true;
    this.#directory.attach(this)?.replaced();
    this.send({ type: 'registered', worker: this.workerName, projects: frame.projects, limits: { maxBatchesInFlight: this.#runs.maxBatchesInFlight, heartbeatMs: this.#limits.heartbeatMs } });
    this.#logger.info('machine worker registered', { worker: this.workerName, projects: frame.projects });
  }

  #schedule(): void {
    if (this.#scheduled || this.#closed) return;
    this.#scheduled = true;
    setImmediate(() => this.#flush());
  }

  /** Relays each fed run's events while the socket is under its high-water mark; looked at again when it drains. */
  #flush(): void {
    this.#scheduled = false;
    if (this.#closed || this.#ws.readyState !== WebSocket.OPEN) return;
    for (const { fence, subscription } of this.#feeds.values()) {
      if (this.#ws.bufferedAmount > this.#limits.highWaterBytes) {
        setTimeout(() => this.#schedule(), 25).unref();
        return;
      }
      const events = subscription.take();
      if (events.length > 0) this.send({ type: 'events', ...fence, events });
    }
  }

  #cleanup(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#feeds.clear();
    this.#contextReads.close();
    if (this.#registered) {
      this.#directory.detach(this);
      for (const assignment of this.#runs.assignmentsOf(this.workerName)) assignment.detached(this);
    }
  }
}
