import { WebSocket, type RawData } from 'ws';
import { ConfabError } from '../domain/errors.ts';
import { resolveContext } from '../tools/context.ts';
import { defaultReconnectOptions, reconnectDelay, type ReconnectOptions } from '../client/backoff.ts';
import type { RunDependencies } from '../engine/run/run-context.ts';
import { defaultRetryOptions } from '../engine/run/retry-policy.ts';
import type { ModelResolver, ToolExecutor } from '../engine/run/run-context.ts';
import { systemClock, type Clock } from '../util/clock.ts';
import { createIdGenerator } from '../util/ids.ts';
import { withFields, type Logger } from '../util/logger.ts';
import { ServerFrameSchema, workerCloseCodes, workerProtocolVersion, workerSocketPath, type ServerFrame, type WorkerFrame } from './worker-protocol.ts';
import { WorkerRun } from './worker-run.ts';

export type MachineWorkerOptions = {
  /** The server's http(s) URL. */
  serverUrl: string;
  token: string;
  /** Project name → the real path of its directory on this machine. */
  projects: Map<string, string>;
  /** Runs executed at once. */
  concurrency: number;
  /** This machine's models (its own provider keys and agents): the model id of each run resolves here. */
  models: ModelResolver;
  tools: ToolExecutor;
  logger: Logger;
  clock?: Clock;
  random?: () => number;
  reconnect?: Partial<ReconnectOptions>;
  /** Told of connection changes (for the CLI's status lines). */
  onStatus?: (status: WorkerStatus) => void;
};

export type WorkerStatus =
  | { kind: 'registered'; worker: string; projects: string[] }
  | { kind: 'disconnected'; retryInMs: number; reason: string }
  | { kind: 'refused'; code: number; message: string };

/**
 * `confab worker --server URL --token T`: connects out to the server's worker WebSocket (no port
 * of its own), registers its projects, takes the runs the server sends, executes them here (the
 * ordinary run loop, with this machine's models and tools confined to the project's directory) and
 * streams their events back. Reconnects with exponential back-off and jitter, resuming the runs it
 * was executing; a connection with no ping from the server for two heartbeats is counted dead.
 * Gives up only when the server refuses it (a revoked token, a project outside its scope).
 */
export class MachineWorker {
  readonly #options: MachineWorkerOptions;
  readonly #clock: Clock;
  readonly #runs = new Map<string, { run: WorkerRun; done: Promise<void> }>();
  readonly #logger: Logger;
  #ws: WebSocket | undefined;
  #attempt = 0;
  #maxBatchesInFlight = 64;
  #heartbeatMs = 10_000;
  #watchdog: NodeJS.Timeout | undefined;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #closing = false;
  #resolveEnded!: (outcome: { refused?: { code: number; message: string } }) => void;
  /** Resolves when the worker stops for good: closed, or refused by the server. */
  readonly ended: Promise<{ refused?: { code: number; message: string } }>;

  constructor(options: MachineWorkerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.ended = new Promise((resolve) => (this.#resolveEnded = resolve));
  }

  start(): void {
    this.#connect();
  }

  /** Ends the runs executing here (`interrupted`, written through the server when it can be reached within `graceMs`) and disconnects. */
  async close(graceMs = 5_000): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#reconnectTimer);
    // No more runs for this worker; the ones it ends here are continued by another worker.
    this.#send({ type: 'drain' });
    for (const { run } of this.#runs.values()) run.shutdown();
    const settled = Promise.all([...this.#runs.values()].map(({ done }) => done));
    await Promise.race([settled, new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    clearTimeout(this.#watchdog);
    this.#ws?.close(1000, 'worker stopping');
    this.#resolveEnded({});
  }

  #connect(): void {
    const url = new URL(workerSocketPath, this.#options.serverUrl.replace(/^http/, 'ws'));
    const ws = new WebSocket(url, { headers: { authorization: `Bearer ${this.#options.token}` }, perMessageDeflate: false, handshakeTimeout: 15_000 });
    this.#ws = ws;
    let refusal: string | undefined;
    ws.on('open', () => {
      this.#send({ type: 'register', version: workerProtocolVersion, projects: [...this.#options.projects.keys()], concurrency: this.#options.concurrency });
      this.#feedWatchdog();
    });
    ws.on('ping', () => this.#feedWatchdog());
    ws.on('message', (data: RawData) => {
      this.#feedWatchdog();
      let frame: ServerFrame;
      try {
        frame = ServerFrameSchema.parse(JSON.parse(String(data)));
      } catch (error) {
        this.#logger.error('malformed frame from the server', { error });
        return;
      }
      if (frame.type === 'error' && frame.runId === undefined) refusal = frame.message;
      this.#receive(frame);
    });
    ws.on('unexpected-response', (_request, response) => {
      refusal = `the server answered ${response.statusCode}`;
      if (response.statusCode === 401) {
        this.#stopForGood(workerCloseCodes.revoked, 'The server refused the worker token (401): it is wrong or was revoked.');
      }
      ws.terminate();
    });
    ws.on('error', (error) => {
      refusal ??= error.message;
    });
    ws.on('close', (code: number) => {
      clearTimeout(this.#watchdog);
      for (const { run } of this.#runs.values()) run.disconnected();
      if (this.#closing) return;
      if (code === workerCloseCodes.revoked || code === workerCloseCodes.refused) return this.#stopForGood(code, refusal ?? `closed with ${code}`);
      this.#attempt++;
      const delay = reconnectDelay(this.#attempt, { ...defaultReconnectOptions, ...this.#options.reconnect }, this.#options.random ?? Math.random);
      this.#options.onStatus?.({ kind: 'disconnected', retryInMs: delay, reason: refusal ?? `closed with ${code}` });
      this.#reconnectTimer = setTimeout(() => this.#connect(), delay);
    });
  }

  #receive(frame: ServerFrame): void {
    if (frame.type === 'registered') {
      this.#attempt = 0;
      this.#maxBatchesInFlight = frame.limits.maxBatchesInFlight;
      this.#heartbeatMs = frame.limits.heartbeatMs;
      this.#feedWatchdog();
      this.#options.onStatus?.({ kind: 'registered', worker: frame.worker, projects: frame.projects });
      for (const { run } of this.#runs.values()) run.reconnected();
      return;
    }
    // A run sent before the server read `drain` is left unstarted: the server hands it to another worker when this one leaves.
    if (frame.type === 'run') return this.#closing ? undefined : this.#start(frame);
    if (frame.type === 'read-context') return void this.#readContext(frame);
    if (frame.type === 'error' && frame.runId === undefined) {
      this.#logger.warn('the server reported an error', { code: frame.code, message: frame.message });
      return;
    }
    const entry = frame.runId === undefined ? undefined : this.#runs.get(frame.runId);
    if (!entry || entry.run.fence.attempt !== frame.attempt) return;
    if (frame.type === 'error') this.#logger.warn('the server refused a batch of a run', { runId: frame.runId, code: frame.code, message: frame.message });
    if (frame.type === 'fenced') this.#logger.warn('this worker no longer holds a run; stopping it', { runId: frame.runId, message: frame.message });
    entry.run.receive(frame);
  }

  #start(frame: Extract<ServerFrame, { type: 'run' }>): void {
    const logger = withFields(this.#logger, { conversationId: frame.conversationId, runId: frame.runId });
    const root = this.#options.projects.get(frame.projectName);
    const run = new WorkerRun(frame, { send: (out) => this.#send(out), maxBatchesInFlight: this.#maxBatchesInFlight });
    if (root === undefined) {
      // The server only sends runs of registered projects; refuse loudly rather than guess a directory.
      logger.error('the server sent a run of a project this worker does not serve', { projectName: frame.projectName });
      return;
    }
    const deps: RunDependencies = {
      persistence: { flush: async () => {}, commitNow: async () => {} },
      ids: createIdGenerator({ now: () => this.#clock.now() }),
      clock: this.#clock,
      random: this.#options.random ?? Math.random,
      logger,
      models: this.#options.models,
      tools: this.#options.tools,
      approvals: { needsApproval: () => false, expiryMs: 0, get: async () => undefined, requested: () => {}, cancel: async () => {} },
      retry: defaultRetryOptions,
      maxSteps: frame.maxSteps,
    };
    logger.info('run started on this worker', { projectName: frame.projectName });
    const done = run.execute(root, deps).then(
      () => logger.info('run ended on this worker'),
      (error: unknown) => logger.error('run crashed on this worker', { error }),
    );
    this.#runs.set(frame.runId, { run, done });
    void done.finally(() => {
      if (this.#runs.get(frame.runId)?.run === run) this.#runs.delete(frame.runId);
    });
  }

  /** Reads files a client attached to a message, in this machine's directory for the project, with the server's confinement and limit. */
  async #readContext(frame: Extract<ServerFrame, { type: 'read-context' }>): Promise<void> {
    const root = this.#options.projects.get(frame.projectName);
    try {
      if (root === undefined) throw new ConfabError('not_found', `This worker does not serve project ${frame.projectName}.`);
      let next = 0;
      const parts = await resolveContext(root, frame.context, { newId: () => `part_${++next}`, maxBytes: frame.maxBytes });
      this.#send({ type: 'context', requestId: frame.requestId, parts });
    } catch (error) {
      if (!ConfabError.is(error)) this.#logger.error('could not read attached files', { projectName: frame.projectName, error });
      const refusal = ConfabError.is(error) ? error.toWire() : { code: 'internal', message: 'The worker could not read the attached files.' };
      this.#send({ type: 'context', requestId: frame.requestId, error: refusal });
    }
  }

  #send(frame: WorkerFrame): void {
    if (this.#ws?.readyState === WebSocket.OPEN) this.#ws.send(JSON.stringify(frame));
  }

  /** A connection that hears nothing from the server (not even a ping) for two heartbeats and a half is dead. */
  #feedWatchdog(): void {
    clearTimeout(this.#watchdog);
    const ws = this.#ws;
    this.#watchdog = setTimeout(() => {
      this.#logger.warn('no heartbeat from the server; reconnecting');
      ws?.terminate();
    }, this.#heartbeatMs * 2.5);
  }

  #stopForGood(code: number, message: string): void {
    if (this.#closing) return;
    this.#closing = true;
    clearTimeout(this.#watchdog);
    for (const { run } of this.#runs.values()) run.shutdown();
    this.#options.onStatus?.({ kind: 'refused', code, message });
    this.#resolveEnded({ refused: { code, message } });
  }
}
