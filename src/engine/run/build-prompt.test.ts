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
      { id: 'p2', kind: 'tool-call', toolCallId: 'c1', toolName: 'read_file', input: { path: 'a' }, status: 'completed' },
      { id: 'p3', kind: 'tool-result', toolCallId: 'c1', toolName: 'read_file', output: 'A', isError: false },
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

it('answers tool calls left without a result, so the history stays valid', () => {
  const prompt = buildPrompt([
    message('user', [{ id: 'p0', kind: 'text', text: 'go' }]),
    message('assistant', [{ id: 'p1', kind: 'tool-call', toolCallId: 'c1', toolName: 'list_files', input: {}, status: 'error' }]),
    message('user', [{ id: 'p2', kind: 'text', text: 'again' }]),
  ]);
  assert.equal(prompt[2].role, 'tool');
  if (prompt[2].role === 'tool') assert.equal(prompt[2].results[0].isError, true);
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
      { id: 'p4', kind: 'tool-call', toolCallId: 'c1', toolName: 'read_file', input: {}, status: 'completed', providerMetadata: { google: { thoughtSignature: 't' } } },
      { id: 'p5', kind: 'tool-result', toolCallId: 'c1', toolName: 'read_file', output: 'A', isError: false },
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
