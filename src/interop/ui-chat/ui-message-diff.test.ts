import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Message, Part, Run } from '../../domain/schemas.ts';
import { UiMessageDiff } from './ui-message-diff.ts';

const message = (parts: Part[], status: Message['status'] = 'streaming'): Message => ({
  id: 'msg_1',
  conversationId: 'conv_1',
  role: 'assistant',
  parts,
  status,
  runId: 'run_1',
  model: 'test/m',
  usage: null,
  cost: null,
  createdAt: 0,
  updatedAt: 0,
});
const text = (id: string, value: string): Part => ({ id, kind: 'text', text: value });
const call = (id: string, state: Extract<Part, { kind: 'tool-call' }>['state']): Part => ({ id, kind: 'tool-call', toolCallId: `call_${id}`, toolName: 'read_file', step: 1, state });
const run = (status: Run['status'], finishReason: Run['finishReason'] = null): Run => ({
  id: 'run_1',
  conversationId: 'conv_1',
  status,
  trigger: 'send',
  model: 'test/m',
  userMessageId: null,
  assistantMessageId: 'msg_1',
  input: null,
  clientRequestId: null,
  finishReason,
  usage: { inputTokens: 1, outputTokens: 2 },
  cost: null,
  attempts: 1,
  steps: 1,
  error: null,
  agentSessionId: null,
  createdAt: 0,
  startedAt: 0,
  endedAt: 0,
});
const none = new Set<string>();

describe('UiMessageDiff', () => {
  it('sends only what grew, whether the state came from events or from a snapshot that skipped many of them', () => {
    const diff = new UiMessageDiff({ messageId: 'msg_1', conversationId: 'conv_1', runId: 'run_1' });
    assert.deepEqual(diff.start(), [{ type: 'start', messageId: 'msg_1', messageMetadata: { conversationId: 'conv_1', runId: 'run_1' } }, { type: 'start-step' }]);
    assert.deepEqual(diff.update(message([text('p1', 'Hel')]), none), [{ type: 'text-start', id: 'p1' }, { type: 'text-delta', id: 'p1', delta: 'Hel' }]);
    assert.deepEqual(diff.update(message([text('p1', 'Hel')]), none), []);
    // A jump (a snapshot after a slow reader overflowed): the rest of p1, its end, and p2 whole.
    assert.deepEqual(diff.update(message([text('p1', 'Hello'), text('p2', 'World')]), new Set(['p1'])), [
      { type: 'text-delta', id: 'p1', delta: 'lo' },
      { type: 'text-end', id: 'p1' },
      { type: 'text-start', id: 'p2' },
      { type: 'text-delta', id: 'p2', delta: 'World' },
    ]);
    assert.deepEqual(diff.finish(run('completed', 'tool-limit'), undefined), [
      { type: 'text-end', id: 'p2' },
      { type: 'finish-step' },
      { type: 'finish', finishReason: 'other', messageMetadata: { conversationId: 'conv_1', runId: 'run_1', confabFinishReason: 'tool-limit', usage: { inputTokens: 1, outputTokens: 2 }, cost: null } },
    ]);
    assert.deepEqual(diff.finish(run('completed'), undefined), [], 'finishes once');
  });

  it('a tool result closes the step: the next model step opens a new one; discarded parts of a retried step go with reset-step', () => {
    const diff = new UiMessageDiff({ messageId: 'msg_1', conversationId: 'conv_1', runId: 'run_1' });
    const done = call('c1', { status: 'completed', input: { path: 'a' }, output: 'A', startedAt: 1, endedAt: 2 });
    const fields = { toolCallId: 'call_c1', providerExecuted: true, dynamic: true };
    assert.deepEqual(diff.update(message([call('c1', { status: 'awaiting-approval', input: { path: 'a' }, approvalId: 'appr_1' })]), none), [
      { type: 'tool-input-available', ...fields, toolName: 'read_file', input: { path: 'a' } },
      { type: 'tool-approval-request', approvalId: 'appr_1', toolCallId: 'call_c1' },
    ]);
    assert.deepEqual(diff.update(message([done]), none), [{ type: 'tool-output-available', ...fields, output: 'A' }]);
    assert.deepEqual(diff.update(message([done, text('p2', 'Par')]), none), [
      { type: 'finish-step' },
      { type: 'start-step' },
      { type: 'text-start', id: 'p2' },
      { type: 'text-delta', id: 'p2', delta: 'Par' },
    ]);
    // The attempt failed: Confab discarded p2 and retried; the retry wrote p3.
    assert.deepEqual(diff.update(message([done, text('p3', 'Whole')]), none), [
      { type: 'reset-step' },
      { type: 'text-start', id: 'p3' },
      { type: 'text-delta', id: 'p3', delta: 'Whole' },
    ]);
    assert.deepEqual(diff.update(message([done, text('p3', 'Whole')], 'stopped'), none), [{ type: 'text-end', id: 'p3' }]);
    assert.deepEqual(diff.finish(run('stopped', 'stopped'), undefined), [{ type: 'finish-step' }, { type: 'abort', reason: 'stopped' }]);
  });

  it('a plan is a data-plan part, sent again only when it changed; a failed run ends with its error', () => {
    const diff = new UiMessageDiff({ messageId: 'msg_1', conversationId: 'conv_1', runId: 'run_1' });
    const plan = (status: 'pending' | 'completed'): Part => ({ id: 'plan_1', kind: 'plan', entries: [{ content: 'Read', status }] });
    assert.deepEqual(diff.update(message([plan('pending')]), none), [{ type: 'data-plan', id: 'plan_1', data: { entries: [{ content: 'Read', status: 'pending' }] } }]);
    assert.deepEqual(diff.update(message([plan('pending')]), none), []);
    assert.deepEqual(diff.update(message([plan('completed')]), none), [{ type: 'data-plan', id: 'plan_1', data: { entries: [{ content: 'Read', status: 'completed' }] } }]);
    const failed = { ...run('failed', 'error'), error: { code: 'auth', message: 'The provider refused the API key.' } };
    assert.deepEqual(diff.finish(failed, undefined), [{ type: 'finish-step' }, { type: 'error', errorText: 'The provider refused the API key.' }]);
  });
});
