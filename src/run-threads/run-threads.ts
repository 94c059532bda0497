import { isAgentSource } from '../agents/agent-source.ts';
import type { ContextInput, ContextPart, Project, Run } from '../domain/schemas.ts';
import { resolveContext } from '../tools/context.ts';
import type { Fence } from '../engine/event-log/event-log.ts';
import { executeRun } from '../engine/run/execute-run.ts';
import type { RemoteExecution, RemoteRun } from '../engine/run/remote-execution.ts';
import { abortReason, type AbortReason } from '../engine/run/run-context.ts';
import { takeOverRun } from '../engine/run/take-over.ts';
import { isTerminalRunStatus } from '../domain/schemas.ts';
import type { Store } from '../store/store.ts';
import type { Clock } from '../util/clock.ts';
import type { Logger } from '../util/logger.ts';
import { RunAssignment, type AssignmentEnd, type StopFrame } from '../workers/run-assignment.ts';
import type { RunThreadData } from './run-thread-messages.ts';
import { ThreadLink } from './thread-link.ts';

export type RunThreadsOptions = {
  /** Threads to start (at least 1). */
  count: number;
  data: RunThreadData;
  store: Pick<Store, 'getProject'>;
  clock: Clock;
  logger: Logger;
  /** Queues the `continue` run that carries on after a run whose thread crashed (once). */
  queueContinue: (run: Run) => Promise<void>;
  approvalTools?: string[];
  approvalExpiryMs?: number;
  /** Batches one run may have in flight from its thread. Default 64 (the thread keeps to 64). */
  maxBatchesInFlight?: number;
  /** Machine workers: the runs of the projects they serve go to them, never to a thread. */
  machine?: RemoteExecution;
};

/**
 * `confab serve --workers N`: the runs of provider models execute on N worker threads of this
 * process, the main thread keeping HTTP, WebSocket, fan-out and the store. To the hub a run on a
 * thread is a run on a machine worker (the engine's `RemoteExecution`, src/workers/run-assignment.ts):
 * its events are appended here under its fence, stops and approvals reach it as frames. A thread
 * that exits is a lost worker: its runs are taken over (interrupted, partial kept, continued once)
 * and the next run starts a new thread in its place. Coding agents' runs stay on the main thread,
 * and so do runs that start while no thread has loaded yet.
 */
export class RunThreads implements RemoteExecution {
  readonly #options: RunThreadsOptions;
  readonly #links: ThreadLink[] = [];
  #started = 0;
  #closed = false;
  /** Runs handed to a thread so far. */
  assigned = 0;

  constructor(options: RunThreadsOptions) {
    this.#options = options;
    for (let index = 0; index < Math.max(1, options.count); index++) this.#links.push(this.#spawn());
  }

  /** The threads, in order (tests end one to see its runs taken over). */
  get links(): readonly ThreadLink[] {
    return this.#links;
  }

  serves(project: Project): boolean {
    return !this.#closed || (this.#options.machine?.serves(project) ?? false);
  }

  /** Attached files are read here (a thread shares this machine's directories), or by the machine worker serving the project. */
  readContext(project: Project, inputs: ContextInput[], options: { maxBytes: number; newId: () => string }): Promise<ContextPart[]> {
    const machine = this.#options.machine;
    if (machine?.serves(project)) return machine.readContext(project, inputs, options);
    return resolveContext(project.path, inputs, options);
  }

  async execute(remote: RemoteRun): Promise<void> {
    const { queued, conversation, signal, deps } = remote;
    const project = await this.#options.store.getProject(conversation.projectName);
    const machine = this.#options.machine;
    if (project && machine?.serves(project)) return machine.execute(remote);
    const link = this.#pick();
    if (!link || !this.#onThread(remote)) {
      await executeRun(conversation.writer(remote.fence), queued, project?.path || undefined, signal, deps);
      return;
    }
    const assignment = new RunAssignment(link, {
      fence: remote.fence,
      queued,
      conversation,
      deps,
      clock: this.#options.clock,
      // A thread does not come back: its runs are taken over at once.
      graceMs: 0,
      maxBatchesInFlight: this.#options.maxBatchesInFlight ?? 64,
      approvalTools: this.#options.approvalTools ?? [],
      approvalExpiryMs: this.#options.approvalExpiryMs ?? 24 * 60 * 60_000,
    });
    link.assignments.set(queued.id, assignment);
    this.assigned++;
    link.roots.set(queued.id, project?.path ?? '');
    const onAbort = () => stopAssignment(assignment, remote.fence, abortReason(signal)!);
    signal.addEventListener('abort', onAbort, { once: true });
    let end: AssignmentEnd;
    try {
      await assignment.start();
      if (signal.aborted) onAbort();
      end = await assignment.ended;
    } finally {
      signal.removeEventListener('abort', onAbort);
      if (link.assignments.get(queued.id) === assignment) link.assignments.delete(queued.id);
      link.roots.delete(queued.id);
    }
    if (end.kind === 'done' || end.kind === 'fenced') return;
    await this.#takeOver(remote, end);
  }

  /** Ends the threads (after the hub has ended or handed back their runs). */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#links.map(async (link) => {
      await link.worker.terminate();
      await link.exited;
    }));
  }

  /** Provider models run on a thread; coding agents (processes this server drives) and unknown models here. */
  #onThread(remote: RemoteRun): boolean {
    try {
      return !isAgentSource(remote.deps.models.resolve(remote.queued.model).source);
    } catch {
      return false;
    }
  }

  /** Resolves once every thread has loaded (runs before that execute on the main thread). */
  get ready(): Promise<void> {
    return Promise.all(this.#links.map((link) => link.ready)).then(() => undefined);
  }

  /** Resolves once every thread has loaded, or after `ms`, whichever comes first. */
  async whenReady(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.ready, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  /**
   * The loaded thread with the fewest runs; a thread that exited is replaced first. None while
   * every thread is still loading: the run then executes on the main thread rather than wait.
   */
  #pick(): ThreadLink | undefined {
    for (let index = 0; index < this.#links.length; index++) {
      if (!this.#links[index].alive) this.#links[index] = this.#spawn();
    }
    let best: ThreadLink | undefined;
    for (const link of this.#links) if (link.takesRuns && (!best || link.assignments.size < best.assignments.size)) best = link;
    return best;
  }

  /** Threads keep the process alive (a run's end may be on its way from one while the server shuts down) until `close`. */
  #spawn(): ThreadLink {
    return new ThreadLink(`run-thread-${++this.#started}`, this.#options.data, this.#options.logger);
  }

  /** The thread is gone mid-run: this server takes the next attempt, fencing it out, and ends the run as a lost worker's. */
  async #takeOver(remote: RemoteRun, end: AssignmentEnd): Promise<void> {
    const fence: Fence = { runId: remote.fence.runId, attempt: remote.fence.attempt + 1 };
    await remote.conversation.claim(fence);
    const writer = remote.conversation.writer(fence);
    await writer.flush();
    const run = writer.state.runs.find((candidate) => candidate.id === fence.runId);
    if (!run || isTerminalRunStatus(run.status) || run.status === 'requires-action') return;
    if (end.kind === 'refused') remote.deps.logger.error('a run thread sent what the server refused', { runId: run.id, error: end.error });
    // Stopped or shut down while its thread died: ended, not continued.
    const policy = remote.signal.aborted || end.kind === 'refused' ? 'interrupt' : 'continue-once';
    await takeOverRun(writer, run, { policy, signal: new AbortController().signal, queueContinue: remote.queueRun ?? this.#options.queueContinue }, remote.deps);
  }
}

function stopAssignment(assignment: RunAssignment, fence: Fence, reason: AbortReason): void {
  if (reason.kind === 'fenced') return assignment.fenced('Another node took this run over.');
  const frame: StopFrame = reason.kind === 'time-limit' ? { type: 'stop', ...fence, reason: 'time-limit', limitMs: reason.limitMs } : { type: 'stop', ...fence, reason: reason.kind };
  assignment.stopReason = reason;
  assignment.stop(frame);
}
