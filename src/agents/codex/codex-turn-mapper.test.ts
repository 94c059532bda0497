import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamPart } from '../../providers/stream-part.ts';
import { CodexTurnMapper } from './codex-turn-mapper.ts';

const turnId = 'turn-1';
const usage = (total: number, last: number) => ({ threadId: 't', turnId, tokenUsage: { total: { totalTokens: total * 3, inputTokens: total * 2, cachedInputTokens: 0, outputTokens: total, reasoningOutputTokens: 0 }, last: { totalTokens: last * 3, inputTokens: last * 2, cachedInputTokens: 0, outputTokens: last, reasoningOutputTokens: 0 } } });

function run(mapper: CodexTurnMapper, messages: [string, any][]): { parts: StreamPart[]; done: string | undefined } {
  const parts: StreamPart[] = [];
  let done: string | undefined;
  for (const [method, params] of messages) {
    const mapped = mapper.notification(method, params);
    parts.push(...mapped.parts);
    done ??= mapped.done;
  }
  return { parts, done };
}

describe('CodexTurnMapper (app-server notifications as shapes recorded from Codex 0.171.0)', () => {
  it('maps reasoning, text, a file change with its diff and a plan; ignores other turns; usage is the difference of the thread totals', () => {
    const mapper = new CodexTurnMapper({ tokensBefore: { inputTokens: 20, cachedInputTokens: 0, outputTokens: 10, reasoningOutputTokens: 0 }, turnId: () => turnId });
    const change = { type: 'fileChange', id: 'call_1', changes: [{ path: '/p/a.txt', kind: { type: 'add' }, diff: '+hello\n' }], status: 'inProgress' };
    const { parts, done } = run(mapper, [
      ['item/reasoning/summaryTextDelta', { threadId: 't', turnId, itemId: 'rs_1', delta: 'thinking', summaryIndex: 0 }],
      ['item/agentMessage/delta', { threadId: 't', turnId: 'another-turn', itemId: 'msg_0', delta: 'not ours' }],
      ['item/agentMessage/delta', { threadId: 't', turnId, itemId: 'msg_1', delta: 'Hel' }],
      ['item/agentMessage/delta', { threadId: 't', turnId, itemId: 'msg_1', delta: 'lo' }],
      ['item/started', { threadId: 't', turnId, item: change }],
      ['item/completed', { threadId: 't', turnId, item: { ...change, status: 'completed' } }],
      ['item/completed', { threadId: 't', turnId, item: { ...change, status: 'completed' } }],
      ['turn/plan/updated', { threadId: 't', turnId, explanation: null, plan: [{ step: 'write a.txt', status: 'completed' }, { step: 'test', status: 'inProgress' }] }],
      ['thread/tokenUsage/updated', usage(25, 5)],
      ['thread/tokenUsage/updated', usage(25, 5)],
      ['turn/completed', { threadId: 't', turn: { id: turnId, status: 'completed', error: null } }],
    ]);
    assert.equal(done, 'completed');
    assert.deepEqual([...parts, ...mapper.finish()], [
      { type: 'reasoning-start', id: 'reasoning-1' },
      { type: 'reasoning-delta', id: 'reasoning-1', delta: 'thinking' },
      { type: 'reasoning-end', id: 'reasoning-1' },
      { type: 'text-start', id: 'text-2' },
      { type: 'text-delta', id: 'text-2', delta: 'Hel' },
      { type: 'text-delta', id: 'text-2', delta: 'lo' },
      { type: 'text-end', id: 'text-2' },
      { type: 'tool-call', toolCallId: 'call_1', toolName: 'edit', input: { paths: ['/p/a.txt'] }, providerExecuted: true },
      { type: 'tool-result', toolCallId: 'call_1', toolName: 'edit', output: { text: 'completed', diffs: [{ path: '/p/a.txt', kind: 'add', diff: '+hello\n' }] }, isError: false },
      { type: 'plan', entries: [{ content: 'write a.txt', status: 'completed' }, { content: 'test', status: 'in_progress' }] },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 30, outputTokens: 15 } },
    ]);
  });

  it('after a resume (no total known) counts the first update as this turn, and a declined or failing command is an error result', () => {
    const mapper = new CodexTurnMapper({ tokensBefore: undefined, turnId: () => turnId });
    const command = { type: 'commandExecution', id: 'call_2', command: "/bin/bash -lc 'rm x'", cwd: '/p', status: 'inProgress', aggregatedOutput: null, exitCode: null };
    const { parts } = run(mapper, [
      ['item/started', { threadId: 't', turnId, item: command }],
      ['item/completed', { threadId: 't', turnId, item: { ...command, status: 'declined' } }],
      ['thread/tokenUsage/updated', usage(100, 5)],
      ['thread/tokenUsage/updated', usage(110, 10)],
    ]);
    assert.deepEqual(parts, [
      { type: 'tool-call', toolCallId: 'call_2', toolName: 'command', input: { command: "/bin/bash -lc 'rm x'", cwd: '/p' }, providerExecuted: true },
      { type: 'tool-result', toolCallId: 'call_2', toolName: 'command', output: 'declined', isError: true },
    ]);
    assert.deepEqual(mapper.finish().at(-1), { type: 'finish', finishReason: 'stop', usage: { inputTokens: 30, outputTokens: 15 } });
  });

  it('a user message Confab steered in (its client id) closes the text so far and marks where the agent took it; its own first message does not', () => {
    const mapper = new CodexTurnMapper({ tokensBefore: undefined, turnId: () => turnId });
    const user = (clientId: string | null) => ({ type: 'userMessage', id: 'u', clientId, content: [{ type: 'text', text: 'x', text_elements: [] }] });
    const { parts } = run(mapper, [
      ['item/started', { threadId: 't', turnId, item: user(null) }],
      ['item/agentMessage/delta', { threadId: 't', turnId, itemId: 'msg_1', delta: 'slow0 ' }],
      ['item/started', { threadId: 't', turnId, item: user('msg_steered') }],
      ['item/agentMessage/delta', { threadId: 't', turnId, itemId: 'msg_2', delta: 'Hello' }],
    ]);
    assert.deepEqual(parts, [
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'slow0 ' },
      { type: 'text-end', id: 'text-1' },
      { type: 'steer-taken', messageId: 'msg_steered' },
      { type: 'text-start', id: 'text-2' },
      { type: 'text-delta', id: 'text-2', delta: 'Hello' },
    ]);
  });

  it('a failed turn ends failed with Codex message; an error it will retry is not a failure', () => {
    const mapper = new CodexTurnMapper({ tokensBefore: undefined, turnId: () => turnId });
    const { done } = run(mapper, [
      ['error', { threadId: 't', turnId, willRetry: true, error: { message: 'reconnecting' } }],
      ['turn/completed', { threadId: 't', turn: { id: turnId, status: 'failed', error: { message: 'stream disconnected' } } }],
    ]);
    assert.equal(done, 'failed');
    assert.equal(mapper.failure().message, 'Codex failed the turn: stream disconnected');
  });
});
