import { Worker } from 'node:worker_threads';
import type { Fence } from '../engine/event-log/event-log.ts';
import type { Subscription } from '../engine/subscription.ts';
import { encodeEvent } from '../events/encoded-event.ts';
import type { Logger } from '../util/logger.ts';
import type { RunAssignment, WorkerLink } from '../workers/run-assignment.ts';
import type { ServerFrame } from '../workers/worker-protocol.ts';
import { RunFeeds } from '../workers/run-feeds.ts';
import type { FromThread, RunThreadData, ThreadRunFrame, ToThread } from './run-thread-messages.ts';

/** The thread module beside this one, with this module's extension: `.ts` from source, `.js` in dist/. */
const threadUrl = new URL(`./run-thread${import.meta.url.slice(import.meta.url.lastIndexOf('.'))}`, import.meta.url);

/**
 * The main thread's end of one run thread, as the runs assigned to it see it (a `WorkerLink`, like
 * a machine worker's WebSocket): frames and the fed runs' events go out as one message per turn,
 * the thread's batches go to their assignment, which checks the fence. When the thread exits (it
 * crashed, or was ended), its assignments are detached: the runs are taken over.
 */
export class ThreadLink implements WorkerLink {
  readonly workerName: string;
  readonly worker: Worker;
  /** Assignments executing on this thread, by run id. */
  readonly assignments = new Map<string, RunAssignment>();
  /** Project directories of the runs about to be sent (the `run` frame carries it to the thread). */
  readonly roots = new Map<string, string>();
  readonly exited: Promise<void>;
  /** Resolves once the thread has loaded and takes runs (never, for a thread that exits first). */
  readonly ready: Promise<void>;
  #ready = false;
  #resolveReady!: () => void;
  readonly #logger: Logger;
  readonly #feeds = new RunFeeds(() => this.#schedule());
  #frames: ToThread['frames'] = [];
  #scheduled = false;
  #alive = true;

  constructor(name: string, data: RunThreadData, logger: Logger) {
    this.workerName = name;
    this.#logger = logger;
    this.worker = new Worker(threadUrl, { workerData: data, name });
    this.ready = new Promise((resolve) => (this.#resolveReady = resolve));
    this.worker.on('message', (message: FromThread) => this.#receive(message));
    this.worker.on('error', (error) => this.#logger.error('a run thread crashed', { thread: name, error }));
    this.exited = new Promise((resolve) => this.worker.once('exit', (code) => {
      this.#gone(code);
      resolve();
    }));
  }

  get alive(): boolean {
    return this.#alive;
  }

  /** Loaded and not exited: runs may go to it. */
  get takesRuns(): boolean {
    return this.#alive && this.#ready;
  }

  send(frame: ServerFrame): void {
    if (!this.#alive) return;
    const root = frame.type === 'run' ? this.roots.get(frame.runId) : undefined;
    if (frame.type === 'run') this.roots.delete(frame.runId);
    this.#frames.push(frame.type === 'run' ? ({ ...frame, projectRoot: root ?? '' } satisfies ThreadRunFrame) : frame);
    this.#schedule();
  }

  feed(fence: Fence, subscription: Subscription): void {
    subscription.relay = true;
    this.#feeds.add(fence, subscription);
  }

  unfeed(runId: string): void {
    this.#feeds.remove(runId);
  }

  /** The thread broke the protocol (it runs our own code, so this is a bug): it is ended, its runs taken over. */
  refuse(message: string): void {
    this.#logger.error('a run thread broke the worker protocol; ending it', { thread: this.workerName, message });
    void this.worker.terminate();
  }

  #schedule(): void {
    if (this.#scheduled || !this.#alive) return;
    this.#scheduled = true;
    setImmediate(() => this.#post());
  }

  /** One message: the turn's frames, then every fed run's new events, each event as the JSON the clients get. */
  #post(): void {
    this.#scheduled = false;
    if (!this.#alive) return;
    const relays: string[] = [];
    for (const { fence, subscription } of this.#feeds.values()) {
      const events = subscription.take();
      if (events.length === 0) continue;
      relays.push(`{"runId":${JSON.stringify(fence.runId)},"attempt":${fence.attempt},"events":[${events.map(encodeEvent).join(',')}]}`);
    }
    if (this.#frames.length === 0 && relays.length === 0) return;
    const message: ToThread = { frames: this.#frames, events: relays.length > 0 ? `[${relays.join(',')}]` : undefined };
    this.#frames = [];
    this.worker.postMessage(message);
  }

  #receive(message: FromThread): void {
    if (message.ready) {
      this.#ready = true;
      this.#resolveReady();
    }
    for (const line of message.logs ?? []) this.#logger[line.level](line.message, { thread: this.workerName, ...line.fields });
    for (const frame of message.frames) {
      if (frame.type !== 'batch') continue;
      const assignment = this.assignments.get(frame.runId);
      if (!assignment || assignment.fence.attempt !== frame.attempt) {
        this.send({ type: 'fenced', runId: frame.runId, attempt: frame.attempt, message: 'This run is no longer yours to write.' });
        continue;
      }
      assignment.batch(this, frame);
    }
  }

  #gone(code: number): void {
    this.#alive = false;
    this.#feeds.clear();
    if (this.assignments.size > 0) this.#logger.error('a run thread exited with runs on it; taking them over', { thread: this.workerName, code, runs: this.assignments.size });
    for (const assignment of this.assignments.values()) assignment.detached(this);
  }
}
