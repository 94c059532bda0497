import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConversationState, Message, Run } from '../domain/schemas.ts';
import { parseEvent, type ConfabEvent, type ConfabEventOf, type EventData, type EventType } from '../events/definitions.ts';
import { fromDetail, queueOf, reconcile, statusOf, type ReconciledState } from './watch-reducer.ts';

const conversationId = 'conv_1';

/** An event as the server would send it; validated against the shared definitions so tests cannot drift from the wire. */
function event<T extends EventType>(seq: number, type: T, data: EventData<T>, runId: string | null = 'run_1'): ConfabEventOf<T> {
  const parsed = parseEvent({ seq, cursor: `E.${seq}`, conversationId, runId, type, at: 1_000 + seq, data });
  assert.ok(parsed.ok, parsed.ok ? '' : parsed.message);
  return parsed.event as ConfabEventOf<T>;
}

function run(id: string, status: Run['status'], input: Message | null = null): Run {
  return {
    id,
    conversationId,
    status,
    trigger: 'send',
    model: 'test/model',
    userMessageId: input?.id ?? null,
    assistantMessageId: null,
    input,
    clientRequestId: null,
    finishReason: null,
    usage: { inputTokens: 0, outputTokens: 0 },
    cost: null,
    attempts: 0,
    steps: 0,
    error: null,
    agentSessionId: null,
    createdAt: 1,
    startedAt: null,
    endedAt: null,
  };
}

function message(id: string, role: Message['role'], text: string): Message {
  return {
    id,
    conversationId,
    role,
    parts: text === '' ? [] : [{ id: `${id}_part`, kind: 'text', text }],
    status: role === 'user' ? 'completed' : 'streaming',
    runId: 'run_1',
    model: null,
    usage: null,
    cost: null,
    createdAt: 1,
    updatedAt: 1,
  };
}

function baseState(): ConversationState {
  return {
    conversation: {
      id: conversationId,
      projectName: 'demo',
      title: 'Greeting',
      model: 'test/model',
      systemPrompt: '',
      busyPolicy: 'enqueue',
      usage: { inputTokens: 0, outputTokens: 0 },
      cost: null,
      createdAt: 1,
      updatedAt: 1,
    },
    messages: [message('msg_user', 'user', 'Hi'), message('msg_assistant', 'assistant', '')],
    runs: [run('run_1', 'running')],
  };
}

/** Folds events in order, keeping every intermediate result. */
function foldAll(start: ReconciledState, events: ConfabEvent[]): { final: ReconciledState; accepted: number[] } {
  let current = start;
  const accepted: number[] = [];
  for (const next of events) {
    const result = reconcile(current, next);
    if (!result) continue;
    accepted.push(next.seq);
    current = result;
  }
  return { final: current, accepted };
}

const text = (state: ConversationState, index: number) => state.messages[index].parts.map((part) => ('text' in part ? part.text : '')).join('');

describe('reconcile', () => {
  test('starts from the loaded state at the seq its cursor names', () => {
    const start = fromDetail(baseState(), 'E.5');
    assert.equal(start.lastSeq, 5);
    assert.equal(start.cursor, 'E.5');
    assert.deepEqual(fromDetail(baseState(), 'not-a-cursor'), { state: baseState(), lastSeq: -1, cursor: null, retry: null });
  });

  test('events with seq <= lastSeq are dropped, so a replay overlapping what was seen shows nothing twice', () => {
    const start = fromDetail(baseState(), 'E.5');
    const stream = [
      event(6, 'part-start', { messageId: 'msg_assistant', partId: 'p1', kind: 'text' }),
      event(7, 'part-delta', { messageId: 'msg_assistant', partId: 'p1', delta: 'Hel' }),
    ];
    const resumed = [
      event(4, 'part-end', { messageId: 'msg_user', partId: 'x' }),
      event(6, 'part-start', { messageId: 'msg_assistant', partId: 'p1', kind: 'text' }),
      event(7, 'part-delta', { messageId: 'msg_assistant', partId: 'p1', delta: 'Hel' }),
      event(8, 'part-delta', { messageId: 'msg_assistant', partId: 'p1', delta: 'lo' }),
    ];
    const { final, accepted } = foldAll(start, [...stream, ...resumed]);
    assert.deepEqual(accepted, [6, 7, 8]);
    assert.equal(text(final.state, 1), 'Hello');
    assert.equal(final.lastSeq, 8);
    assert.equal(final.cursor, 'E.8');
  });

  test('a snapshot always replaces the state and resets lastSeq to its seq, even to a lower seq', () => {
    const { final: before } = foldAll(fromDetail(baseState(), 'E.5'), [
      event(6, 'part-start', { messageId: 'msg_assistant', partId: 'p1', kind: 'text' }),
      event(7, 'part-delta', { messageId: 'msg_assistant', partId: 'p1', delta: 'lost after a crash' }),
    ]);
    const restored = baseState();
    restored.messages[1].parts = [{ id: 'p1', kind: 'text', text: 'lost' }];
    const snapshot = event(6, 'snapshot', { state: restored }, null);
    const after = reconcile(before, snapshot)!;
    assert.equal(after.lastSeq, 6);
    assert.equal(after.cursor, 'E.6');
    assert.equal(after.state, snapshot.data.state);
    const next = reconcile(after, event(7, 'part-delta', { messageId: 'msg_assistant', partId: 'p1', delta: ' and found' }))!;
    assert.equal(text(next.state, 1), 'lost and found', 'seq 7 of the new history is applied although seq 7 was seen before');
  });

  test('each accepted event yields new objects along the changed path and keeps everything else', () => {
    const start = fromDetail(baseState(), 'E.1');
    const started = reconcile(start, event(2, 'part-start', { messageId: 'msg_assistant', partId: 'p1', kind: 'text' }))!;
    const frozen = structuredClone(started.state);
    const delta = reconcile(started, event(3, 'part-delta', { messageId: 'msg_assistant', partId: 'p1', delta: 'Hi' }))!;
    assert.deepEqual(started.state, frozen, 'the previous state was not mutated');
    assert.notEqual(delta.state, started.state);
    assert.notEqual(delta.state.messages, started.state.messages);
    assert.notEqual(delta.state.messages[1], started.state.messages[1]);
    assert.equal(delta.state.messages[0], started.state.messages[0], 'the untouched user message keeps its identity');
    assert.equal(delta.state.runs, started.state.runs);
    assert.equal(delta.state.conversation, started.state.conversation);

    const signed = reconcile(delta, event(4, 'part-end', { messageId: 'msg_assistant', partId: 'p1', providerMetadata: { anthropic: { signature: 's' } } }))!;
    const part = signed.state.messages[1].parts.find((candidate) => candidate.id === 'p1');
    assert.deepEqual(part, { id: 'p1', kind: 'text', text: 'Hi', providerMetadata: { anthropic: { signature: 's' } } }, 'part-end sets the provider metadata');
    assert.equal('providerMetadata' in delta.state.messages[1].parts.find((candidate) => candidate.id === 'p1')!, false, 'on a new part object');

    const ended = reconcile(delta, event(4, 'run-completed', { run: { ...run('run_1', 'completed'), finishReason: 'stop' } }))!;
    assert.notEqual(ended.state.runs, delta.state.runs);
    assert.equal(delta.state.runs[0].status, 'running', 'the previous runs array was not mutated');
    assert.equal(ended.state.messages, delta.state.messages);
  });

  test('retry shows the latest run-retrying while the run waits and clears when streaming resumes', () => {
    const error = { code: 'rate_limited', message: 'Slow down' };
    const { final: waiting } = foldAll(fromDetail(baseState(), 'E.1'), [
      event(2, 'run-retrying', { attempt: 2, maxAttempts: 3, delayMs: 1000, error }),
      event(3, 'run-retrying', { attempt: 3, maxAttempts: 3, delayMs: 2000, error }),
    ]);
    assert.deepEqual(waiting.retry, { runId: 'run_1', attempt: 3, maxAttempts: 3, delayMs: 2000, error, at: 1_003 });
    const other = reconcile(waiting, event(4, 'conversation-updated', { conversation: baseState().conversation }, null))!;
    assert.equal(other.retry, waiting.retry, 'unrelated events leave it');
    const resumed = reconcile(other, event(5, 'part-start', { messageId: 'msg_assistant', partId: 'p2', kind: 'text' }))!;
    assert.equal(resumed.retry, null);
  });

  test('retry clears when the run ends, and a snapshot brings its own retry state', () => {
    const error = { code: 'upstream_error', message: 'Bad gateway' };
    const waiting = reconcile(fromDetail(baseState(), 'E.1'), event(2, 'run-retrying', { attempt: 2, maxAttempts: 2, delayMs: 10, error }))!;
    const failed = reconcile(waiting, event(3, 'run-failed', { run: { ...run('run_1', 'failed'), error } }))!;
    assert.equal(failed.retry, null);

    const stillWaiting = { ...baseState(), retry: waiting.retry };
    assert.deepEqual(reconcile(fromDetail(baseState(), 'E.1'), event(2, 'snapshot', { state: stillWaiting }, null))!.retry, waiting.retry);
    const ended = baseState();
    ended.runs = [run('run_1', 'failed')];
    assert.equal(reconcile(waiting, event(3, 'snapshot', { state: ended }, null))!.retry, null);
  });

  test('status and queue derive from the runs: running beats queued; the queue carries each input message', () => {
    const state = baseState();
    const input = message('msg_next', 'user', 'And then?');
    state.runs.push(run('run_2', 'queued', input));
    assert.equal(statusOf(state), 'running');
    assert.deepEqual(queueOf(state), [{ run: state.runs[1], input }]);
    state.runs = [run('run_2', 'queued', input)];
    assert.equal(statusOf(state), 'queued');
    state.runs = [run('run_1', 'completed')];
    assert.equal(statusOf(state), 'idle');
    assert.deepEqual(queueOf(state), []);
  });
});
