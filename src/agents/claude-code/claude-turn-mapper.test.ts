import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { StreamPart } from '../../providers/stream-part.ts';
import { ClaudePlan } from './claude-plan.ts';
import type { SdkMessage } from './claude-sdk.ts';
import { ClaudeTurnMapper } from './claude-turn-mapper.ts';

/** Recorded output of Claude Code 2.1.332 (test/agents/recorded/README.md), as a list of turns. */
function recordedTurns(name: string): SdkMessage[][] {
  const messages = readFileSync(new URL(`../../../test/agents/recorded/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as SdkMessage);
  const turns: SdkMessage[][] = [[]];
  for (const message of messages) {
    turns.at(-1)!.push(message);
    if (message.type === 'result') turns.push([]);
  }
  return turns.filter((turn) => turn.length > 0);
}

function replay(mapper: ClaudeTurnMapper, messages: SdkMessage[]): { parts: StreamPart[]; done: string | undefined } {
  const parts: StreamPart[] = [];
  let done: string | undefined;
  for (const message of messages) {
    const mapped = mapper.message(message);
    parts.push(...mapped.parts);
    done ??= mapped.done;
  }
  return { parts, done };
}

const kept = (parts: StreamPart[]) => parts.filter((part) => part.type !== 'text-delta' && part.type !== 'reasoning-delta');
const textOf = (parts: StreamPart[]) => parts.flatMap((part) => (part.type === 'text-delta' ? [part.delta] : [])).join('');

describe('ClaudeTurnMapper (Agent SDK messages as recorded from Claude Code 2.1.332)', () => {
  const [hello, read, bash, interrupted, after] = recordedTurns('claude-code-2.1.332-stream.jsonl');

  it('streams text from the partial messages only (the whole assistant message is not shown again), and ends with the turn usage and its cost', () => {
    const { parts, done } = replay(new ClaudeTurnMapper({ plan: new ClaudePlan(), costBefore: 0 }), hello!);
    assert.equal(done, 'completed');
    assert.deepEqual(parts, [
      { type: 'text-start', id: 'text-1' },
      { type: 'text-delta', id: 'text-1', delta: 'Hello from fake anthropic. msgs=2 (history mentions BANANA)' },
      { type: 'text-end', id: 'text-1' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 5 }, costUsd: 0.00014000000000000001 },
    ]);
  });

  it('a read and a command: each call announced with its input and settled with the text Claude saw; the reply after it is a new text part', () => {
    const readParts = replay(new ClaudeTurnMapper({ plan: new ClaudePlan(), costBefore: undefined }), read!).parts;
    assert.deepEqual(kept(readParts), [
      { type: 'tool-call', toolCallId: 'toolu_fake_2_0', toolName: 'Read', input: { file_path: '/sandbox/projects/claude/secret.txt' }, providerExecuted: true },
      { type: 'tool-result', toolCallId: 'toolu_fake_2_0', toolName: 'Read', output: '1\tthe secret is 42\n2\t', isError: false },
      { type: 'text-start', id: 'text-1' },
      { type: 'text-end', id: 'text-1' },
      { type: 'finish', finishReason: 'stop', usage: { inputTokens: 20, outputTokens: 10 }, costUsd: 0.00028000000000000003 },
    ]);
    const bashParts = replay(new ClaudeTurnMapper({ plan: new ClaudePlan(), costBefore: undefined }), bash!).parts;
    assert.deepEqual(bashParts.slice(0, 2), [
      { type: 'tool-call', toolCallId: 'toolu_fake_4_0', toolName: 'Bash', input: { command: 'echo written > bash_out.txt && echo done', description: 'write a file' }, providerExecuted: true },
      { type: 'tool-result', toolCallId: 'toolu_fake_4_0', toolName: 'Bash', output: 'done', isError: false },
    ]);
    assert.equal(textOf(bashParts), 'TOOL RESULT RECEIVED: done');
  });

  it('an interrupted turn ends like any other, keeping what streamed; its cost is the difference of the running totals when Claude Code gives no per-result figure', () => {
    const withoutSince = interrupted!.map((message) => (message.type === 'result' ? { ...message, model_usage_since_last_result: undefined } : message));
    const mapper = new ClaudeTurnMapper({ plan: new ClaudePlan(), costBefore: 0.0007, interrupted: () => true });
    const { parts, done } = replay(mapper, withoutSince);
    assert.equal(done, 'completed');
    assert.equal(textOf(parts), 'slow0 slow1 slow2 ');
    const finish = parts.at(-1) as Extract<StreamPart, { type: 'finish' }>;
    assert.equal(finish.finishReason, 'other');
    assert.ok(Math.abs(finish.costUsd! - 0.00016) < 1e-12);
    assert.ok(Math.abs(mapper.costTotal! - 0.00086) < 1e-12, 'the next turn counts from the new total');
    assert.equal(replay(new ClaudeTurnMapper({ plan: new ClaudePlan(), costBefore: mapper.costTotal }), after!).done, 'completed');
  });

  it('thinking streams as reasoning; an edit and a write settle with their diffs; the task tools become the plan, not calls; a refused TodoWrite shows as the failed call it was', () => {
    const [turn] = recordedTurns('claude-code-2.1.332-tools.jsonl');
    const { parts, done } = replay(new ClaudeTurnMapper({ plan: new ClaudePlan(), costBefore: undefined }), turn!);
    assert.equal(done, 'completed');
    assert.equal(parts.filter((part) => part.type === 'reasoning-start').length, 9, 'one reasoning part before each of the nine calls');
    const results = parts.filter((part) => part.type === 'tool-result');
    assert.deepEqual(
      results.map((part) => [part.toolName, part.isError]),
      [
        ['Read', false],
        ['Edit', false],
        ['Write', false],
        ['TodoWrite', true],
      ],
    );
    assert.deepEqual((results[1] as any).output.diffs, [{ path: '/project/a.txt', oldText: 'two', newText: 'TWO' }]);
    assert.match((results[1] as any).output.text, /has been updated successfully/);
    assert.deepEqual((results[2] as any).output.diffs, [{ path: '/project/b.txt', oldText: null, newText: 'fresh\n' }]);
    assert.match(String(results[3]!.output), /TodoWrite is disabled/);
    const plans = parts.flatMap((part) => (part.type === 'plan' ? [part.entries] : []));
    assert.deepEqual(plans, [
      [{ content: 'Edit a.txt', status: 'pending' }],
      [
        { content: 'Edit a.txt', status: 'pending' },
        { content: 'Write b.txt', status: 'pending' },
      ],
      [
        { content: 'Edit a.txt', status: 'completed' },
        { content: 'Write b.txt', status: 'pending' },
      ],
      [
        { content: 'Edit a.txt', status: 'completed' },
        { content: 'Write b.txt', status: 'in_progress' },
      ],
      [
        { content: 'Edit a.txt', status: 'completed' },
        { content: 'Write b.txt', status: 'in_progress' },
      ],
    ]);
    assert.ok(!parts.some((part) => part.type === 'tool-call' && part.toolName.startsWith('Task')), 'task calls are not shown as calls');
    assert.deepEqual(parts.at(-1), { type: 'finish', finishReason: 'stop', usage: { inputTokens: 100, outputTokens: 19 }, costUsd: 0.00078 });
  });

  it('a permission request announces its call once; an assistant message that never streamed (an API error) is shown; an error result fails the turn with its status', () => {
    const mapper = new ClaudeTurnMapper({ plan: new ClaudePlan(), costBefore: undefined });
    const withdrawn = new AbortController().signal;
    const answer = () => {};
    const asked = mapper.permission('toolu_1', 'Bash', { command: 'ls' }, answer, withdrawn);
    assert.deepEqual(asked, [
      { type: 'tool-call', toolCallId: 'toolu_1', toolName: 'Bash', input: { command: 'ls' }, providerExecuted: true },
      { type: 'permission-request', toolCallId: 'toolu_1', toolName: 'Bash', input: { command: 'ls' }, answer, withdrawn },
    ]);
    assert.deepEqual(mapper.message({ type: 'assistant', parent_tool_use_id: null, message: { id: 'msg_x', content: [{ type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] } }).parts, []);
    const error = { type: 'assistant', parent_tool_use_id: null, error: 'rate_limit', message: { id: 'synthetic', content: [{ type: 'text', text: 'API Error: 429 slow down' }] } };
    assert.equal(textOf(mapper.message(error).parts), 'API Error: 429 slow down');
    const ended = mapper.message({ type: 'result', subtype: 'success', is_error: true, api_error_status: 429, result: 'API Error: 429 slow down', total_cost_usd: 0 });
    assert.equal(ended.done, 'failed');
    assert.deepEqual([mapper.failure().code, mapper.failure().message], ['rate_limit', 'Claude Code ended the turn on an error: API Error: 429 slow down']);
    const broken = new ClaudeTurnMapper({ plan: new ClaudePlan(), costBefore: undefined });
    assert.equal(broken.message({ type: 'result', subtype: 'error_during_execution', is_error: true, errors: ['tool loop crashed'] }).done, 'failed');
    assert.equal(broken.failure().message, 'Claude Code failed the turn: tool loop crashed');
  });
});
