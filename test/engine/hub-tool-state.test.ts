/**
 * A tool call's state over a run: each move is one `tool-call` event carrying the whole part, and
 * the result lands in the state (no separate result part), for calls Confab runs and for calls the
 * provider or agent runs itself.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ToolCallPart, ToolState } from '../../src/domain/schemas.ts';
import type { ConfabEvent } from '../../src/events/definitions.ts';
import { EventCollector, isRunEnd, makeHub } from '../support/hub-fixture.ts';
import { ScriptedSource, textStep, type ScriptItem } from '../support/scripted-source.ts';

const toolStates = (events: ConfabEvent[]): ToolState[] => events.flatMap((event) => (event.type === 'tool-call' ? [event.data.part.state] : []));
const toolParts = (parts: { kind: string }[]) => parts.filter((part): part is ToolCallPart => part.kind === 'tool-call');

/** The state without its times, which must be present and in order. */
function untimed(state: ToolState): Record<string, unknown> {
  const { startedAt, endedAt, ...rest } = state as ToolState & { startedAt?: number; endedAt?: number };
  if (startedAt !== undefined && endedAt !== undefined) assert.ok(startedAt <= endedAt, 'started before it ended');
  return rest;
}

describe('tool call state', () => {
  it('a call Confab runs goes pending, running, completed with its output; the stored message has no result part', async () => {
    const source = new ScriptedSource().enqueue(
      [{ type: 'tool-call', toolCallId: 'call-1', toolName: 'read_file', input: { path: 'notes.txt', startLine: 2, endLine: 2 } }, { type: 'finish', finishReason: 'tool-calls', usage: undefined }],
      textStep(['beta']),
    );
    const fixture = await makeHub(source);
    try {
      const events = new EventCollector(await fixture.hub.subscribe(fixture.conversation.id));
      await fixture.hub.send(fixture.conversation.id, { content: 'line 2?' });
      await events.waitFor(isRunEnd);
      const states = toolStates(events.events);
      assert.deepEqual(states.map((state) => state.status), ['pending', 'running', 'completed']);
      assert.equal(typeof (states[1] as { startedAt: number }).startedAt, 'number');
      const completed = states[2];
      assert.ok(completed.status === 'completed');
      untimed(completed);
      assert.deepEqual(completed.input, { path: 'notes.txt', startLine: 2, endLine: 2 });
      assert.match(JSON.stringify(completed.output), /beta/);
      const { state } = await fixture.hub.getConversation(fixture.conversation.id);
      assert.deepEqual(state.messages[1].parts.map((part) => part.kind), ['tool-call', 'text']);
      assert.deepEqual(toolParts(state.messages[1].parts)[0].state, completed);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('numbers the steps that asked for calls, so calls made one after another go back to the model as separate turns', async () => {
    const read = (id: string, path: string): ScriptItem[] => [
      { type: 'tool-call', toolCallId: id, toolName: 'read_file', input: { path } },
      { type: 'finish', finishReason: 'tool-calls', usage: undefined },
    ];
    const source = new ScriptedSource().enqueue(read('call-1', 'notes.txt'), read('call-2', 'README.md'), textStep(['done']));
    const fixture = await makeHub(source);
    try {
      const events = new EventCollector(await fixture.hub.subscribe(fixture.conversation.id));
      await fixture.hub.send(fixture.conversation.id, { content: 'read both' });
      await events.waitFor(isRunEnd);
      const { state } = await fixture.hub.getConversation(fixture.conversation.id);
      assert.deepEqual(toolParts(state.messages[1].parts).map((part) => [part.toolCallId, part.step]), [['call-1', 1], ['call-2', 2]]);
      assert.deepEqual(source.requests[2].messages.map((message) => message.role), ['user', 'assistant', 'tool', 'assistant', 'tool']);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('a call the provider runs starts running, and its result settles it; a result without a call is kept as one', async () => {
    const source = new ScriptedSource().enqueue([
      { type: 'tool-call', toolCallId: 'srv-1', toolName: 'web_search', input: { q: 'confab' }, providerExecuted: true },
      { type: 'tool-result', toolCallId: 'srv-1', toolName: 'web_search', output: { hits: 3 }, isError: false },
      { type: 'tool-result', toolCallId: 'srv-2', toolName: 'web_fetch', output: { message: 'blocked by robots.txt' }, isError: true },
      ...textStep(['found it']),
    ]);
    const fixture = await makeHub(source);
    try {
      const events = new EventCollector(await fixture.hub.subscribe(fixture.conversation.id));
      await fixture.hub.send(fixture.conversation.id, { content: 'search' });
      await events.waitFor(isRunEnd);
      assert.deepEqual(toolStates(events.events).map(untimed), [
        { status: 'running', input: { q: 'confab' } },
        { status: 'completed', input: { q: 'confab' }, output: { hits: 3 } },
        { status: 'error', input: null, error: 'blocked by robots.txt', output: { message: 'blocked by robots.txt' } },
      ]);
      assert.equal(source.requests.length, 1, 'Confab ran nothing itself, so no second step');
      const { state } = await fixture.hub.getConversation(fixture.conversation.id);
      assert.deepEqual(toolParts(state.messages[1].parts).map((part) => [part.toolCallId, part.providerExecuted, part.state.status]), [
        ['srv-1', true, 'completed'],
        ['srv-2', true, 'error'],
      ]);
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });

  it('a call still running when the run is stopped settles as an error that keeps its start', async () => {
    const source = new ScriptedSource().enqueue([
      { type: 'tool-call', toolCallId: 'srv-1', toolName: 'web_search', input: {}, providerExecuted: true },
      { type: 'hold' },
    ]);
    const fixture = await makeHub(source);
    try {
      const events = new EventCollector(await fixture.hub.subscribe(fixture.conversation.id));
      const holding = source.waitForHold();
      await fixture.hub.send(fixture.conversation.id, { content: 'search' });
      await holding;
      await fixture.hub.stop(fixture.conversation.id);
      await events.waitFor(isRunEnd);
      const [running, stopped] = toolStates(events.events);
      assert.ok(running.status === 'running' && stopped.status === 'error');
      assert.deepEqual(stopped, { status: 'error', input: {}, error: 'Not run: the run ended first.', startedAt: running.startedAt, endedAt: stopped.endedAt });
      events.close();
    } finally {
      await fixture.cleanup();
    }
  });
});
