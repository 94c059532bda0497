import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Message, Part, Run, WatchState } from '../client/index.ts';
import { LineWriter } from './line-writer.ts';
import { ReplyPrinter } from './reply-printer.ts';
import { Screen } from './screen.ts';

const sink = () => {
  const stream = { text: '', write(chunk: string) { this.text += chunk; } };
  return { stream, screen: new Screen(new LineWriter(stream, {})) };
};

const run = (status: Run['status'], overrides: Partial<Run> = {}): Run => ({
  id: 'run_1', conversationId: 'conv_1', status, trigger: 'send', model: 'fake/m1', userMessageId: 'msg_u', assistantMessageId: 'msg_a', input: null,
  clientRequestId: null, finishReason: null, usage: { inputTokens: 0, outputTokens: 0 }, cost: null, attempts: 1, steps: 0,
  error: null, agentSessionId: null, createdAt: 0, startedAt: 0, endedAt: null, ...overrides,
});
const message = (id: string, role: Message['role'], parts: Part[]): Message => ({
  id, conversationId: 'conv_1', role, parts, status: 'completed', runId: 'run_1', model: null, usage: null, cost: null, createdAt: 0, updatedAt: 0,
});
const text = (id: string, value: string): Part => ({ id, kind: 'text', text: value });
const state = (runs: Run[], assistantParts: Part[] | null, retry: WatchState['retry'] = null): WatchState => ({
  loaded: true,
  state: {
    conversation: { id: 'conv_1', projectName: 'demo', title: '', model: 'fake/m1', systemPrompt: '', busyPolicy: 'enqueue', usage: { inputTokens: 0, outputTokens: 0 }, cost: null, createdAt: 0, updatedAt: 0 },
    messages: [message('msg_u', 'user', [text('p_u', 'Hi there')]), ...(assistantParts ? [message('msg_a', 'assistant', assistantParts)] : [])],
    runs,
  },
  status: runs.some((candidate) => candidate.status === 'running') ? 'running' : 'idle',
  activeRun: runs.find((candidate) => candidate.status === 'running') ?? null,
  retry, queue: [], approvals: [], lastSeq: 0, cursor: null, live: true, deleted: false, error: null,
});

describe('ReplyPrinter', () => {
  test('prints each piece of text once as it grows, tool calls and retries as status lines, then the end', () => {
    const { stream, screen } = sink();
    const printer = new ReplyPrinter({ screen, announceEnds: true, echoUser: () => true });
    printer.update(state([run('queued')], null));
    printer.update(state([run('running')], []));
    printer.update(state([run('running')], [text('p1', 'Hel')]));
    printer.update(state([run('running')], [text('p1', 'Hello')]));
    const call: Part = { id: 'p2', kind: 'tool-call', toolCallId: 'c1', toolName: 'read_file', step: 1, state: { status: 'running', input: { path: 'a.ts' }, startedAt: 1 } };
    const done: Part = { ...call, state: { status: 'completed', input: { path: 'a.ts' }, output: 'A', startedAt: 1, endedAt: 2 } };
    printer.update(state([run('running')], [text('p1', 'Hello'), call]));
    printer.update(state([run('running')], [text('p1', 'Hello'), done]));
    const retry = { runId: 'run_1', attempt: 2, maxAttempts: 4, delayMs: 4000, error: { code: 'rate_limit', message: 'slow' }, at: 0 };
    printer.update(state([run('running')], [text('p1', 'Hello'), done], retry));
    printer.update(state([run('running')], [text('p1', 'Hello'), done], retry));
    printer.update(state([run('failed', { error: { code: 'upstream_error', message: 'bad key' } })], [text('p1', 'Hello'), done]));
    assert.equal(
      stream.text,
      '> Hi there\nHello\n⚙ read_file {"path":"a.ts"} · running\n⚙ read_file {"path":"a.ts"} · completed\n↻ retry 1 of 3 in 4s — rate_limit\n✗ bad key (upstream_error)\n',
    );
  });

  test('a discarded part is announced once and the retried text is printed from its start', () => {
    const { stream, screen } = sink();
    const printer = new ReplyPrinter({ screen });
    printer.update(state([run('running')], [text('p1', 'Hal')]));
    printer.update(state([run('running')], []));
    printer.update(state([run('running')], [text('p2', 'Hello')]));
    printer.update(state([run('completed')], [text('p2', 'Hello')]));
    assert.equal(stream.text, 'Hal\n· the partial reply above is discarded; the retry starts over\nHello\n');
  });

  test('runs that ended before the first update are not printed; a run in progress is shown from its start', () => {
    const ended = sink();
    new ReplyPrinter({ screen: ended.screen, announceEnds: true }).update(state([run('completed')], [text('p1', 'Old news')]));
    assert.equal(ended.stream.text, '');
    const joined = sink();
    const printer = new ReplyPrinter({ screen: joined.screen });
    printer.update(state([run('running')], [text('p1', 'Half')]));
    printer.update(state([run('completed')], [text('p1', 'Half done')]));
    assert.equal(joined.stream.text, 'Half done\n');
  });

  test('shows only the runs `shows` picks', () => {
    const { stream, screen } = sink();
    const printer = new ReplyPrinter({ screen, shows: (candidate) => candidate.id === 'run_2' });
    printer.update(state([run('running')], [text('p1', 'not mine')]));
    assert.equal(stream.text, '');
  });
});
