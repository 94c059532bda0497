import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Message, WatchState } from '../../../../src/client/index.ts';
import { MessageDiff, buildPanelView, panelConnection } from './panel-view.ts';

const message = (id: string, text: string): Message =>
  ({ id, conversationId: 'c', role: 'assistant', parts: [{ id: `${id}-p`, kind: 'text', text }], status: 'completed', runId: null, model: null, usage: null, cost: null, createdAt: 0 }) as Message;

function watchState(messages: Message[], runs: { clientRequestId: string | null }[] = []): WatchState {
  return {
    loaded: true,
    state: { conversation: { id: 'c', title: 'T' } as never, messages, runs: runs as never },
    status: 'idle',
    activeRun: null,
    retry: null,
    queue: [],
    approvals: [],
    lastSeq: 1,
    cursor: 'x.1',
    live: true,
    deleted: false,
    error: null,
  };
}

const connection = panelConnection(null, true);

describe('panel view', () => {
  test('a message the page already has, unchanged, is sent as its id; a changed one in full; reset sends everything', () => {
    const diff = new MessageDiff();
    const first = message('m1', 'Hello');
    const streaming = message('m2', 'Hi');
    const inputs = { conversationId: 'c', connection, outbox: [], pendingContext: [], notice: null };
    assert.deepEqual(buildPanelView({ ...inputs, watch: watchState([first, streaming]) }, diff).messages, [first, streaming]);
    const grown = message('m2', 'Hi there');
    assert.deepEqual(buildPanelView({ ...inputs, watch: watchState([first, grown]) }, diff).messages, ['m1', grown]);
    diff.reset();
    assert.deepEqual(buildPanelView({ ...inputs, watch: watchState([first, grown]) }, diff).messages, [first, grown]);
  });

  test('an outbox entry whose run the conversation already has is not shown twice', () => {
    const outbox = [
      { clientRequestId: 'r1', content: 'a', context: [], state: 'sending' as const, error: null },
      { clientRequestId: 'r2', content: 'b', context: [], state: 'waiting' as const, error: null },
    ];
    const view = buildPanelView({ conversationId: 'c', connection, outbox, pendingContext: [], notice: null, watch: watchState([], [{ clientRequestId: 'r1' }]) }, new MessageDiff());
    assert.deepEqual(view.outbox.map((entry) => entry.clientRequestId), ['r2']);
  });

  test('signed out wins over any connection state', () => {
    assert.equal(panelConnection(null, false).status, 'signed-out');
    assert.deepEqual(panelConnection({ status: 'reconnecting', attempt: 3, nextDelayMs: 2000, transport: null, error: null }, true), {
      status: 'reconnecting',
      attempt: 3,
      nextDelayMs: 2000,
      error: null,
    });
  });
});
