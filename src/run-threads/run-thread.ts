/**
 * A run thread of `confab serve --workers N` (run-threads.ts starts it): executes the runs the
 * main thread assigns it with the ordinary run loop, on its own copy of the providers and tools,
 * exactly as a machine worker does (src/workers/worker-run.ts), its frames carried by `postMessage`
 * instead of a WebSocket. The provider streams are read here, off the main thread's event loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { RunDependencies, ToolExecutor } from '../engine/run/run-context.ts';
import { createModelRegistry } from '../providers/model-registry.ts';
import { createMcpTools } from '../tools/mcp/mcp-tools.ts';
import { createProjectTools } from '../tools/project/project-tools.ts';
import { ToolRegistry } from '../tools/tool-registry.ts';
import { systemClock } from '../util/clock.ts';
import { createIdGenerator } from '../util/ids.ts';
import type { Logger } from '../util/logger.ts';
import type { ServerFrame, WorkerFrame } from '../workers/worker-protocol.ts';
import { WorkerRun } from '../workers/worker-run.ts';
import type { FromThread, RunThreadData, ThreadLogLine, ThreadRunFrame, ToThread } from './run-thread-messages.ts';

const data = workerData as RunThreadData;
const port = parentPort!;
const outbox: FromThread = { frames: [] };
let scheduled = false;

/** Everything sent in one turn goes as one message, after the turn's I/O callbacks have run. */
function post(): void {
  scheduled = false;
  const message = { frames: outbox.frames, logs: outbox.logs };
  outbox.frames = [];
  outbox.logs = undefined;
  port.postMessage(message);
}

function schedule(): void {
  if (scheduled) return;
  scheduled = true;
  setImmediate(post);
}

function send(frame: WorkerFrame): void {
  outbox.frames.push(frame);
  schedule();
}

function log(level: ThreadLogLine['level'], message: string, fields?: Record<string, unknown>): void {
  (outbox.logs ??= []).push({ level, message, fields });
  schedule();
}

function threadLogger(bound: Record<string, unknown>): Logger {
  return {
    info: (message, fields) => log('info', message, { ...bound, ...fields }),
    warn: (message, fields) => log('warn', message, { ...bound, ...fields }),
    error: (message, fields) => log('error', message, { ...bound, ...fields }),
  };
}

const models = createModelRegistry(data.config);
const tools: ToolExecutor = createMcpTools({ config: data.config.mcp, clientVersion: data.clientVersion, logger: threadLogger({}) }) ?? projectTools();
const runs = new Map<string, WorkerRun>();
/**
 * Batches a run keeps in flight. The main thread applies a run's batches one after another, each
 * once appended to the (durable) log; with few in flight, the drafts emitted meanwhile merge into
 * the next batch, so a run's latency is a couple of appends, not a queue of 64 (measured: p50 about
 * 380 ms behind schedule at 25 streams with 64, see docs/benchmarks.md).
 */
const maxBatchesInFlight = 2;

function projectTools(): ToolRegistry {
  const registry = new ToolRegistry();
  for (const tool of createProjectTools()) registry.register(tool);
  return registry;
}

function start(frame: ThreadRunFrame): void {
  const logger = threadLogger({ conversationId: frame.conversationId, runId: frame.runId });
  const run = new WorkerRun(frame, { send, maxBatchesInFlight });
  const deps: RunDependencies = {
    persistence: { flush: async () => {}, commitNow: async () => {} },
    ids: createIdGenerator({ now: () => systemClock.now() }),
    clock: systemClock,
    random: Math.random,
    logger,
    models,
    tools,
    approvals: { needsApproval: () => false, expiryMs: 0, get: async () => undefined, requested: () => {}, cancel: async () => {} },
    retry: data.retry,
    maxSteps: frame.maxSteps,
  };
  runs.set(frame.runId, run);
  // A project served only by machine workers has no directory here ('').
  run.execute(frame.projectRoot || '', deps).then(
    () => undefined,
    (error: unknown) => logger.error('run crashed on its thread', { error }),
  ).finally(() => {
    if (runs.get(frame.runId) === run) runs.delete(frame.runId);
  });
}

function receive(frame: ServerFrame | ThreadRunFrame): void {
  if (frame.type === 'run') return start(frame as ThreadRunFrame);
  if (frame.type === 'registered' || frame.type === 'read-context' || frame.runId === undefined) return;
  const run = runs.get(frame.runId);
  if (run && run.fence.attempt === frame.attempt) run.receive(frame);
}

port.on('message', (message: ToThread) => {
  for (const frame of message.frames) receive(frame);
  if (message.events === undefined) return;
  for (const relay of JSON.parse(message.events) as Extract<ServerFrame, { type: 'events' }>[]) receive({ ...relay, type: 'events' });
});

// Loading the providers takes a while (seconds on a busy machine): runs go to this thread from now on.
port.postMessage({ frames: [], ready: true } satisfies FromThread);
