import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { Message, Part } from '../../domain/schemas.ts';
import { buildPrompt } from './build-prompt.ts';

const message = (role: 'user' | 'assistant', parts: Part[]): Message => ({
  id: `msg_${role}`,
  conversationId: 'c',
  role,
  parts,
  status: 'completed',
  runId: null,
  model: null,
  usage: null,
  cost: null,
  createdAt: 0,
  updatedAt: 0,
});

it('splits an assistant message into assistant and tool turns, step by step', () => {
  const prompt = buildPrompt([
    message('user', [{ id: 'p0', kind: 'text', text: 'read it' }]),
    message('assistant', [
      { id: 'p1', kind: 'reasoning', text: 'I should read' },
      { id: 'p2', kind: 'tool-call', toolCallId: 'c1', toolName: 'read_file', step: 1, state: { status: 'completed', input: { path: 'a' }, output: 'A', startedAt: 1, endedAt: 2 } },
      { id: 'p4', kind: 'text', text: 'It says A.' },
    ]),
  ]);
  assert.deepEqual(prompt, [
    { role: 'user', text: 'read it' },
    { role: 'assistant', content: [{ type: 'reasoning', text: 'I should read' }, { type: 'tool-call', toolCallId: 'c1', toolName: 'read_file', input: { path: 'a' } }] },
    { role: 'tool', results: [{ toolCallId: 'c1', toolName: 'read_file', output: 'A', isError: false }] },
    { role: 'assistant', content: [{ type: 'text', text: 'It says A.' }] },
  ]);
});

it('keeps steps apart: a later step\'s calls start a new turn even with no text between, one step\'s calls share one', () => {
  const call = (id: string, step: number): Part => ({ id, kind: 'tool-call', toolCallId: id, toolName: 'read_file', step, state: { status: 'completed', input: { path: id }, output: id.toUpperCase(), startedAt: 1, endedAt: 2 } });
  const result = (id: string) => ({ toolCallId: id, toolName: 'read_file', output: id.toUpperCase(), isError: false });
  const use = (id: string) => ({ type: 'tool-call', toolCallId: id, toolName: 'read_file', input: { path: id } });
  const prompt = buildPrompt([message('user', [{ id: 'p0', kind: 'text', text: 'read' }]), message('assistant', [call('a', 1), call('b', 1), call('c', 2), call('d', 3)])]);
  assert.deepEqual(prompt.slice(1), [
    { role: 'assistant', content: [use('a'), use('b')] },
    { role: 'tool', results: [result('a'), result('b')] },
    { role: 'assistant', content: [use('c')] },
    { role: 'tool', results: [result('c')] },
    { role: 'assistant', content: [use('d')] },
    { role: 'tool', results: [result('d')] },
  ]);
});

it('reads each result from the call\'s state, and answers calls that never settled, so the history stays valid', () => {
  const prompt = buildPrompt([
    message('user', [{ id: 'p0', kind: 'text', text: 'go' }]),
    message('assistant', [
      { id: 'p1', kind: 'tool-call', toolCallId: 'c1', toolName: 'list_files', step: 1, state: { status: 'running', input: {}, startedAt: 1 } },
      { id: 'p2', kind: 'tool-call', toolCallId: 'c2', toolName: 'read_file', step: 1, state: { status: 'error', input: {}, error: 'ENOENT: b.txt', startedAt: 1, endedAt: 2 } },
      { id: 'p3', kind: 'tool-call', toolCallId: 'c3', toolName: 'web', step: 1, state: { status: 'error', input: {}, error: 'blocked', output: { code: 403 }, endedAt: 2 }, providerExecuted: true },
    ]),
    message('user', [{ id: 'p4', kind: 'text', text: 'again' }]),
  ]);
  assert.deepEqual(prompt[2], {
    role: 'tool',
    results: [
      { toolCallId: 'c1', toolName: 'list_files', output: 'The tool was not run: the run ended before it could finish.', isError: true },
      { toolCallId: 'c2', toolName: 'read_file', output: 'ENOENT: b.txt', isError: true },
      { toolCallId: 'c3', toolName: 'web', output: { code: 403 }, isError: true },
    ],
  });
  assert.deepEqual(prompt[3], { role: 'user', text: 'again' });
});

it('skips empty assistant messages and trims a trailing partial for prefill', () => {
  const prompt = buildPrompt([
    message('user', [{ id: 'p0', kind: 'text', text: 'q' }]),
    message('assistant', [{ id: 'p1', kind: 'error', code: 'upstream_error', message: 'x' }]),
    message('user', [{ id: 'p2', kind: 'text', text: 'q2' }]),
    message('assistant', [{ id: 'p3', kind: 'text', text: 'partial answer  \n' }]),
  ]);
  assert.deepEqual(prompt, [
    { role: 'user', text: 'q' },
    { role: 'user', text: 'q2' },
    { role: 'assistant', content: [{ type: 'text', text: 'partial answer' }] },
  ]);
});

it('sends provider metadata back with its part, and keeps redacted reasoning that has no text', () => {
  const signature = { anthropic: { signature: 'sig' } };
  const redacted = { anthropic: { redactedData: 'opaque' } };
  const prompt = buildPrompt([
    message('user', [{ id: 'p0', kind: 'text', text: 'read it' }]),
    message('assistant', [
      { id: 'p1', kind: 'reasoning', text: 'I should read', providerMetadata: signature },
      { id: 'p2', kind: 'reasoning', text: '', providerMetadata: redacted },
      { id: 'p3', kind: 'reasoning', text: '' },
      {
        id: 'p4',
        kind: 'tool-call',
        toolCallId: 'c1',
        toolName: 'read_file',
        step: 1,
        state: { status: 'completed', input: {}, output: 'A', startedAt: 1, endedAt: 2 },
        providerMetadata: { google: { thoughtSignature: 't' } },
      },
    ]),
  ]);
  assert.deepEqual(prompt[1], {
    role: 'assistant',
    content: [
      { type: 'reasoning', text: 'I should read', providerOptions: signature },
      { type: 'reasoning', text: '', providerOptions: redacted },
      { type: 'tool-call', toolCallId: 'c1', toolName: 'read_file', input: {}, providerOptions: { google: { thoughtSignature: 't' } } },
    ],
  });
});
