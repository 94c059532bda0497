import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Message, Part } from '../client/index.ts';
import { formatMessage } from './format-transcript.ts';
import { createStyle } from './terminal-style.ts';

const assistant = (parts: Part[]): Message => ({
  id: 'msg_1', conversationId: 'conv_1', role: 'assistant', parts, status: 'completed', runId: null, model: null, usage: null, cost: null, createdAt: 0, updatedAt: 0,
});

describe('formatMessage', () => {
  test('a tool call shows its status, and once settled its result or error under it, from its state alone', () => {
    const call = (state: Extract<Part, { kind: 'tool-call' }>['state'], id: string): Part => ({ id, kind: 'tool-call', toolCallId: id, toolName: 'read_file', step: 1, state });
    const lines = formatMessage(
      assistant([
        call({ status: 'completed', input: { path: 'a.txt' }, output: { content: 'A' }, startedAt: 1, endedAt: 2 }, 'c1'),
        call({ status: 'error', input: { path: 'b.txt' }, error: 'ENOENT: b.txt', startedAt: 1, endedAt: 2 }, 'c2'),
        call({ status: 'running', input: { path: 'c.txt' }, startedAt: 1 }, 'c3'),
      ]),
      createStyle(false),
    ).split('\n');
    assert.deepEqual(lines.slice(1), [
      '⚙ read_file {"path":"a.txt"} · completed',
      '  → read_file: {"content":"A"}',
      '⚙ read_file {"path":"b.txt"} · error',
      '  → read_file: ENOENT: b.txt',
      '⚙ read_file {"path":"c.txt"} · running',
    ]);
  });
});
