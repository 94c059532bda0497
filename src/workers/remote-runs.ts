import { ConfabError, type ErrorCode } from '../domain/errors.ts';
import { emptyUsage, isTerminalRunStatus, type ContextInput, type ContextPart, type Project } from '../domain/schemas.ts';
import type { Fence } from '../engine/event-log/event-log.ts';
import { finish, type TerminalEnding } from '../engine/run/end-run.ts';
import { executeRun } from '../engine/run/execute-run.ts';
import { queueContinueOnce } from '../engine/run/take-over.ts';
import type { RemoteExecution, RemoteRun } from '../engine/run/remote-execution.ts';
import { abortReason, type AbortReason, type RunState } from '../engine/run/run-context.ts';
import type { Clock } from '../util/clock.ts';
import { checkedContextParts } from './context-requests.ts';
import { RunAssignment, type AssignmentEnd, type StopFrame } from './run-assignment.ts';
import type { WorkerDirectory, WorkerSession } from './worker-directory.ts';

export type RemoteRunsOptions = {
  directory: WorkerDirectory;
  clock: Clock;
  /** How long a run waits for a worker of its project before it fails with `worker_unavailable`. Default 10 min. */
  waitTimeoutMs?: number;
  /** How long a worker that lost its connection mid-run has to come back. Default 20 s. */
  reconnectGraceMs?: number;
  /** Longest a run may execute on a worker before it is stopped (`time_limit`). Default 1 h. */
  runTimeLimitMs?: number;
  /** Batches one run may have in flight from its worker. Default 64. */
  maxBatchesInFlight?: number;
  approvalTools?: string[];
  approvalExpiryMs?: number;
};

export const defaultWorkerTimings = { waitTimeoutMs: 10 * 60_000, reconnectGraceMs: 20_000, runTimeLimitMs: 60 * 60_000, maxBatchesInFlight: 64 };

/**
 * Runs of worker-served projects, executed on machine workers (the engine's `RemoteExecution`).
 * A run waits (visibly, `run-waiting`) until a worker of its project has a free slot, or fails
 * with `worker_unavailable` after `waitTimeoutMs`. A worker that vanishes before the run wrote
 * anything hands it to another worker; one that vanishes mid-run has `reconnectGraceMs` to resume,
 * after which this server claims the next attempt (fencing the worker out) and ends the run
 * `interrupted`, its partial message kept, then continued once on another online worker.
 */
export class RemoteRuns implements RemoteExecution {
  readonly #directory: WorkerDirectory;
  readonly #clock: Clock;
  readonly #timings: typeof defaultWorkerTimings;
  readonly #approvalTools: string[];
  readonly #approvalExpiryMs: number;
  readonly #assignments = new Map<string, RunAssignment>();

  constructor(options: RemoteRunsOptions) {
    this.#directory = options.directory;
    this.#clock = options.clock;
    this.#timings = {
      waitTimeoutMs: options.waitTimeoutMs ?? defaultWorkerTimings.waitTimeoutMs,
      reconnectGraceMs: options.reconnectGraceMs ?? defaultWorkerTimings.reconnectGraceMs,
      runTimeLimitMs: options.runTimeLimitMs ?? defaultWorkerTimings.runTimeLimitMs,
      maxBatchesInFlight: options.maxBatchesInFlight ?? defaultWorkerTimings.maxBatchesInFlight,
    };
    this.#approvalTools = options.approvalTools ?? [];
    this.#approvalExpiryMs = options.approvalExpiryMs ?? 24 * 60 * 60_000;
  }

  get maxBatchesInFlight(): number {
    return this.#timings.maxBatchesInFlight;
  }

  serves(project: Project): boolean {
    return this.#directory.serves(project);
  }

  /** Files attached to a message of a worker project are read by one of its online workers, in its directory. */
  async readContext(project: Project, inputs: ContextInput[], options: { maxBytes: number; newId: () => string }): Promise<ContextPart[]> {
    const session = this.#directory.serving(project.name);
    if (!session) {
      throw new ConfabError('worker_unavailable', `No machine worker of project ${project.name} is online to read the attached files from; attach their text instead, or send again when one is online.`);
    }
    return checkedContextParts(await session.readContext(project.name, inputs, options.maxBytes), inputs, options);
  }

  /** The current assignment of a run (for a worker's batches and resumes). */
  assignment(runId: string): RunAssignment | undefined {
    return this.#assignments.get(runId);
  }

  /** Assignments held by a worker (its connection closed: each gets its grace period). */
  assignmentsOf(workerName: string): RunAssignment[] {
    return [...this.#assignments.values()].filter((assignment) => assignment.workerName === workerName);
  }

  async execute(remote: RemoteRun): Promise<void> {
    try {
      await this.#execute(remote);
    } finally {
      await this.#cancelLeftApprovals(remote);
    }
  }

  /** An ended run's approvals still pending (an agent asked, then the run was stopped or lost) are cancelled here: the worker has no store. */
  async #cancelLeftApprovals(remote: RemoteRun): Promise<void> {
    const { conversation, deps, queued } = remote;
    const run = conversation.state.runs.find((candidate) => candidate.id === queued.id);
    if (!run || !isTerminalRunStatus(run.status)) return;
    if (!(conversation.state.approvals ?? []).some((approval) => approval.runId === run.id)) return;
    await deps.approvals.cancel(conversation.id, run.id).catch((error: unknown) => deps.logger.error('could not cancel the approvals a worker run left', { runId: run.id, error }));
  }

  async #execute(remote: RemoteRun): Promise<void> {
    const { conversation, signal } = remote;
    const projectName = conversation.projectName;
    let fence = remote.fence;
    const deadline = this.#clock.now() + this.#timings.waitTimeoutMs;
    let announced: 'offline' | 'busy' | undefined;
    while (true) {
      if (signal.aborted) return this.#endUnstarted(remote, fence, undefined);
      const session = this.#directory.pick(projectName);
      if (!session) {
        const reason = this.#directory.online(projectName) ? 'busy' : 'offline';
        if (announced !== reason) {
          announced = reason;
          const message = reason === 'offline' ? `Waiting for a worker for project ${projectName}: none is online.` : `Waiting for a worker for project ${projectName}: all of them are busy.`;
          conversation.writer(fence).emit({ type: 'run-waiting', runId: fence.runId, data: { projectName, reason, message, timeoutAt: deadline } });
        }
        const outcome = await this.#directory.waitForChange(signal, deadline - this.#clock.now());
        if (outcome === 'timeout') {
          const minutes = Math.round(this.#timings.waitTimeoutMs / 60_000);
          const waited = minutes >= 1 ? `${minutes} min` : `${Math.round(this.#timings.waitTimeoutMs / 1000)} s`;
          return this.#endUnstarted(remote, fence, new ConfabError('worker_unavailable', `No machine worker for project ${projectName} could take this run within ${waited}.`));
        }
        continue;
      }
      const assignment = await this.#run(remote, session, fence);
      const end = await assignment.ended;
      if (this.#assignments.get(fence.runId) === assignment) this.#assignments.delete(fence.runId);
      this.#directory.changed();
      if (end.kind === 'fenced') return;
      // A worker that shut down gracefully ended its run `interrupted` itself: it is handed back.
      if (end.kind === 'done') return this.#continueElsewhere(remote, fence, assignment.stopReason);
      // The worker is gone (or was refused): this server takes the next attempt, fencing it out.
      fence = { runId: fence.runId, attempt: fence.attempt + 1 };
      await conversation.claim(fence);
      if (!assignment.started && end.kind === 'lost' && !signal.aborted) {
        remote.deps.logger.warn('a worker left before starting a run; handing it to another', { runId: fence.runId, worker: assignment.workerName });
        announced = undefined;
        continue;
      }
      await this.#takeOver(remote, fence, endingFor(end, assignment.stopReason, signal));
      return this.#continueElsewhere(remote, fence, assignment.stopReason);
    }
  }

  /**
   * A run its worker left `interrupted` (lost mid-run, or shut down) is continued once by another
   * online worker of the project, as the cluster's take-over does (`continue-once`): a `continue`
   * run carries on from the partial message. With no worker online it stays `interrupted`. A run
   * this server stopped (stop, time limit, shutdown) is not continued.
   */
  async #continueElsewhere(remote: RemoteRun, fence: Fence, stopReason: AbortReason | undefined): Promise<void> {
    if (!remote.queueRun || remote.signal.aborted || stopReason) return;
    const writer = remote.conversation.writer(fence);
    await writer.flush();
    const run = writer.state.runs.find((candidate) => candidate.id === fence.runId);
    if (run?.status !== 'interrupted' || run.assistantMessageId === null) return;
    if (!this.#directory.online(remote.conversation.projectName)) return;
    const next = await queueContinueOnce(writer, run, remote.queueRun, remote.deps);
    if (next) remote.deps.logger.warn('continuing a run its worker left on another worker', { runId: run.id, continueRunId: next.id });
  }

  async #run(remote: RemoteRun, session: WorkerSession, fence: Fence): Promise<RunAssignment> {
    const { signal, deps } = remote;
    const assignment = new RunAssignment(session, {
      fence,
      queued: remote.queued,
      conversation: remote.conversation,
      deps,
      clock: this.#clock,
      graceMs: this.#timings.reconnectGraceMs,
      maxBatchesInFlight: this.#timings.maxBatchesInFlight,
      approvalTools: this.#approvalTools,
      approvalExpiryMs: this.#approvalExpiryMs,
    });
    this.#assignments.set(fence.runId, assignment);
    this.#directory.changed();
    const stopWith = (reason: AbortReason) => {
      if (reason.kind === 'fenced') return assignment.fenced('Another node took this run over.');
      const frame: StopFrame = reason.kind === 'time-limit' ? { type: 'stop', ...fence, reason: 'time-limit', limitMs: reason.limitMs } : { type: 'stop', ...fence, reason: reason.kind };
      assignment.stopReason = reason;
      assignment.stop(frame);
    };
    const onAbort = () => stopWith(abortReason(signal)!);
    signal.addEventListener('abort', onAbort, { once: true });
    const limitMs = this.#timings.runTimeLimitMs;
    const timer = this.#clock.setTimeout(() => stopWith({ kind: 'time-limit', limitMs }), limitMs);
    void assignment.ended.then(() => {
      signal.removeEventListener('abort', onAbort);
      this.#clock.clearTimeout(timer);
    });
    await assignment.start();
    if (signal.aborted) onAbort();
    return assignment;
  }

  /**
   * Ends a run no worker started: `failed` with `error` (no worker in time), or as its signal says
   * (stopped, interrupted on shutdown). Written by this server through the ordinary run loop, whose
   * model fails to resolve (so nothing runs here), so the user's message is kept and the end is stored.
   */
  async #endUnstarted(remote: RemoteRun, fence: Fence, error: ConfabError | undefined): Promise<void> {
    const failure = error ?? new ConfabError('worker_unavailable', 'The run ended before a worker took it.');
    const deps = {
      ...remote.deps,
      models: {
        resolve: (): never => {
          throw failure;
        },
      },
    };
    await executeRun(remote.conversation.writer(fence), remote.queued, '', remote.signal, deps);
  }

  /** Ends a run its worker abandoned: its partial message kept, unfinished tool calls settled as not run. */
  async #takeOver(remote: RemoteRun, fence: Fence, ending: TerminalEnding): Promise<void> {
    const writer = remote.conversation.writer(fence);
    await writer.flush();
    const run = writer.state.runs.find((candidate) => candidate.id === fence.runId);
    if (!run || isTerminalRunStatus(run.status) || run.status === 'requires-action') return;
    if (run.status === 'queued' || run.assistantMessageId === null) return this.#endUnstarted(remote, fence, ending.status === 'failed' ? new ConfabError(ending.error.code as ErrorCode, ending.error.message) : undefined);
    remote.deps.logger.warn('ending a run its worker abandoned', { runId: run.id, status: ending.status });
    let pricing;
    try {
      pricing = remote.deps.models.resolve(run.model).pricing;
    } catch {
      pricing = undefined;
    }
    const state: RunState = {
      live: writer,
      run,
      messageId: run.assistantMessageId,
      projectRoot: '',
      signal: new AbortController().signal,
      // What the worker used is lost with it: nothing is known, and that is said.
      usage: { ...emptyUsage(), estimated: true },
      attempts: run.attempts,
      steps: run.steps,
      agentSessionId: run.agentSessionId,
      reportedCost: null,
    };
    await finish(state, ending, pricing, remote.deps);
  }
}

function endingFor(end: AssignmentEnd, stopReason: AbortReason | undefined, signal: AbortSignal): TerminalEnding {
  if (end.kind === 'refused') return { status: 'failed', finishReason: 'error', error: end.error.toWire() };
  const reason = stopReason ?? abortReason(signal);
  if (reason?.kind === 'time-limit') {
    return { status: 'failed', finishReason: 'error', error: { code: 'time_limit', message: `The run took longer than its time limit (${Math.round(reason.limitMs / 1000)} s) and was stopped.` } };
  }
  if (reason?.kind === 'stop' || reason?.kind === 'delete') return { status: 'stopped', finishReason: 'stopped' };
  return { status: 'interrupted', finishReason: 'interrupted' };
}
