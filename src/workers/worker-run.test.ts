import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emptyUsage, type ConversationState, type Message } from '../domain/schemas.ts';
import { formatCursor } from '../events/cursor.ts';
import { newRunRecord } from '../engine/run/new-run.ts';
import { defaultRetryOptions } from '../engine/run/retry-policy.ts';
import type { RunDependencies } from '../engine/run/run-context.ts';
import type { StepSource, StreamPart } from '../providers/stream-part.ts';
import { silentLogger } from '../util/logger.ts';
import type { ServerFrame, WorkerFrame } from './worker-protocol.ts';
import { WorkerRun } from './worker-run.ts';

const conversationId = 'conv_1';
const runId = 'run_1';

function runFrame(): Extract<ServerFrame, { type: 'run' }> {
  const input: Message = { id: 'msg_user', conversationId, role: 'user', parentId: null, parts: [{ id: 'p1', kind: 'text', text: 'Go' }], status: 'completed', runId, model: null, usage: null, cost: null, createdAt: 1, updatedAt: 1 };
  const run = newRunRecord({ conversationId, model: 'fake/m1', createdAt: 1 }, { id: runId, trigger: 'send', userMessageId: input.id, input, clientRequestId: null });
  const state: ConversationState = {
    conversation: { id: conversationId, projectName: 'p', title: '', model: 'fake/m1', systemPrompt: '', busyPolicy: 'enqueue', usage: emptyUsage(), cost: null, createdAt: 1, updatedAt: 1 },
    messages: [input],
    runs: [run],
  };
  return { type: 'run', runId, attempt: 1, conversationId, projectName: 'p', state, cursor: formatCursor('e', 1), maxSteps: 4, approvalTools: [], approvalExpiryMs: 60_000, approvals: [] };
}

/**
 * The server's side as the worker sees it, speaking the protocol: each batch's drafts are appended
 * (numbered events relayed back) and acknowledged — unless `holding`, when batches are kept unanswered,
 * as a server that does not keep up (or a link that stalls) would.
 */
function fakeServer() {
  let seq = 1;
  let run: WorkerRun | undefined;
  const held: Extract<WorkerFrame, { type: 'batch' }>[] = [];
  const server = {
    holding: false,
    held,
    /** The text of every part-delta applied. */
    text: '',
    attach(worker: WorkerRun) {
      run = worker;
    },
    receive(frame: WorkerFrame) {
      if (frame.type !== 'batch') return;
      if (server.holding) return void held.push(frame);
      queueMicrotask(() => server.apply(frame));
    },
    apply(frame: Extract<WorkerFrame, { type: 'batch' }>) {
      for (const draft of frame.events ?? []) if (draft.type === 'part-delta') server.text += (draft.data as { delta: string }).delta;
      const events = (frame.events ?? []).map((draft) => ({ ...draft, seq: ++seq, cursor: formatCursor('e', seq), at: 1, conversationId }));
      if (events.length > 0) run!.receive({ type: 'events', runId, attempt: 1, events });
      run!.receive({ type: 'ack', runId, attempt: 1, seq: frame.seq, lastSeq: seq });
    },
    releaseHeld() {
      server.holding = false;
      for (const frame of held.splice(0)) server.apply(frame);
    },
  };
  return server;
}

/** A model that streams `count` deltas of `size` characters as fast as it is read, counting the parts read. */
function fastModel(count: number, size: number, onRead: (read: number) => void) {
  const model = { read: 0 };
  const source: StepSource = {
    async *stream(): AsyncIterable<StreamPart> {
      const parts: StreamPart[] = [{ type: 'text-start', id: 't' }, ...Array.from({ length: count }, (): StreamPart => ({ type: 'text-delta', id: 't', delta: 'x'.repeat(size) })), { type: 'text-end', id: 't' }, { type: 'finish', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: count } }];
      for (const part of parts) {
        onRead(++model.read);
        yield part;
      }
    },
  };
  return { model, source };
}

function dependencies(source: StepSource): RunDependencies {
  let id = 0;
  return {
    persistence: { flush: async () => {}, commitNow: async () => {} },
    ids: (prefix: string) => `${prefix}_${++id}`,
    clock: { now: () => 1, setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms), clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout) },
    random: () => 0.5,
    logger: silentLogger,
    models: { resolve: () => ({ source, pricing: undefined }) },
    tools: { specs: () => [], execute: async () => ({ output: null, isError: true }) },
    approvals: { needsApproval: () => false, expiryMs: 0, get: async () => undefined, requested: () => {}, cancel: async () => {} },
    retry: defaultRetryOptions,
    maxSteps: 4,
  } as RunDependencies;
}

/** Lets every pending callback and I/O turn run (no timing is asserted: the outcome must be the same however long it is). */
async function settle(turns = 50): Promise<void> {
  for (let turn = 0; turn < turns; turn++) await new Promise((resolve) => setImmediate(resolve));
}

test('a server that stops acknowledging does not grow the worker\'s memory: the model is read no further once 64 KiB of drafts wait, and everything arrives once it acknowledges again', async () => {
  const server = fakeServer();
  const deltas = 2_000;
  const size = 1_024;
  // From the fifth part read on, the server answers nothing.
  const { model, source } = fastModel(deltas, size, (read) => {
    if (read === 5) server.holding = true;
  });
  const maxQueuedBytes = 64 * 1024;
  const run = new WorkerRun(runFrame(), { send: (frame) => server.receive(frame), maxBatchesInFlight: 8, maxQueuedBytes });
  server.attach(run);
  const done = run.execute('/nowhere', dependencies(source));
  await settle();
  const readWhileHeld = model.read;
  await settle();
  assert.equal(model.read, readWhileHeld, 'the model stream is paused, not read on');
  assert.ok(readWhileHeld < deltas / 4, `read ${readWhileHeld} of ${deltas + 3} parts`);
  // Bounded by the limit plus the one part read after it was reached (a delta's draft is well under 2 KiB).
  assert.ok(run.queuedBytes >= maxQueuedBytes && run.queuedBytes < maxQueuedBytes + 2_048, `queued ${run.queuedBytes} bytes`);
  assert.ok(server.held.length <= 8, 'never more batches in flight than the window');

  server.releaseHeld();
  await done;
  assert.equal(model.read, deltas + 3);
  assert.equal(server.text, 'x'.repeat(deltas * size), 'every delta applied once, in order');
  assert.equal(run.queuedBytes, 0);
});
