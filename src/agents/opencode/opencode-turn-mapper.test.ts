import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StreamPart } from '../../providers/stream-part.ts';
import { OpenCodeTurnMapper } from './opencode-turn-mapper.ts';

const part = (fields: Record<string, unknown>) => ({ type: 'message.part.updated', properties: { sessionID: 's', part: { sessionID: 's', ...fields } } });
const step = (id: string, tokens: { input: number; output: number; read: number }, cost: number) =>
  part({ id, messageID: 'msg_a', type: 'step-finish', reason: 'stop', tokens: { total: 0, input: tokens.input, output: tokens.output, reasoning: 0, cache: { read: tokens.read, write: 0 } }, cost });

describe('OpenCodeTurnMapper (bus events as shapes recorded from OpenCode 1.18.33)', () => {
  it('streams assistant text (deltas, then the rest of a whole part), a tool call from running to completed, a plan; ignores the prompt; sums the steps', () => {
    const mapper = new OpenCodeTurnMapper();
    const parts: StreamPart[] = [];
    for (const event of [
      { type: 'message.updated', properties: { sessionID: 's', info: { id: 'msg_u', role: 'user' } } },
      part({ id: 'prt_u', messageID: 'msg_u', type: 'text', text: 'READ x' }),
      { type: 'message.updated', properties: { sessionID: 's', info: { id: 'msg_a', role: 'assistant' } } },
      part({ id: 'prt_1', messageID: 'msg_a', type: 'text', text: '' }),
      { type: 'message.part.delta', properties: { sessionID: 's', messageID: 'msg_a', partID: 'prt_1', field: 'text', delta: 'Let me ' } },
      part({ id: 'prt_1', messageID: 'msg_a', type: 'text', text: 'Let me read.' }),
      part({ id: 'prt_t', messageID: 'msg_a', type: 'tool', tool: 'read', callID: 'call_1', state: { status: 'pending', input: {}, raw: '' } }),
      part({ id: 'prt_t', messageID: 'msg_a', type: 'tool', tool: 'read', callID: 'call_1', state: { status: 'running', input: { filePath: '/p/x' } } }),
      part({ id: 'prt_t', messageID: 'msg_a', type: 'tool', tool: 'read', callID: 'call_1', state: { status: 'completed', input: { filePath: '/p/x' }, output: 'content' } }),
      step('prt_s1', { input: 10, output: 5, read: 2 }, 0.001),
      step('prt_s1', { input: 10, output: 5, read: 2 }, 0.001),
      step('prt_s2', { input: 20, output: 1, read: 0 }, 0.002),
      { type: 'todo.updated', properties: { sessionID: 's', todos: [{ content: 'read x', status: 'completed', priority: 'high' }, { content: 'drop', status: 'cancelled', priority: 'low' }] } },
    ]) parts.push(...mapper.event(event));
    assert.deepEqual([...parts, ...mapper.finish()], [
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'Let me ' },
      { type: 'text-delta', id: 'text-1', delta: 'read.' },
      { type: 'text-end', id: 'text-1' },
      { type: 'tool-call', toolCallId: 'call_1', toolName: 'read', input: { filePath: '/p/x' }, providerExecuted: true },
      { type: 'tool-result', toolCallId: 'call_1', toolName: 'read', output: 'content', isError: false },
      { type: 'plan', entries: [{ content: 'read x', status: 'completed', priority: 'high' }] },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 32, outputTokens: 6, cachedInputTokens: 2 }, costUsd: 0.003 },
    ]);
  });

  it('a permission request announces its call with OpenCode metadata; a tool in error settles as an error', () => {
    const mapper = new OpenCodeTurnMapper();
    mapper.event({ type: 'message.updated', properties: { sessionID: 's', info: { id: 'msg_a', role: 'assistant' } } });
    const asked = mapper.permission({ id: 'per_1', sessionID: 's', permission: 'bash', metadata: { command: 'rm x' }, tool: { messageID: 'msg_a', callID: 'call_2' } }, () => {}, new AbortController().signal);
    assert.deepEqual(asked.map((entry) => [entry.type, 'input' in entry ? entry.input : undefined]), [['tool-call', { command: 'rm x' }], ['permission-request', { command: 'rm x' }]]);
    const failed = mapper.event(part({ id: 'prt_t', messageID: 'msg_a', type: 'tool', tool: 'bash', callID: 'call_2', state: { status: 'error', input: { command: 'rm x' }, error: 'The user rejected permission' } }));
    assert.deepEqual(failed, [{ type: 'tool-result', toolCallId: 'call_2', toolName: 'bash', output: 'The user rejected permission', isError: true }]);
  });
});
